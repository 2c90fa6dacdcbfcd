"""`qms build` as a library call: the pipeline from the repository's files to build/html.

    load -> validate -> derive (history, compliance, CAPA state) -> render reST -> Sphinx

Each step is one call below, in that order (after mkdocs' commands/build.py). Incremental by
construction: reST is written only where its text changed, so Sphinx re-reads only those pages;
a build whose inputs all match the last build's stamp stops before loading anything.
"""

from __future__ import annotations

import functools
import gc
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from qms.base import gitrepo
from qms.base.errors import QmsError
from qms.base.files import folder_lock
from qms.base.links import is_inside, link_outside_message
from qms.base.workers import can_fork
from qms.format.load import open_config
from qms.format.loadcache import cache_folder, load_valid_cached
from qms.format.models import Config
from qms.format.project import Project
from qms.manual import doctreetrust, translations
from qms.manual.buildstate import (
    BuildState,
    input_stamp,
    item_versions,
    page_key,
    render_settings_key,
)
from qms.manual.derive import Derived, derive
from qms.manual.edition import QUALITY, STAFF, folder_name, staff_project, without_authors
from qms.manual.htmlpages import ITEM_TEMPLATES, html_environment
from qms.manual.itemdata import ITEMS
from qms.manual.measurepages import Measurement
from qms.manual.pages import Docs, listed_versions, plan_pages, service_figures
from qms.manual.render import environment, page_file, render_and_write, write_if_changed
from qms.manual.sphinx_build import ItemPages, SphinxSession, engine_version, run_sphinx
from qms.manual.sphinxconf import DOCUTILS_CONF, conf_py, conf_values
from qms.manual.views import common_context

STATIC = Path(__file__).resolve().parent / "static"
# Rendering this many pages leaves enough garbage to collect before Sphinx runs; after a few
# pages, the collection would cost more than it frees.
COLLECT_AFTER_PAGES = 100
# What render_source writes besides pages (docnames) that the theme's frame is made from.
FRAME_FILES = ("conf.py", "docutils.conf", "_static/", "_templates/", "locale/")


@dataclass
class BuildOptions:
    """How to build: the day, from scratch or not, Sphinx processes, where progress goes, and
    the Sphinx application to keep using (none: a new one for this build)."""

    today: date
    clean: bool = False
    jobs: int = 1
    echo: Callable[[str], None] = print
    sphinx: SphinxSession | None = None  # kept between builds by `qms serve`
    audience: str | None = None  # the edition: quality | staff (None: manual.audience)
    language: str | None = None  # one of manual.languages (None: every one of them)


@dataclass
class BuildResult:
    """What a build did."""

    html: Path
    edition: str = QUALITY
    pages: int = 0
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    item_pages: set[str] = field(default_factory=set)  # pages qms writes as HTML itself
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
    return BuildPaths(root / config.paths.build, audience or config.manual.audience,
                      translations.folder(language or config.manual.language,
                                          config.manual.language))


def build(path: Path, options: BuildOptions) -> BuildResult:
    """Build the manual of the repository at (or above) path, in each of manual.languages (or
    the one options.language names); the result is manual.language's (or that one's), the
    others' in its `others`. See the module docstring."""
    root, config = open_config(path)
    every = [build_paths(root, config, options.audience, language)
             for language in translations.built_languages(config, options.language)]
    for paths in every:
        for folder in (paths.root, paths.folder, paths.html, paths.source, paths.doctrees,
                       paths.state):
            # A committed link would have the build write (and --clean delete) elsewhere.
            if not is_inside(folder, root):
                shown = folder.relative_to(root).as_posix()
                raise QmsError(f"{shown}: {link_outside_message(folder, writing=True)}")
    every[0].folder.mkdir(parents=True, exist_ok=True)
    # Two builds of one repository at once (two terminals, `qms serve` and `qms build`) take
    # turns: one build's clean or Sphinx run would otherwise pull files from under the other.
    # Both editions take the one lock: they share the file cache, which the quality edition's
    # --clean removes with build/.qms.
    with folder_lock(every[0].root):
        results = []
        for paths in every:
            paths.folder.mkdir(parents=True, exist_ok=True)
            results.append(_build_locked(root, config, paths, options))
        if options.language is None:  # every language built: the ones dropped go
            for stale in translations.stale_language_folders(every[0].edition_folder, config):
                _remove(stale, every[0].folder)
    results[0].others = results[1:]
    return results[0]


def _build_locked(root: Path, config: Config, paths: BuildPaths,
                  options: BuildOptions) -> BuildResult:
    language = paths.language or config.manual.language
    result = BuildResult(html=paths.html, edition=paths.edition, language=language)
    timed = functools.partial(_timed, result.seconds)
    head = gitrepo.head_commit(root)
    stamp = input_stamp(root, config, options.today, head, edition=paths.edition,
                        extra=f"language {paths.language}" if paths.language else "")
    state = BuildState() if options.clean else BuildState.load(paths.state)
    if options.clean:
        _clean(paths, keep=set(config.manual.languages) - {config.manual.language})
    elif state.stamp == stamp and result.index.is_file():
        result.up_to_date = True
        result.warnings = state.all_warnings()
        return result
    state.stamp = ""  # until this build completes, the old stamp no longer holds
    state.save(paths.state)
    options.echo(f"reading {root} ...")
    gc.disable()  # loading makes millions of objects and no garbage: skip the collector's scans
    try:
        with timed("load"):
            project = translations.in_language(
                load_valid_cached(root, options.today, cache_folder(paths.root)), language)
        with timed("derive"):
            histories, prefix = git_histories(root)
            if paths.edition == STAFF:  # left out before any page is made, not hidden after
                project, histories = staff_project(project), without_authors(histories)
            derived = derive(project, histories, prefix)
        gc.freeze()
    finally:
        gc.enable()
    options.echo(f"rendering the pages of {len(project.standards)} standards and "
                 f"{len(project.audits)} audits ...")
    with timed("render"):
        state.pages = render_source(project, derived, paths, result, state.pages,
                                    translations.manual_switcher(config, language))
    del project, derived  # Sphinx needs the memory more
    gc.unfreeze()
    if options.clean or len(result.written) > COLLECT_AFTER_PAGES:
        gc.collect()  # a third of a second where Sphinx's environment is kept in memory
    engine = engine_version()
    if (options.clean or result.written or result.removed or not result.index.is_file()
            or state.engine != engine):
        if state.engine != engine or any(name.startswith(FRAME_FILES) for name in result.written):
            # conf.py, a template or a static file changed: the frame around item pages (its
            # switcher, labels, styles) is drawn again, and every item page written again
            state.frame = ""
        with timed("sphinx"):
            _sphinx(paths, options, state, result)
        state.engine = engine
    result.warnings = state.all_warnings()
    state.stamp = stamp
    state.save(paths.state)
    return result


@contextmanager
def _timed(seconds: dict[str, float], name: str) -> Iterator[None]:
    # Each step's time goes into the result, for the summary line and the benchmark.
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[name] = time.perf_counter() - start


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
                  switcher: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """Render the pages; write only changed files; remove pages that no longer exist.

    `known` holds the page keys of the last build: a page with inputs whose key is unchanged
    (and whose file exists) keeps its file without being rendered. `switcher` leads to the
    manual in the other languages (translations.switcher). Returns the new keys.
    """
    config = project.config
    docs = Docs(project)
    common = common_context(project, derived, docs, paths.edition)
    measurement = Measurement(project)
    common["measure_page"] = measurement.page
    service = service_figures(project)
    templates = project.path("templates")
    _refuse_old_item_templates(templates, project.root)
    env = environment(templates, paths.state / "jinja", project.root)
    html_env = html_environment(templates, paths.state / "jinja-html", project.root)
    env.filters["t"] = html_env.filters["t"] = common["_"]
    env.filters["shown_name"] = html_env.filters["shown_name"] = config.manual.shown_name
    slug_maps = repr((docs.encounter_slug, docs.owner_slug, docs.site_slug))
    settings = render_settings_key(project.root, config, project.today, slug_maps,
                                   edition=paths.edition)
    versions = item_versions(project.root, {i: s.path for i, s in project.sources.items()},
                             derived.history)
    versions.update(listed_versions(project))
    versions.update(measurement.versions())
    versions.update(service.versions())
    known = known or {}
    keys: dict[str, str] = {}
    source = paths.source
    present = _present_pages(source)
    wanted: dict[str, str] = {}  # file -> docname
    todo = []
    for page in plan_pages(project, derived, measurement, service, paths.edition):
        name = page_file(page)
        wanted[name] = page.docname
        if name.startswith(ITEMS):
            result.item_pages.add(page.docname)
        if page.inputs is not None:
            key = keys[page.docname] = page_key(settings, page.inputs, versions)
            if known.get(page.docname) == key and name in present:
                continue
        todo.append(page)
    measurement.prepare(todo)
    service.prepare(todo)
    result.written.extend(render_and_write(env, todo, common, source, html_env))
    result.pages = len(wanted)
    languages, language = config.manual.languages, config.manual.language
    theme = translations.theme_files(language, several=bool(switcher))
    if switcher:
        translations.refuse_clashes(wanted.values(), languages)
    values = conf_values(config.manual.title, config.organisation, language, switcher, theme)
    static = {f"_static/{name}": (STATIC / name).read_text(encoding="utf-8")
              for name in ("qms.css", "qms-zh-search.js", "qms-search.js")}
    static.update(theme)
    for name, text in (("conf.py", conf_py(values)), ("docutils.conf", DOCUTILS_CONF),
                       *static.items()):
        if write_if_changed(source / name, text):
            result.written.append(name)
    docnames = set(wanted.values())
    for name in sorted(present - wanted.keys()):
        (source / name).unlink()
        docname = name.removeprefix(f"{ITEMS}/").rsplit(".", 1)[0]
        if docname not in docnames:  # not a page that only changed from reST to HTML
            (paths.html / f"{docname}.html").unlink(missing_ok=True)
            result.removed.append(docname)
    return keys


def _present_pages(source: Path) -> set[str]:
    # The pages' files (reST, and item pages' JSON under _items/), relative to source.
    # Plain strings, not Path objects: this runs over every page on every build.
    found: set[str] = set()
    top = len(str(source)) + 1
    for folder, _dirs, files in os.walk(source):
        prefix = folder[top:] + "/" if len(folder) >= top else ""
        items = prefix.startswith(f"{ITEMS}/")
        found.update(prefix + name for name in files
                     if name.endswith(".json" if items else ".rst"))
    return found


def _refuse_old_item_templates(templates: Path, root: Path) -> None:
    # A repository's override of an item page written for qms before item pages were HTML
    # would silently stop applying: say so, and how to carry it over.
    for name in ITEM_TEMPLATES:
        old = templates / "manual" / f"{name}.rst.j2"
        if old.is_file():
            shown = old.relative_to(root).as_posix()
            raise QmsError(f"{shown}: the {name} page is an HTML template now; write it as "
                           f"templates/manual/{name}.html.j2 (extending "
                           f"\"qms/manual/{name}.html.j2\", see README: \"Templates\") and "
                           "remove this file")


def _sphinx(paths: BuildPaths, options: BuildOptions, state: BuildState,
            result: BuildResult) -> None:
    # Sphinx's parallel jobs are forked processes too: one at a time where other threads run.
    jobs = options.jobs if can_fork() else 1
    known = doctreetrust.verified(paths.doctrees, paths.state)
    if known is None:
        doctreetrust.forget(paths.doctrees)
        known = {}
        options.echo(f"{paths.doctrees}: Sphinx's cache was not written by this qms (or was "
                     "changed since); removed it, so every page is read again")
    changed = None if options.clean else result.item_pages.intersection(result.written)
    sphinx = run_sphinx(paths.source, paths.html, paths.doctrees, jobs=jobs,
                        fresh=options.clean, echo=options.echo,
                        items=ItemPages(changed=changed, frame=state.frame),
                        session=_session(options.sphinx, paths))
    state.frame = sphinx.frame
    doctreetrust.sign(paths.doctrees, paths.state, known)
    result.sphinx_ran = True
    state.update_warnings(sphinx.reread, set(result.removed), sphinx.by_document(paths.source),
                          full=options.clean)


def _session(kept: SphinxSession | None, paths: BuildPaths) -> SphinxSession | None:
    # `qms serve` keeps one Sphinx application per language: each other language's beside
    # manual.language's (one kept application would start anew for every language).
    return kept.sibling(paths.language) if kept is not None and paths.language else kept
