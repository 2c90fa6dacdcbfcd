"""Files in places qms does not read: a typo in a folder name must not hide a file in silence."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from pathlib import Path

from qms.base.issues import Issue, warning
from qms.format.config import PathsConfig
from qms.format.load import CONFIG_FILE, YAML_SUFFIXES, walk_files

STRAY_FILE = "stray-file"
DATA_SUFFIXES = (*YAML_SUFFIXES, ".csv")
# The folders that hold files of each kind, and what they hold (for the message).
_KINDS = {
    "standards": "standards",
    "planning": "planning items",
    "checklists": "checklists",
    "records": "audit records",
    "measurements": "KPI readings",
    "sqi": "SQI failure counts",
    "surveys": "SERVQUAL waves",
}
_CSV_KINDS = ("measurements", "sqi", "surveys")


def stray_files(root: Path, paths: PathsConfig) -> Iterator[Issue]:
    """A warning for each YAML or CSV file qms would skip: at the root (but qms.yaml), or
    under the top folder of a data folder (audits/, standards/) but in none of them."""
    data = {name: getattr(paths, name).strip("/") for name in _KINDS}
    not_data = {paths.templates.strip("/"), paths.build.strip("/"), "schema", "docs"}
    with os.scandir(root) as entries:
        for entry in entries:
            if (entry.is_file() and entry.name.endswith(DATA_SUFFIXES)
                    and entry.name != CONFIG_FILE and not entry.name.startswith(".")):
                yield _stray(entry.name, data)
    tops = sorted({folder.split("/")[0] for folder in data.values()} - not_data)
    skip = {str(root / folder) for folder in [*data.values(), *not_data]}
    for top in tops:
        if top in data.values():  # all of standards/ is standards
            continue
        for entry in walk_files(root / top, skip, (), root):
            if entry.name.endswith(DATA_SUFFIXES):
                yield _stray(Path(entry.path).relative_to(root).as_posix(), data)


def _stray(shown: str, data: dict[str, str]) -> Issue:
    folder, _, suffix = shown.rpartition("/")[0], None, shown.rpartition(".")[2].lower()
    kinds = _CSV_KINDS if suffix == "csv" else [k for k in _KINDS if k not in _CSV_KINDS]
    close = difflib.get_close_matches(folder, [data[k] for k in kinds], n=1, cutoff=0.8)
    if close:
        hint = f"did you mean {close[0]}/?"
    else:
        hint = "; ".join(f"{_KINDS[kind]} go in {data[kind]}/" for kind in kinds)
    place = f"{folder}/" if folder else "the repository's root"
    return warning(shown, 0, STRAY_FILE,
                   f"qms reads no {suffix.upper()} files in {place}, so this file is skipped; "
                   + hint)
