"""What the last build saw: a stamp of every input, and the warnings of each page.

The stamp makes a no-change `qms build` quick (stat the inputs, compare one hash) without ever
serving a stale manual: it covers every input file's size and modification time, git HEAD (the
revision history), the edition (quality or staff), the day (what is overdue), the code the
manual is made from (qms's manual, measurement, format and base layers, its templates and
styles), and the versions of Sphinx, docutils and furo (an upgrade rebuilds the manual).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from qms import __version__
from qms.base.cachekey import cache_key
from qms.format.repofiles import walk_files

if TYPE_CHECKING:  # (pydantic: a build with nothing to do never imports it)
    from qms.format.config import Config

STATE_FILE = "state.json"
PACKAGE = Path(__file__).resolve().parent.parent
# The parts of qms the manual is made from (code, templates, styles): the manual's layer and
# the layers it imports, measurement included (tests/test_manual_stamp.py holds this to what a
# build imports). The CLI and the other commands' code are left out: editing them changes no
# page, and a stamp that covered them made every build after such an edit a full check.
MANUAL_CODE = ("__init__.py", "base", "format", "manual", "measurement")


def engine_libraries() -> str:
    """The versions of Sphinx, docutils and furo, from their metadata: importing them (0.1 s
    for Sphinx, 0.2 s for furo) would cost a no-change build more than the rest of it."""
    return " ".join(f"{name} {metadata.version(name)}" for name in ("sphinx", "docutils", "furo"))


# Each input file's status as input_stamp found it, for item_versions and the file cache in
# the same build: the files are stat'ed once, not thrice (6,700 at 5,000 standards). A file
# changed in between changes the next build's stamp, which builds again.
_SEEN: dict[str, os.stat_result] = {}


def _walk(folder: Path, skip: set[Path], out: list[str],
          seen: dict[str, os.stat_result] | None = None) -> None:
    skipped = {str(path) for path in skip}
    for entry in walk_files(folder, skipped, ("__pycache__",)):
        st = entry.stat()
        out.append(f"{entry.path}\0{st.st_size}\0{st.st_mtime_ns}")
        if seen is not None:
            seen[entry.path] = st


def _walk_manual_code(out: list[str]) -> None:
    for name in MANUAL_CODE:
        path = PACKAGE / name
        if path.is_dir():
            _walk(path, set(), out)
        else:
            st = path.stat()
            out.append(f"{path}\0{st.st_size}\0{st.st_mtime_ns}")


def _digest(entries: list[str]) -> str:
    return hashlib.sha256("\n".join(entries).encode("utf-8", "surrogateescape")).hexdigest()


# The folders a manual's stamp walks: the build folder (left out) and the input folders, as
# qms.yaml names them (kept by qms.manual.build's record of a build, with no qms.yaml read).
StampFolders = tuple[str, tuple[str, ...]]


def stamp_folders(config: Config) -> StampFolders:
    """The folders the stamp of a repository with this configuration walks."""
    paths = config.paths
    return paths.build, tuple(sorted({
        paths.standards, paths.planning, paths.checklists, paths.records, paths.measurements,
        paths.sqi, paths.surveys, paths.templates}))


def input_stamp(root: Path, config: Config, today: date, head: str | None,
                extra: str = "", edition: str = "quality") -> str:
    """One hash of everything the manual is made from (files are stat'ed, not read)."""
    return folders_stamp(root, stamp_folders(config), today, head, extra, edition)


def folders_stamp(root: Path, folders: StampFolders, today: date, head: str | None,
                  extra: str = "", edition: str = "quality") -> str:
    """input_stamp, from the folders the configuration names."""
    build_folder, inputs = folders
    build = (root / build_folder).resolve()
    entries = [f"qms {__version__}", f"edition {edition}", f"today {today.isoformat()}",
               f"head {head}", engine_libraries(), extra]
    qms_yaml = root / "qms.yaml"
    st = qms_yaml.stat()
    entries.append(f"{qms_yaml}\0{st.st_size}\0{st.st_mtime_ns}")
    found: list[str] = []
    _SEEN.clear()
    for name in inputs:
        _walk((root / name).resolve(), {build}, found, _SEEN)
    _walk_manual_code(found)
    entries += sorted(set(found))
    return _digest(entries)


def render_settings_key(root: Path, config: Config, today: date, extra: str,
                        edition: str = "quality") -> str:
    """What every page's text depends on besides its own inputs: qms's code and templates,
    the repository's templates, qms.yaml, the day and the edition."""
    found: list[str] = []
    _walk_manual_code(found)
    _walk((root / config.paths.templates).resolve(), set(), found)
    st = (root / "qms.yaml").stat()
    # The cache key keeps page keys unguessable: a repository that commits build/ with page
    # keys and pages of its own never has those pages taken for qms's.
    return _digest([cache_key().hex(), __version__, f"edition {edition}", today.isoformat(),
                    f"{st.st_size}:{st.st_mtime_ns}", extra, *sorted(found)])


def item_versions(root: Path, paths: dict[str, str],
                  histories: dict[str, list[Any]] | None) -> dict[str, str]:
    """A version of each item: its file's size and time, and the last commit that touched it."""
    versions = {}
    top = str(root)
    for item_id, path in paths.items():
        full = os.path.join(top, path)
        try:
            st = _SEEN.get(full) or _status(full)
            version = f"{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            version = "?"
        revisions = histories.get(item_id) if histories is not None else None
        versions[item_id] = version + (f":{revisions[0].hexsha}" if revisions else "")
    return versions


def seen_statuses() -> Mapping[str, os.stat_result]:
    """The status of each input file as this build's input_stamp found it, by path."""
    return _SEEN


def _status(path: str) -> os.stat_result:
    return os.stat(path)


def forget_seen() -> None:
    """Forget the files input_stamp saw (at the end of a build: a later caller of
    item_versions stats the files itself)."""
    _SEEN.clear()



def page_key(settings_key: str, inputs: tuple[str, ...], versions: dict[str, str]) -> str:
    """The key of a page: equal keys mean equal text."""
    # The names, then their versions ('?' for an unknown one), each joined in one call: a page
    # that lists every standard has thousands of inputs, and a loop over them in Python cost
    # more than rendering the pages an edit changes.
    found = "\n".join(map(versions.get, inputs, itertools.repeat("?")))
    return _digest([settings_key, "\n".join(inputs), "\0", found])


@dataclass
class BuildState:
    """Saved between builds in build/.qms/state.json."""

    stamp: str = ""
    engine: str = ""  # sphinx_build.engine_version() of the last Sphinx run
    frame: str = ""  # of the item pages in the last Sphinx run (sphinx_items._frame_key)
    pages: dict[str, str] = field(default_factory=dict)  # page_key of each page with inputs
    warnings: dict[str, list[str]] = field(default_factory=dict)  # by document ('' = global)

    @classmethod
    def load(cls, folder: Path) -> BuildState:
        """The saved state, or an empty one when there is none (or it cannot be read)."""
        try:
            data = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
            return cls(stamp=str(data["stamp"]), engine=str(data.get("engine", "")),
                       frame=str(data.get("frame", "")),
                       pages=dict(data.get("pages", {})), warnings=dict(data["warnings"]))
        except (OSError, ValueError, KeyError, TypeError):
            return cls()

    def save(self, folder: Path) -> None:
        """Write the state (atomically, so an interrupted build leaves the old one)."""
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{STATE_FILE}.tmp"
        # On one line: json's indenting encoder is written in Python, five times slower than
        # its C encoder, and the file is written twice by a build (9,000 pages at 5,000 standards)
        temporary.write_text(json.dumps({"stamp": self.stamp, "engine": self.engine,
                                         "frame": self.frame, "warnings": self.warnings,
                                         "pages": self.pages},
                                        ensure_ascii=False, separators=(",", ":")),
                             encoding="utf-8")
        os.replace(temporary, folder / STATE_FILE)

    def all_warnings(self) -> list[str]:
        """Every remembered warning, in a stable order."""
        return [w for doc in sorted(self.warnings) for w in self.warnings[doc]]

    def update_warnings(self, reread: set[str], removed: set[str],
                        fresh: dict[str, list[str]], full: bool) -> None:
        """Replace the warnings of pages Sphinx re-read; keep those of pages it did not."""
        if full:
            self.warnings = {}
        for docname in reread | removed | {""}:
            self.warnings.pop(docname, None)
        for docname, found in fresh.items():
            self.warnings[docname] = list(found)


# What a build writes to the source folder (pages, and the files of the frame) or removes from
# it is noted here before it is, and forgotten once the HTML shows it: a build stopped in
# between (Ctrl-C, a crash, a failing Sphinx run) leaves it for the next build, which finds those
# files as it would write them and would otherwise carry nothing to the HTML.
PENDING = "pending.log"  # in the state folder: a line per name, "+" written or "-" removed


class PendingNotes:
    """Notes names (relative to the source folder; pages by document name) about to be written,
    or removed, one at a time through one open log (a clean build writes 9,000 pages: a file
    opened for each would cost a tenth of a second)."""

    def __init__(self, state_folder: Path) -> None:
        self.folder = state_folder
        self._log: TextIO | None = None

    def __call__(self, name: str, removed: bool = False) -> None:
        if self._log is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._log = open(self.folder / PENDING, "a", encoding="utf-8")  # noqa: SIM115
        self._log.write(f"{'-' if removed else '+'}{name}\n")
        self._log.flush()  # in the file before the page is (and before a render worker forks)

    def close(self) -> None:
        """Close the log."""
        if self._log is not None:
            self._log.close()
            self._log = None


def pending(state_folder: Path) -> tuple[list[str], list[str]]:
    """The names noted and not yet shown in the HTML: written, removed (each once, in order).
    The log is in the build folder, which may come from anyone: a name that could lead out of
    the source folder is not taken."""
    try:
        lines = (state_folder / PENDING).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return [], []
    names = {mark: list(dict.fromkeys(line[1:] for line in lines
                                      if line[:1] == mark and _inside(line[1:])))
             for mark in "+-"}
    return names["+"], names["-"]


def clear_pending(state_folder: Path) -> None:
    """Forget what was noted: the HTML shows it."""
    (state_folder / PENDING).unlink(missing_ok=True)


def _inside(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and "\\" not in name and "\0" not in name and not name.startswith("/") \
        and ".." not in parts and "" not in parts
