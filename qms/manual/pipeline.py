"""What `qms build` does once the stamp says something changed: load -> validate -> derive
(history, compliance, CAPA state) -> render reST -> Sphinx, each step one call below, in
that order (after mkdocs' commands/build.py).

Incremental by construction: a page whose inputs are unchanged keeps its file without being
rendered, reST is written only where its text changed, and Sphinx re-reads only those pages.
Kept apart from qms.manual.build, which checks the stamp: a build with nothing to do never
imports this module's Jinja2, Sphinx or measurement libraries.
"""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qms.base import gitrepo
from qms.base.errors import QmsError
from qms.base.workers import can_fork, in_forked_child
from qms.format.config import Config
from qms.format.loadcache import cache_folder, load_valid_cached
from qms.format.project import Project
from qms.manual import doctreetrust, itemdirect, translations
from qms.manual.build import BuildOptions, BuildPaths, BuildResult, build_paths
from qms.manual.buildstate import (
    BuildState,
    PendingNotes,
    clear_pending,
    item_versions,
    page_key,
    pending,
    render_settings_key,
    seen_statuses,
)
from qms.manual.derive import Derived, derive
from qms.manual.edition import STAFF, staff_project, without_authors
from qms.manual.firstpages import ShownFirst
from qms.manual.htmlpages import html_environment
from qms.manual.inputs import field_versions
from qms.manual.itemdata import ITEMS
from qms.manual.measurepages import Measurement
from qms.manual.pageplan import PagePlan, keep_plan, load_versions, save_versions, structure_key
from qms.manual.pages import Docs, place_versions, plan_pages, service_figures
from qms.manual.render import Page, environment, page_file, render_and_write
from qms.manual.servicepages import ServiceFigures
from qms.manual.sourcefolder import (
    present_pages,
    refuse_old_item_templates,
    remove_gone,
    write_frame_files,
)
from qms.manual.views import common_context

if TYPE_CHECKING:  # Sphinx is imported only when it runs (not for item pages alone)
    from qms.manual.buildmemory import BuildMemory
    from qms.manual.sphinx_build import SphinxSession

# Rendering this many pages leaves enough garbage to collect before Sphinx runs; after a few
# pages, the collection would cost more than it frees.
COLLECT_AFTER_PAGES = 100
# What render_source writes besides pages (docnames) that the theme's frame is made from.
FRAME_FILES = ("conf.py", "docutils.conf", "_static/", "_templates/", "locale/")


def rebuild(root: Path, config: Config, paths: BuildPaths, options: BuildOptions,
            state: BuildState, result: BuildResult) -> None:
    """Load, derive, render and run Sphinx for one manual, updating state (but not its stamp)."""
    # Loading and rendering run in a forked child where they can: the loaded repository's
    # memory goes with it instead of staying under Sphinx's (5,000 standards: 390 -> 290 MB
    # peak). The child sends back the new page keys and what it wrote.
    earlier = pending(paths.state)  # what a stopped build left
    # (not where the memory of this build is kept for the next, `qms serve`, once it holds
    # the models: its first build, often of every page, forks still, then it is warmed)
    kept = options.memory is not None and bool(options.memory.load_caches)
    engine = itemdirect.engine_version()
    first = (ShownFirst(options.first, paths, state, result)
             if kept and options.first and not options.clean and state.engine == engine
             and result.index.is_file() else None)  # (the pages asked for, written first)
    work = functools.partial(_load_and_render, root, config, paths, options, state.pages, result,
                             first)
    pages, rendered = work() if kept else in_forked_child(work)
    state.pages = pages
    result.__dict__.update(rendered.__dict__)
    _carry_pending(earlier, result, paths)
    if options.clean or len(result.written) > COLLECT_AFTER_PAGES:
        gc.collect()  # a third of a second where Sphinx's environment is kept in memory
    if (options.clean or result.written or result.removed or not result.index.is_file()
            or state.engine != engine):
        if not (options.clean or result.removed or state.engine != engine
                or not result.index.is_file()):
            rest = [name for name in result.written if not first or name not in first.carried]
            with _timed(result.seconds, "items"):
                if not rest or itemdirect.write_without_sphinx(
                        paths.source, paths.html, paths.state, state, rest, result.item_pages,
                        result.previous):
                    clear_pending(paths.state)
                    return
        if state.engine != engine or any(name.startswith(FRAME_FILES) for name in result.written):
            # conf.py, a template or a static file changed: the frame around item pages (its
            # switcher, labels, styles) is drawn again, and every item page written again
            state.frame = ""
        if options.first is not None:  # Sphinx writes pages in place: none is read meanwhile
            options.first.withdraw()
        with _timed(result.seconds, "sphinx"):
            _sphinx(paths, options, state, result, engine)
        state.engine = engine
    clear_pending(paths.state)


def _carry_pending(earlier: tuple[list[str], list[str]], result: BuildResult,
                   paths: BuildPaths) -> None:
    # What a stopped build wrote or removed and never carried to the HTML goes with this
    # build's changes: its files are as this build would write them, so it did not write
    # them again.
    written, removed = earlier
    gone = set(result.removed)
    result.written.extend(name for name in written if name not in gone
                          and name not in result.written and _still_there(paths, name))
    now = set(result.written)
    result.removed.extend(name for name in removed if name not in now and name not in gone)
    for name in written:  # their previous files are not the ones the HTML shows
        result.previous.pop(name, None)


def _still_there(paths: BuildPaths, name: str) -> bool:
    # A page (or frame file) noted by a stopped build that this build still has.
    return any(path.is_file() for path in (paths.source / name, paths.source / f"{name}.rst",
                                           paths.source / ITEMS / f"{name}.json"))


def _load_and_render(root: Path, config: Config, paths: BuildPaths, options: BuildOptions,
                     pages: dict[str, str], result: BuildResult, first: ShownFirst | None = None
                     ) -> tuple[dict[str, str], BuildResult]:
    """Load the repository, derive and render its pages (`first`: some written as HTML
    first): the new page keys, and the result with what was written and the steps' times."""
    language = result.language
    timed = functools.partial(_timed, result.seconds)
    options.echo(f"reading {root} ...")
    # Loading makes millions of objects and no garbage: the collector does not scan them then,
    # nor (frozen) while pages are rendered; objects a caller froze are left as they are, and
    # once the memory kept between builds has frozen them, it does (buildmemory.settle: its
    # models are mostly frozen already, and counting frozen objects walks them all, 50 ms at
    # 5,000 standards).
    freezing = not (options.memory and options.memory.settled) and not gc.get_freeze_count()
    gc.disable()
    try:
        memory = options.memory
        with timed("load"):
            loaded = _loaded(root, paths, options)
        edited = (memory.edited_items(loaded, cache_folder(paths.root)) if memory is not None
                  else None)
        if first is not None:
            first.items = edited
        with timed("derive"):
            project, derived = _derived(loaded, root, paths.edition, language, memory)
        if freezing:
            gc.freeze()
    finally:
        gc.enable()
    try:
        options.echo(f"rendering the pages of {len(project.standards)} standards and "
                     f"{len(project.audits)} audits ...")
        with timed("render"):
            pages = render_source(project, derived, paths, result, pages,
                                  translations.manual_switcher(config, language),
                                  memory.of(f"versions {language}") if memory else None,
                                  first)
        del project, derived  # Sphinx needs the memory more (when this is not a child)
        _save_cache(paths, options)
    finally:
        if freezing:  # also after an error: a process that goes on (qms serve) scans them again
            gc.unfreeze()
    return pages, result


def _loaded(root: Path, paths: BuildPaths, options: BuildOptions) -> Project:
    # The repository, through the file cache (the one kept in memory, where it is kept: saved
    # by _save_cache once the pages are rendered, the page asked for shown first).
    folder = cache_folder(paths.root)
    memory = options.memory
    return load_valid_cached(root, options.today, folder,
                             memory.load_cache(folder) if memory else None, seen_statuses(),
                             save=memory is None)


def _save_cache(paths: BuildPaths, options: BuildOptions) -> None:
    if options.memory is not None:  # (see _loaded)
        options.memory.save_load_cache(cache_folder(paths.root))


def _histories(root: Path, memory: BuildMemory | None) -> tuple[dict | None, str]:
    # git_histories, or what it gave while HEAD is the same commit (where memory is kept).
    if memory is None:
        return git_histories(root)
    return memory.histories_of(root, gitrepo.head_commit(root), git_histories)  # type: ignore[no-any-return]


def warm(root: Path, paths: BuildPaths, options: BuildOptions) -> None:
    """Fill the memory kept between builds as a build would: the repository's models, git
    histories, the audits' answers, the inputs' versions and the page plan, in each language
    (`qms serve`, after its first build, which kept none: that build had nothing to do, or ran
    in a forked child to spare the server its peak; the first edit is then as quick as the
    next). A repository that does not load is left to the next build."""
    memory = options.memory
    if memory is None or memory.load_caches:
        return
    try:
        loaded = _loaded(root, paths, options)
    except QmsError:
        return
    _save_cache(paths, options)
    config = loaded.config
    for language in translations.built_languages(config, options.language):
        shown = build_paths(root, config, options.audience, language)
        language = shown.language or config.manual.language
        project, derived = _derived(loaded, root, shown.edition, language, memory)
        kept = memory.of(f"versions {language}")
        field_versions(project, derived, _part(kept, "fields"))
        Measurement(project, _part(kept, "readings")).versions()
        keep_plan(shown.state)


def _derived(loaded: Project, root: Path, edition: str, language: str,
             memory: BuildMemory | None) -> tuple[Project, Derived]:
    # The project in the manual's language and edition, and what the manual derives from it.
    project = translations.in_language(loaded, language)
    histories, prefix = _histories(root, memory)
    if edition == STAFF:  # left out before any page is made, not hidden after
        project, histories = staff_project(project), without_authors(histories)
    return project, derive(project, histories, prefix,
                           memory.of(f"answers {language}") if memory else None)


def _part(kept: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    # What one computation keeps of the versions' memory (none where nothing is kept).
    return kept.setdefault(name, {}) if kept is not None else None


@contextmanager
def _timed(seconds: dict[str, float], name: str) -> Iterator[None]:
    # Each step's time goes into the result, for the summary line and the benchmark.
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[name] = time.perf_counter() - start


def git_histories(root: Path) -> tuple[dict | None, str]:
    """Every file's revisions from one pass over git log, and the QMS folder's path in git."""
    # git names files from its own top folder; the QMS may sit in a sub-folder of it.
    histories = gitrepo.file_histories(root)
    top = gitrepo.repository_root(root) if histories is not None else None
    prefix = ""
    if top is not None and root.resolve() != top.resolve():
        prefix = root.resolve().relative_to(top.resolve()).as_posix() + "/"
    return histories, prefix


def render_source(project: Project, derived: Derived, paths: BuildPaths, result: BuildResult,
                  known: dict[str, str] | None = None,
                  switcher: list[dict[str, Any]] | None = None,
                  kept: dict[str, Any] | None = None,
                  first: ShownFirst | None = None) -> dict[str, str]:
    """Render the pages; write only changed files; remove pages that no longer exist.

    `known` holds the page keys of the last build: a page with inputs whose key is unchanged
    (and whose file exists) keeps its file without being rendered. `switcher` leads to the
    manual in the other languages (translations.switcher); `kept` is what the versions of
    fields and of readings kept from the last build and `first` the pages it writes first (`qms
    serve`). Returns the new keys.
    """
    config = project.config
    docs = Docs(project)
    common = common_context(project, derived, docs, paths.edition)
    measurement = Measurement(project, _part(kept, "readings"))
    common["measure_page"] = measurement.page
    service = service_figures(project)
    templates = project.path("templates")
    refuse_old_item_templates(templates, project.root)
    env = environment(templates, paths.state / "jinja", project.root)
    html_env = html_environment(templates, paths.state / "jinja-html", project.root)
    env.filters["t"] = html_env.filters["t"] = common["_"]
    env.filters["shown_name"] = html_env.filters["shown_name"] = config.manual.shown_name
    slug_maps = repr((docs.encounter_slug, docs.owner_slug, docs.site_slug))
    settings = render_settings_key(project.root, config, project.today, slug_maps,
                                   edition=paths.edition)
    noting = PendingNotes(paths.state)

    def render(share: list[Page], shown: bool) -> None:
        # Render and write a share of the pages; those to show first (`qms serve`), shown.
        measurement.prepare(share)
        service.prepare(share)
        result.rendered.extend(page.docname for page in share)
        written = render_and_write(env, share, common, paths.source, html_env, result.previous,
                                   noting)
        result.written.extend(written)
        if shown and first:
            first.show(written)

    try:
        # The frame first: pages shown before the others are never in a frame about to change
        write_frame_files(config, paths, result, switcher, noting)
        framed = not result.written
        edited = (first.edited_pages(project, derived, (docs, measurement, service))
                  if first and framed else [])
        result.item_pages.update(page.docname for page in edited)
        render(edited, shown=True)
        versions = item_versions(project.root, {i: s.path for i, s in project.sources.items()},
                                 derived.history)
        versions.update(field_versions(project, derived, _part(kept, "fields")))
        versions.update(place_versions(project))
        versions.update(measurement.versions())
        versions.update(service.versions())
        present = present_pages(paths.source)
        keys, wanted, todo = _planned(project, derived, (docs, measurement, service), paths,
                                      present, settings, versions, known or {})
        if switcher:
            translations.refuse_clashes(wanted.values(), config.manual.languages)
        result.item_pages.update(docname for name, docname in wanted.items()
                                 if name.startswith(ITEMS))
        shown = {page.docname for page in edited}  # (rendered already)
        todo = [page for page in todo if page.docname not in shown]
        early, todo = first.split(todo) if first and framed else ([], todo)
        render(early, shown=True)
        render(todo, shown=False)
        # after the pages: versions never newer than the pages written from them (pageplan)
        save_versions(paths.state, versions)
        result.pages = len(wanted)
        remove_gone(paths, result, wanted, present, noting)
    finally:
        noting.close()
    return keys


def _planned(project: Project, derived: Derived,
             figures: tuple[Docs, Measurement, ServiceFigures], paths: BuildPaths,
             present: set[str], settings: str, versions: dict[str, str], known: dict[str, str]
             ) -> tuple[dict[str, str], dict[str, str], list[Page]]:
    # The new page keys, every page (file -> docname) and the pages to render: those whose key
    # changed or whose file is missing. Only the pages of the inputs that changed are planned
    # where the kept plan still holds (pageplan); else every page, and the plan is kept.
    docs, measurement, service = figures
    structure = structure_key(settings, versions, project.standards)
    plan = PagePlan.load(paths.state, structure) if known else None
    old = load_versions(paths.state) if plan is not None else None
    if plan is not None and old is not None and old.keys() == versions.keys():
        only = plan.pages_of([name for name, version in versions.items()
                              if old[name] != version])
        if only is not None:
            wanted = {file: docname for docname, file in plan.pages}
            only.update(docname for file, docname in wanted.items()
                        if file not in present or docname not in known)
            keys = {docname: known[docname] for docname in wanted.values() if docname in known}
            pages = list(plan_pages(project, derived, measurement, service, paths.edition,
                                    only, docs))
            todo = _to_render(pages, settings, versions, known, present, keys)
            if all(page_file(page) in wanted for page in pages):  # as the plan has them
                return keys, wanted, todo
    planned = list(plan_pages(project, derived, measurement, service, paths.edition,
                              docs=docs))
    keys = {}
    todo = _to_render(planned, settings, versions, known, present, keys)
    wanted = {page_file(page): page.docname for page in planned}
    PagePlan.save(paths.state, structure,
                  [(page.docname, page_file(page), page.inputs) for page in planned])
    return keys, wanted, todo


def _to_render(pages: Iterable[Page], settings: str, versions: dict[str, str],
               known: dict[str, str], present: set[str], keys: dict[str, str]) -> list[Page]:
    # The pages whose key changed (noted in keys) or whose file is missing.
    todo = []
    for page in pages:
        if page.inputs is not None:
            key = keys[page.docname] = page_key(settings, page.inputs, versions)
            if known.get(page.docname) == key and page_file(page) in present:
                continue
        todo.append(page)
    return todo


def _sphinx(paths: BuildPaths, options: BuildOptions, state: BuildState,
            result: BuildResult, engine: str) -> None:
    # Sphinx's parallel jobs are forked processes too: one at a time where other threads run.
    jobs = options.jobs if can_fork() else 1
    known = doctreetrust.verified(paths.doctrees, paths.state)
    if known is None:
        doctreetrust.forget(paths.doctrees)
        known = {}
        options.echo(f"{paths.doctrees}: Sphinx's cache was not written by this qms (or was "
                     "changed since); removed it, so every page is read again")
    from qms.manual.sphinx_build import ItemPages, run_sphinx

    changed = None if options.clean else result.item_pages.intersection(result.written)
    items = ItemPages(changed=changed, frame=state.frame,
                      recorded=itemdirect.recorded_frames(paths.state, state.frame))
    sphinx = run_sphinx(paths.source, paths.html, paths.doctrees, jobs=jobs,
                        fresh=options.clean, echo=options.echo, items=items,
                        session=_session(options.sphinx, paths))
    state.frame = sphinx.frame
    itemdirect.remember(paths.state, paths.html, sphinx.frame, items.frames, items.known,
                        items.search, items.encoding, items.suffix, items.pages, engine)
    doctreetrust.sign(paths.doctrees, paths.state, known)
    result.sphinx_ran = True
    state.update_warnings(sphinx.reread, set(result.removed), sphinx.by_document(paths.source),
                          full=options.clean)


def _session(kept: SphinxSession | None, paths: BuildPaths) -> SphinxSession | None:
    # `qms serve` keeps one Sphinx application per language: each other language's beside
    # manual.language's (one kept application would start anew for every language).
    return kept.sibling(paths.language) if kept is not None and paths.language else kept
