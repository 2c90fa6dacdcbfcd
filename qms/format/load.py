"""Load a repository: find its files, read them with line marks, validate each against its kind.

Cross-references and rules between files are validate.py's job; this module only turns files
into typed objects (or issues) and gathers them into one Project.
"""

from __future__ import annotations

import functools
import gc
import os
import re
from collections.abc import Callable, Collection, Hashable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from qms.base.errors import QmsError
from qms.base.issues import Issue, Severity, error, sort_issues
from qms.base.links import LINK_OUTSIDE, is_inside, link_outside_message
from qms.base.workers import fork_workers
from qms.base.yamlread import load_file
from qms.format.config import Config
from qms.format.languages import in_languages, lookup_order
from qms.format.models import DIMENSIONS, ID_PATTERN, Audit
from qms.format.project import Project, Source
from qms.format.repofiles import CONFIG_FILE, find_root, walk_files
from qms.format.schema import validate_document
from qms.format.tables import read_kpis, read_sqi, read_survey

if TYPE_CHECKING:
    from qms.format.loadmemo import TableMemo

T = TypeVar("T")

YAML_SUFFIXES = (".yaml", ".yml")


def files_under(folder: Path, suffixes: tuple[str, ...], skip: Path | None = None,
                misnamed: list[Path] | None = None, *, root: Path,
                outside: list[Issue] | None = None) -> list[Path]:
    """Every file with one of the suffixes below folder (sorted; hidden folders skipped).

    A file whose path is not UTF-8 is left out (no message or page could name it); it goes to
    `misnamed`, when given, to be reported with `misnamed_issue`. A link that leads out of the
    repository at root is never read: its issue goes to `outside`, when given.
    """
    return [Path(path) for path in file_names_under(folder, suffixes, skip, misnamed, root=root,
                                                    outside=outside)]


def file_names_under(folder: Path, suffixes: tuple[str, ...], skip: Path | None = None,
                     misnamed: list[Path] | None = None, *, root: Path,
                     outside: list[Issue] | None = None) -> list[str]:
    """files_under, as path strings: a Path per file cost half the listing of 6,700 files."""
    skipped = (str(skip),) if skip is not None else ()
    links: list[Path] = []
    found = [entry.path for entry in walk_files(folder, skipped, (), root, links)
             if entry.name.endswith(suffixes)]
    if outside is not None:
        outside += [outside_issue(root, link) for link in sorted(links)
                    if link.name.endswith(suffixes) or link.is_dir()]
    named = [path for path in found if path.isascii() or not _NOT_UTF8.search(path)]
    if misnamed is not None and len(named) < len(found):
        misnamed += [Path(path) for path in sorted(set(found) - set(named), key=_path_order)]
    return sorted(named, key=_path_order)


# The bytes of a name that is not UTF-8 come from os.scandir as these lone surrogates.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def misnamed_issue(root: Path, path: Path) -> Issue:
    """The error for a file whose name is not UTF-8, naming it with those bytes escaped."""
    raw = os.fsencode(path)[len(os.fsencode(root)) + 1:].replace(os.fsencode(os.sep), b"/")
    return error(raw.decode("utf-8", "backslashreplace"), 0, "file-name",
                 "the file name is not UTF-8, so qms skips this file; rename it to a UTF-8 "
                 "name (e.g. with `git mv`)")


def outside_issue(root: Path, path: Path) -> Issue:
    """The error for a symbolic link (or a folder under one) that leads out of the repository."""
    shown = os.path.relpath(path, root).replace(os.sep, "/")
    return error(shown, 0, LINK_OUTSIDE, link_outside_message(path))


def _path_order(path: str) -> tuple[str, ...]:
    # The order of sorted Path objects (part by part), so output order does not change.
    return tuple(path.split(os.sep))


def load_config(root: Path) -> tuple[Config, Source | None, list[Issue]]:
    """Read qms.yaml; when it is broken, fall back to the defaults so other files still load."""
    if not is_inside(root / CONFIG_FILE, root):
        return (Config(organisation="(qms.yaml could not be read)"), None,
                [outside_issue(root, root / CONFIG_FILE)])
    data, issues = load_file(root / CONFIG_FILE, CONFIG_FILE)
    if issues:
        return Config(organisation="(qms.yaml could not be read)"), None, issues
    model, issues = validate_document("config", data, CONFIG_FILE)
    source = Source(CONFIG_FILE, data)
    if not isinstance(model, Config):
        return Config(organisation="(qms.yaml has errors)"), source, issues
    return in_languages(model, lookup_order(model)), source, issues


def stop_on_errors(issues: list[Issue], what: str = "the repository") -> None:
    """Stop a command whose files have errors, with the one summary every command gives."""
    errors = [i for i in sort_issues(issues) if i.severity is Severity.ERROR]
    in_config = [i for i in errors if i.path == CONFIG_FILE]
    if in_config:  # the others follow from it (unknown SQI categories, grades, ...): fix it first
        errors, what = in_config, CONFIG_FILE
    if errors:
        shown = "\n".join(i.render() for i in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise QmsError(f"{what} has errors; fix them first (`qms check` lists them):\n"
                       f"{shown}{more}")


def open_config(path: Path) -> tuple[Path, Config]:
    """The repository at or above path and its configuration; errors in qms.yaml stop here."""
    root = find_root(path)
    config, _, issues = load_config(root)
    stop_on_errors(issues, CONFIG_FILE)
    return root, config


def load_project(root: Path, today: date) -> tuple[Project, list[Issue]]:
    """Load every file of the repository at root into a Project, with every issue found."""
    # The loaded data holds no reference cycles; the cyclic collector would only rescan
    # hundreds of thousands of young objects again and again while they are built.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_project(root, today)
    finally:
        # What was loaded lives as long as the command: keep later collections off it.
        gc.freeze()
        if collecting:
            gc.enable()


def document_files(root: Path, project: Project, misnamed: list[Path] | None = None,
                   outside: list[Issue] | None = None) -> list[tuple[str, dict[str, Any], str]]:
    """Every YAML document of the repository: its kind, the project's index for it, its file's
    path (the files whose names are not UTF-8 go to `misnamed` instead, the issues of links
    that lead out of the repository to `outside`)."""
    paths = project.config.paths
    planning = root / paths.planning
    kinds: list[tuple[str, Path, Path | None, dict[str, Any]]] = [
        ("standard", root / paths.standards, planning, project.standards),
        ("plan", planning, None, project.plans),
        ("checklist", root / paths.checklists, None, project.checklists),
        ("audit", root / paths.records, None, project.audits),
    ]
    return [
        (kind, target, path)
        for kind, folder, skip, target in kinds
        for path in file_names_under(folder, YAML_SUFFIXES, skip, misnamed, root=root,
                                     outside=outside)
    ]


def _load_project(root: Path, today: date) -> tuple[Project, list[Issue]]:
    config, config_source, issues = load_config(root)
    project = Project(root=root, config=config, today=today, config_source=config_source)
    misnamed: list[Path] = []
    jobs = document_files(root, project, misnamed, issues)
    issues.extend(misnamed_issue(root, path) for path in misnamed)
    prefix = len(str(root)) + 1
    shown_paths = [path[prefix:].replace(os.sep, "/") for _, _, path in jobs]
    parsed = read_many([path for _, _, path in jobs], shown_paths)
    first_seen: dict[str, str] = {}
    for (kind, target, path), shown, (data, found) in zip(jobs, shown_paths, parsed, strict=True):
        model, invalid = (None, []) if found else validate_document(kind, data, shown)
        issues.extend(found or invalid)
        if model is not None:
            register(project, target, model, Source(shown, data), first_seen, issues)
        elif isinstance(data, dict) and isinstance(data.get("id"), str):
            project.invalid_ids.add(data["id"])
        elif found:
            project.invalid_ids.update(claimed_id(Path(path)))
    load_tables(project, issues)
    from qms.format.stray import stray_files  # stray imports walk_files from here

    issues.extend(stray_files(root, config.paths))
    return project, issues


_ID_LINE = re.compile(r"^id:[ \t]*([\"']?)(" + ID_PATTERN.strip("^$")
                      + r")\1[ \t]*(?:#.*)?\r?$", re.MULTILINE)


def claimed_id(path: Path) -> set[str]:
    """The id a file that cannot be parsed names (its top-level `id:` line, else its name).

    References to it are then not reported as missing: the file exists, and its own
    error says what is wrong with it.
    """
    try:
        with path.open("rb") as stream:
            head = stream.read(1 << 20).decode("utf-8", "replace")
    except OSError:
        head = ""
    found = _ID_LINE.search(head.lstrip("\ufeff"))
    if found:
        return {found.group(2)}
    return {path.stem} if re.fullmatch(ID_PATTERN, path.stem) else set()


# Below this many files one process is quicker than starting a second one.
PARALLEL_THRESHOLD = 400


def _read_chunk(paths: list[str | Path], shown: list[str]) -> list[tuple[Any, list[Issue]]]:
    return [load_file(path, name) for path, name in zip(paths, shown, strict=True)]


def read_many(paths: list[Any], shown: list[str],
              chunk: Callable[[list[Any], list[str]], list[Any]] = _read_chunk,
              meanwhile: Callable[[], None] | None = None) -> list[Any]:
    """Read and parse many YAML files, in parallel over the CPUs this process may use when it
    pays (and no other thread runs: see workers.can_fork): `chunk` turns a share of the paths
    into one result each ((data, problems) by default); `meanwhile` (called once) is other
    work of this process, done while the workers read."""
    workers = fork_workers(4)
    if len(paths) < PARALLEL_THRESHOLD or workers < 2:
        if meanwhile is not None:
            meanwhile()
        return chunk(paths, shown)
    # Interleave so that every worker gets a similar mix of small and large files. The other
    # processes also pickle what they read back to this one (about a quarter of the parse
    # time), so this process, which reads its share meanwhile, takes 5 files for each 4 (2 for
    # each 4 when it has other work too).
    pattern = [0] * (5 if meanwhile is None else 2) + [w for w in range(1, workers)
                                                       for _ in range(4)]
    owners = [[i for i in range(len(paths)) if pattern[i % len(pattern)] == w]
              for w in range(workers)]
    shares = [([paths[i] for i in mine], [shown[i] for i in mine]) for mine in owners]
    import multiprocessing as mp  # 12 ms to import: only where the reading is shared out
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers - 1, mp_context=mp.get_context("fork")) as pool:
        futures = [pool.submit(chunk, *share) for share in shares[1:]]
        if meanwhile is not None:
            meanwhile()
        results = [chunk(*shares[0]), *(f.result() for f in futures)]
    merged: list[Any] = [None] * len(paths)
    for mine, share_results in zip(owners, results, strict=True):
        for i, parsed in zip(mine, share_results, strict=True):
            merged[i] = parsed
    return merged


def shown_in_language(project: Project, model: Any) -> Any:
    """A loaded document with its texts in manual.language (an audit has none to show)."""
    if isinstance(model, Audit):
        return model
    return in_languages(model, lookup_order(project.config))


def register(
    project: Project,
    target: dict[str, Any],
    model: Any,
    source: Source,
    first_seen: dict[str, str],
    issues: list[Issue],
) -> None:
    model_id = model.id
    if model_id in first_seen:
        issues.append(
            error(
                source.path,
                source.line("id"),
                "duplicate-id",
                f"the id {model_id} is already used by {first_seen[model_id]}; ids are unique "
                "across the repository: give this file a new id",
            )
        )
        return
    first_seen[model_id] = source.path
    target[model_id] = shown_in_language(project, model)
    project.sources[model_id] = source


TABLES = ("measurements", "sqi", "surveys")


def load_tables(project: Project, issues: list[Issue], kinds: Collection[str] = TABLES,
                memo: TableMemo | None = None) -> None:
    """Read the CSV tables of these kinds into the project (every kind unless told; with a
    memo, a file whose bytes were read before is not parsed again)."""
    root, config = project.root, project.config

    def read(path: Path, reader: Hashable, parse: Callable[[Path, str, bytes | None], T]) -> T:
        shown = path.relative_to(root).as_posix()
        if memo is None:
            return parse(path, shown, None)
        return memo.read(path, shown, reader, lambda raw: parse(path, shown, raw))

    misnamed: list[Path] = []
    for path in files_under(project.path("measurements"), (".csv",), misnamed=misnamed, root=root,
                            outside=issues) if "measurements" in kinds else ():
        readings, found = read(path, "kpi", read_kpis)
        project.kpis.extend(readings)
        issues.extend(found)
    for path in files_under(project.path("sqi"), (".csv",), misnamed=misnamed, root=root,
                            outside=issues) if "sqi" in kinds else ():
        counts, found = read(path, "sqi", read_sqi)
        project.sqi.extend(counts)
        issues.extend(found)
    instrument = config.servqual.instrument
    items = max((max(v) for v in instrument.values() if v), default=0)
    scale = tuple(config.servqual.scale)
    for path in files_under(project.path("surveys"), (".csv",), misnamed=misnamed, root=root,
                            outside=issues) if "surveys" in kinds else ():
        wave, found = read(path, ("survey", items, scale), functools.partial(
            _read_wave, items=items, scale=config.servqual.scale))
        if wave is not None:
            project.surveys.append(wave)
        issues.extend(found)
    if memo is not None:
        memo.forget_unused()
    issues.extend(misnamed_issue(root, path) for path in misnamed)


def _read_wave(path: Path, shown: str, raw: bytes | None, *, items: int,
               scale: tuple[int, int]) -> tuple[Any, list[Issue]]:
    return read_survey(path, shown, items, scale, DIMENSIONS, raw)
