"""`qms build` as a library call: where each manual goes, and whether it needs building.

    load -> validate -> derive (history, compliance, CAPA state) -> render reST -> Sphinx

A build whose inputs all match the last build's stamp (qms.manual.buildstate) stops here,
before loading anything or importing the pipeline; any other runs the steps above in order
(qms.manual.pipeline), one manual per edition and language.

Telling that nothing changed needs of qms.yaml only the folders it names and the manuals it
asks for, and reading it means importing pydantic and the configuration's models: most of a
build with nothing to do (0.3 of 0.55 s at 5,000 standards). So each build records them, per
repository and per edition and language asked for, in the user's own cache folder (beside the
cache key, out of any repository's reach) with a digest of qms.yaml's bytes; `up_to_date` reads
that record while qms.yaml holds the same bytes, and stamps each manual from it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from qms import __version__
from qms.base import gitrepo
from qms.base.cachekey import key_file
from qms.base.errors import QmsError
from qms.base.files import atomic_write, folder_lock
from qms.base.links import is_inside, link_outside_message
from qms.format.repofiles import CONFIG_FILE, find_root
from qms.manual.buildstate import (
    BuildState,
    StampFolders,
    folders_stamp,
    forget_seen,
    stamp_folders,
)
from qms.manual.edition import QUALITY, folder_name

if TYPE_CHECKING:  # (pydantic, Sphinx: a build with nothing to do imports neither)
    from qms.format.config import Config
    from qms.manual.buildmemory import BuildMemory
    from qms.manual.firstpages import FirstPages
    from qms.manual.sphinx_build import SphinxSession


RECORDS = "builds"  # in the user's cache folder: what up_to_date needs of each repository


@dataclass
class BuildOptions:
    """How to build: the day, from scratch or not, Sphinx processes, where progress goes, and
    the Sphinx application and the memory of earlier builds to keep using (none: a new one
    for this build)."""

    today: date
    clean: bool = False
    jobs: int = 1
    echo: Callable[[str], None] = print
    sphinx: SphinxSession | None = None  # kept between builds by `qms serve`
    memory: BuildMemory | None = None  # the same
    first: FirstPages | None = None  # `qms serve`'s pages asked for, written first
    audience: str | None = None  # the edition: quality | staff (None: manual.audience)
    language: str | None = None  # one of manual.languages (None: every one of them)


@dataclass
class BuildResult:
    """What a build did."""

    html: Path
    edition: str = QUALITY
    pages: int = 0
    written: list[str] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)  # pages rendered (written or not)
    removed: list[str] = field(default_factory=list)
    item_pages: set[str] = field(default_factory=set)  # pages qms writes as HTML itself
    # Item pages' files as they were before this build wrote them (an edit's few pages)
    previous: dict[str, str] = field(default_factory=dict)
    up_to_date: bool = False
    sphinx_ran: bool = False
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    language: str = ""
    # The builds of the edition's other languages, when the build made more than one.
    others: list[BuildResult] = field(default_factory=list)

    @property
    def index(self) -> Path:
        """The manual's home page."""
        return self.html / "index.html"


@dataclass(frozen=True)
class BuildPaths:
    """Where a build of one edition in one language writes: reST, HTML, Sphinx's cache and
    qms's own state.

    `root` is the build folder (build/): it holds the lock and the file cache both editions
    share. The quality edition writes straight under it (build/html, as always); the staff
    edition under build/staff/ (build/staff/html, its own source, doctrees and state). The
    manual in manual.language is there; another language's has its own folder beside it
    (build/zh_CN/: source, doctrees, state) and its HTML inside the edition's
    (build/html/zh_CN/), see qms.manual.translations.
    """

    root: Path
    edition: str = QUALITY
    language: str = ""  # '' for manual.language's manual

    @property
    def edition_folder(self) -> Path:
        """The edition's own folder: build/ or build/staff/."""
        return self.root / folder_name(self.edition)

    @property
    def folder(self) -> Path:
        """This manual's folder: the edition's, or the language's in it (build/zh_CN/)."""
        return self.edition_folder / self.language

    @property
    def source(self) -> Path:
        """Generated reST (and conf.py)."""
        return self.folder / "source"

    @property
    def html(self) -> Path:
        """The published manual."""
        return self.edition_folder / "html" / self.language

    @property
    def doctrees(self) -> Path:
        """Sphinx's pickled doctrees and environment."""
        return self.folder / "doctrees"

    @property
    def state(self) -> Path:
        """qms's build stamp and remembered warnings."""
        return self.folder / ".qms"


def build_paths(root: Path, config: Config, audience: str | None,
                language: str | None = None) -> BuildPaths:
    """Where the edition asked for (default: qms.yaml's manual.audience) is built, in the
    language asked for (default: manual.language)."""
    from qms.manual import translations  # (the models: not for a build with nothing to do)

    return BuildPaths(root / config.paths.build, audience or config.manual.audience,
                      translations.folder(language or config.manual.language,
                                          config.manual.language))


def build(path: Path, options: BuildOptions) -> BuildResult:
    """Build the manual of the repository at (or above) path, in each of manual.languages (or
    the one options.language names); the result is manual.language's (or that one's), the
    others' in its `others`. See the module docstring."""
    from qms.format.load import open_config
    from qms.manual import translations

    configured = _config_digest(find_root(path))  # (before it is read: an edit meanwhile
    root, config = open_config(path)                # leaves a record that does not match)
    every = [build_paths(root, config, options.audience, language)
             for language in translations.built_languages(config, options.language)]
    for paths in every:
        for folder in _written_folders(paths):
            # A committed link would have the build write (and --clean delete) elsewhere.
            if not is_inside(folder, root):
                shown = folder.relative_to(root).as_posix()
                raise QmsError(f"{shown}: {link_outside_message(folder, writing=True)}")
    every[0].folder.mkdir(parents=True, exist_ok=True)
    if options.memory is not None:
        options.memory.begin()
    # Two builds of one repository at once (two terminals, `qms serve` and `qms build`) take
    # turns: one build's clean or Sphinx run would otherwise pull files from under the other.
    # Both editions take the one lock: they share the file cache, which the quality edition's
    # --clean removes with build/.qms.
    folders = stamp_folders(config)
    with folder_lock(every[0].root):
        results = []
        for paths in every:
            paths.folder.mkdir(parents=True, exist_ok=True)
            results.append(_build_locked(root, config, paths, options, folders))
        if options.language is None:  # every language built: the ones dropped go
            for stale in translations.stale_language_folders(every[0].edition_folder, config):
                _remove(stale, every[0].folder)
    _record(root, configured, options, folders, every, config.manual.language)
    results[0].others = results[1:]
    return results[0]


def up_to_date(path: Path, today: date, audience: str | None = None,
               language: str | None = None) -> BuildResult | None:
    """build()'s result when it would find every manual up to date, told from the record of
    the last build (see the module docstring) without reading qms.yaml; None where it cannot
    tell (no record, qms.yaml edited, an input changed): build() then does."""
    root = find_root(path)
    try:
        record = json.loads(_record_file(root, audience, language).read_text(encoding="utf-8"))
        if record["qms"] != __version__ or record["config"] != _config_digest(root):
            return None
        folders: StampFolders = (record["folders"][0], tuple(record["folders"][1]))
        manuals = [BuildPaths(root / record["build"], edition, code)
                   for edition, code in record["manuals"]]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    head = gitrepo.head_commit(root)
    results = []
    try:
        for paths in manuals:
            if not all(is_inside(folder, root) for folder in _written_folders(paths)):
                return None  # (build() says why)
            result = BuildResult(html=paths.html, edition=paths.edition,
                                 language=paths.language or record["language"])
            stamp = folders_stamp(root, folders, today, head, _extra(paths), paths.edition)
            if not _found_up_to_date(result, state=BuildState.load(paths.state), stamp=stamp):
                return None
            results.append(result)
    finally:
        forget_seen()
    if not results:
        return None
    results[0].others = results[1:]
    return results[0]


def _record_file(root: Path, audience: str | None, language: str | None) -> Path:
    # One per repository and per edition and language asked for (None: qms.yaml's).
    asked = f"{root}\0{audience or ''}\0{language or ''}".encode("utf-8", "surrogateescape")
    return key_file().parent / RECORDS / f"{hashlib.sha256(asked).hexdigest()[:32]}.json"


def _config_digest(root: Path) -> str:
    # qms.yaml's bytes ('' where they cannot be read: no record is made or used then).
    config = root / CONFIG_FILE
    try:
        return hashlib.sha256(config.read_bytes()).hexdigest() if is_inside(config, root) else ""
    except OSError:
        return ""


def _record(root: Path, configured: str, options: BuildOptions, folders: StampFolders,
            every: list[BuildPaths], language: str) -> None:
    # What up_to_date needs, written where it changed (a cache: a failure to write is none).
    if not configured:
        return
    text = json.dumps({
        "qms": __version__, "config": configured, "folders": [folders[0], list(folders[1])],
        "build": every[0].root.relative_to(root).as_posix(), "language": language,
        "manuals": [[paths.edition, paths.language] for paths in every]})
    file = _record_file(root, options.audience, options.language)
    with suppress(OSError):
        if not file.is_file() or file.read_text(encoding="utf-8") != text:
            file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(file, text)


def _build_locked(root: Path, config: Config, paths: BuildPaths, options: BuildOptions,
                  folders: StampFolders) -> BuildResult:
    language = paths.language or config.manual.language
    result = BuildResult(html=paths.html, edition=paths.edition, language=language)
    head = gitrepo.head_commit(root)
    stamp = folders_stamp(root, folders, options.today, head, _extra(paths), paths.edition)
    state = BuildState() if options.clean else BuildState.load(paths.state)
    if options.clean:
        _clean(paths, keep=set(config.manual.languages) - {config.manual.language})
    elif _found_up_to_date(result, state, stamp):
        forget_seen()
        return result
    state.stamp = ""  # until this build completes, the old stamp no longer holds
    state.save(paths.state)
    # Only now the heavy modules (Jinja2, Sphinx, the measurement libraries): a build with
    # nothing to do stops above without importing them.
    from qms.manual.pipeline import rebuild

    try:
        rebuild(root, config, paths, options, state, result)
    finally:
        forget_seen()
    result.warnings = state.all_warnings()
    state.stamp = stamp
    state.save(paths.state)
    return result


def _found_up_to_date(result: BuildResult, state: BuildState, stamp: str) -> bool:
    # Whether the manual is as its last build left it (its stamp the same, its home page
    # there); if so, the result says so, with the warnings that build recorded.
    if state.stamp != stamp or not result.index.is_file():
        return False
    result.up_to_date, result.warnings = True, state.all_warnings()
    return True


def _written_folders(paths: BuildPaths) -> tuple[Path, ...]:
    # Every folder a build of this manual writes in (each must stay inside the repository).
    return (paths.root, paths.folder, paths.html, paths.source, paths.doctrees, paths.state)


def _extra(paths: BuildPaths) -> str:
    # What a manual's stamp has besides its inputs: its language (not manual.language's).
    return f"language {paths.language}" if paths.language else ""


CLEAN_PREFIX = ".qms-clean-"  # folders being removed by --clean (an interrupted one leaves them)


def _remove(folder: Path, beside: Path) -> None:
    # Renamed out of the way first: a reader never sees a half-removed manual.
    trash = tempfile.mkdtemp(prefix=CLEAN_PREFIX, dir=beside)
    folder.rename(Path(trash) / folder.name)
    shutil.rmtree(trash, ignore_errors=True)


def _clean(paths: BuildPaths, keep: set[str]) -> None:
    # Each folder is first renamed out of the way (a unique name, so no other build's folder
    # is ever taken for it), then removed; what an interrupted clean left is removed too.
    # Only the manual's own folders: the quality edition's clean leaves build/staff/ alone, and
    # manual.language's leaves the other languages' (their HTML inside its own: what is kept).
    for folder in (paths.source, paths.html, paths.doctrees, paths.state):
        trash = tempfile.mkdtemp(prefix=CLEAN_PREFIX, dir=paths.folder)
        inside = folder == paths.html and not paths.language and keep and folder.is_dir()
        for entry in [e for e in folder.iterdir() if e.name not in keep] if inside else [folder]:
            with suppress(FileNotFoundError):
                entry.rename(Path(trash) / entry.name)
    for leftover in paths.folder.glob(f"{CLEAN_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)
