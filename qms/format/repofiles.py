"""Where a repository's files are: its root, the folder that holds qms.yaml, and a walk of its
folders. Nothing here imports pydantic or YAML: a build with nothing to do (qms.manual.build's
`up_to_date`) needs only this of the format.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator
from pathlib import Path

from qms.base.errors import QmsError
from qms.base.links import is_inside

CONFIG_FILE = "qms.yaml"


def find_root(start: Path) -> Path:
    """The repository root: `start` or the nearest parent holding qms.yaml."""
    start = start.resolve()
    if not start.exists():  # a mistyped path must not fall back to the repository around it
        raise QmsError(f"{start}: no such folder")
    if start.is_file():
        start = start.parent
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise QmsError(
        f"{start}: not a QMS repository (no {CONFIG_FILE} here or in any parent folder); "
        "run `qms init PATH` to create one"
    )


def walk_files(folder: Path, skip: Collection[str] = (), skip_names: Collection[str] = (),
               root: Path | None = None,
               outside: list[Path] | None = None) -> Iterator[os.DirEntry[str]]:
    """The files below folder, unsorted, as scandir entries; hidden entries and those whose
    path is in skip or whose name is in skip_names are left out, with everything below them.

    A symbolic link that leads out of root (default: folder), or a folder that does, is not
    followed: it goes to `outside`, when given, to be reported with `outside_issue`.
    """
    # Strings, not Paths: this walks thousands of files on every command, and a Path per
    # entry (made, compared, sorted) costs more than the walk itself.
    if not folder.is_dir():
        return
    inside = root if root is not None else folder
    if not is_inside(folder, inside):  # the folder is (or lies under) a link out
        if outside is not None:
            outside.append(folder)
        return
    stack = [str(folder)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.name.startswith(".") or entry.name in skip_names or entry.path in skip:
                    continue
                if entry.is_symlink() and not is_inside(entry.path, inside):
                    if outside is not None:
                        outside.append(Path(entry.path))
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file():
                    yield entry
