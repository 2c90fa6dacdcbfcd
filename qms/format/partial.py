"""Loading only what a command reads: qms.yaml, some kinds of file, some tables.

`qms findings`, `qms due` and the measurement reports read only the files they report on,
through the shared reader and the file cache, and check them as `qms check` does (each file
against its kind; the tables' references). A broken file among those read stops the command
with `qms check`'s messages; checking the rest of the repository is `qms check`'s job.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from qms.base.issues import Issue, error
from qms.format.load import (
    YAML_SUFFIXES,
    file_names_under,
    find_root,
    load_config,
    load_tables,
    misnamed_issue,
    shown_in_language,
    stop_on_errors,
)
from qms.format.loadcache import LoadCache, cache_folder, read_models
from qms.format.project import Project, Source
from qms.format.tablechecks import check_tables

# kind of file -> (the folder setting in qms.yaml, the folder below it that is another kind)
FOLDERS: dict[str, tuple[str, str | None]] = {
    "standard": ("standards", "planning"),
    "plan": ("planning", None),
    "audit": ("records", None),
}


def load_selected(repo: Path, today: date, kinds: tuple[str, ...] = (),
                  tables: tuple[str, ...] = ()) -> Project:
    """qms.yaml, the YAML files of these kinds (through the file cache) and these CSV tables
    ("measurements", "sqi", "surveys") as a Project; errors in them stop the command."""
    with without_collector():
        try:
            return _load(find_root(repo), today, kinds, tables)
        finally:
            gc.freeze()  # (kept out of every later collection: it stays as it is)


@contextlib.contextmanager
def without_collector() -> Iterator[None]:
    """No cyclic garbage collection inside (as load_project does): data built without cycles,
    a loaded project or a report's rows, would only be scanned again and again."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _load(root: Path, today: date, kinds: tuple[str, ...], tables: tuple[str, ...],
          use_cache: bool = True) -> Project:
    config, source, issues = load_config(root)
    project = Project(root=root, config=config, today=today, config_source=source)
    jobs: list[tuple[str, str]] = []
    misnamed: list[Path] = []
    for kind in kinds:
        folder, skip = FOLDERS[kind]
        skipped = project.path(skip) if skip else None
        jobs += [(kind, p)
                 for p in file_names_under(project.path(folder), YAML_SUFFIXES, skipped,
                                           misnamed, root=root, outside=issues)]
    issues.extend(misnamed_issue(root, path) for path in misnamed)
    prefix = len(str(root)) + 1  # (as load_project names them: Path.relative_to costs more)
    shown = [p[prefix:].replace(os.sep, "/") for _, p in jobs]
    cache = (LoadCache(cache_folder(root / config.paths.build), kinds)
             if use_cache and not issues else None)
    targets: dict[str, dict[str, Any]] = {
        "standard": project.standards, "plan": project.plans, "audit": project.audits}
    seen: dict[str, str] = {}
    table_issues: list[Issue] = []

    def read_tables() -> None:
        if tables:
            load_tables(project, table_issues, tables)

    # Without the cache, the data is kept: it names the line of a duplicate id. The tables
    # are read while worker processes parse YAML (100,000 readings beside 5,000 standards).
    read = read_models(jobs, shown, cache, keep_data=cache is None, meanwhile=read_tables)
    for (kind, _), name, (model, data, problems) in zip(jobs, shown, read, strict=True):
        issues.extend(problems)
        if model is None:
            continue
        model_id = getattr(model, "id")  # noqa: B009 - every kind listed here has an id
        if model_id in seen:
            # A cached model has no line marks: the full read below names the line.
            if data is None:
                return _load(root, today, kinds, tables, use_cache=False)
            issues.append(error(name, Source(name, data).line("id"), "duplicate-id",
                                f"the id {model_id} is already used by {seen[model_id]}"))
            continue
        seen[model_id] = name
        targets[kind][model_id] = shown_in_language(project, model)
        project.sources[model_id] = Source(name, data)
    if tables:
        issues.extend(table_issues)
        issues.extend(check_tables(project))
    stop_on_errors(issues)
    if cache is not None:
        _save_quietly(cache)
    return project


def _save_quietly(cache: LoadCache) -> None:
    # The cache only saves time: a read-only checkout or a full disk must not stop a listing.
    with contextlib.suppress(OSError):
        cache.save()
