"""The one module that runs Sphinx: the manual's Sphinx extension and the in-process build
(item pages, which the extension hands to the HTML builder, are in sphinx_items).

The extension does three things. It hardens docutils (no raw HTML, no file insertion, no
`literalinclude`), so nothing in the generated reST can pull in a file or markup. It adds the
`qms-table` directive, whose rows are JSON lines made into escaped HTML by tablehtml: YAML
values in tables are never parsed as reST (text stays text), and big tables cost neither
docutils' nested parsing (about a millisecond per cell) nor node walks in every transform.
And it records which documents Sphinx re-read, so warnings can be kept per page across
incremental builds.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import sphinx
import sphinx.locale
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective, docutils_namespace, patch_docutils

from qms.format.partial import without_collector
from qms.manual.buildstate import engine_libraries
from qms.manual.sphinx_card import add_cards
from qms.manual.sphinx_excerpts import keep_search_texts
from qms.manual.sphinx_index import keep_index_in_memory
from qms.manual.sphinx_items import (
    ItemPages,
    code_version,
    item_pages,
    keep_going_for_item_pages,
    keep_index_if_possible,
)
from qms.manual.sphinx_nav import rewrite_all_when_navigation_changes, shared_navigation
from qms.manual.sphinx_running import (
    docutils_settings_made_once,
    older_objects_left_out_of_collections,
)
from qms.manual.sphinxconf import ANSI, ProgressStream
from qms.manual.tablehtml import table_content, table_html, table_words

# docutils settings that make the manual text-only (and `raw`, `include` and `literalinclude`
# are replaced by a directive that only warns, below).
HARDENED_SETTINGS = {"raw_enabled": False, "file_insertion_enabled": False}

# ------------------------------------------------------------------ the extension


class qms_table(nodes.General, nodes.Element):  # noqa: N801 - docutils names nodes so
    """A table kept as its rows, decoded once when the page is read (the pickled doctree keeps
    them as data), and written as HTML; its Text child is what search indexes."""


def _visit_table_html(translator: Any, node: qms_table) -> None:
    docname = translator.builder.current_docname
    translator.body.append(_table_html_once(translator.builder, node, docname))
    raise nodes.SkipNode


def _table_html_once(builder: Any, node: qms_table, docname: str) -> str:
    # A page written again (a title on it changed) mostly holds tables that did not: an
    # application kept between builds (`qms serve`) keeps the HTML of the tables it wrote last
    # time, by the digest of their text and the depth of their page (links go through the top
    # folder), and makes only new ones. In memory only: nothing is read from disk.
    digest = node.get("digest")
    if not digest or not builder.__dict__.get("_qms_kept_application"):
        return table_html(node["settings"], node["rows"], docname)
    key = (digest, docname.count("/"))
    written: dict[Any, str] = builder.__dict__.setdefault("_qms_tables", {})
    html = written.get(key)
    if html is None:
        html = builder.__dict__.get("_qms_tables_before", {}).get(key)
        if html is None:
            html = table_html(node["settings"], node["rows"], docname)
        written[key] = html
    return html


def _skip(translator: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


class TableDirective(SphinxDirective):
    """`qms-table`: one JSON line {"header": [...], "stub": n, "class": "...", "rows": [...]}
    (qms writes this: one encoding and one decoding per table), or JSON lines, the first one
    the settings, then one row per line. A row is a list of cells, or {"id": ..., "cls": ...,
    "cells": [...]}.

    It takes no options on purpose: docutils parses directive options with a nested state
    machine, which would cost more than the whole table.
    """

    has_content = True

    def run(self) -> list[nodes.Node]:
        """One qms_table node holding the table's rows and the words search indexes."""
        text = [line for line in self.content if line.strip()]
        try:
            settings, lines = table_content(text)
        except ValueError as exc:
            raise self.error(str(exc)) from None
        if not lines and not settings.get("header"):
            return []
        node = qms_table(settings=settings, rows=lines,
                         digest=hashlib.sha256("\n".join(text).encode("utf-8",
                                                                     "surrogatepass")).hexdigest())
        if settings.get("search", True):
            node += nodes.Text(table_words(settings, lines))
        else:
            node["classes"].append("no-search")
        return [node]


class DisabledDirective(SphinxDirective):
    """Stands in for directives that read files: they are switched off in the manual."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = None  # type: ignore[assignment]  # accept (and ignore) any option

    def run(self) -> list[nodes.Node]:
        """Warn and produce nothing."""
        raise self.warning(f'"{self.name}" directive disabled.')


def _builder_inited(app: Sphinx) -> None:
    app.env.settings.update(HARDENED_SETTINGS)
    keep_index_if_possible(app)
    keep_index_in_memory(app)  # after: its loading wraps the one that keeps item pages
    keep_search_texts(app)
    app.add_js_file("qms-search.js")  # excerpts in search results (see the file)
    if str(app.config.language).startswith("zh"):
        app.add_js_file("qms-zh-search.js")  # see the file: Chinese search fails without it


# Up to this many pages read, a build keeps their doctrees for writing (as Sphinx does).
KEEP_READ_DOCTREES = 10


def _forget_doctree_copies(app: Sphinx, *args: Any) -> None:
    # A serial Sphinx build keeps every page's doctree in memory between reading and writing
    # (and every pickled doctree it loads while writing): 550 MB at 5,000 standards. Each is
    # on disk anyway; dropping the copies keeps one page in memory at a time, and writing
    # reads each page back from disk once. A build that reads a few pages (a title edit
    # reads 7, the largest tables of the manual among them) keeps them: loading them back
    # would cost more than their memory is worth.
    names = ["_pickled_doctree_cache"]
    if app.__dict__.get("_qms_reading", KEEP_READ_DOCTREES + 1) > KEEP_READ_DOCTREES:
        names.append("_write_doc_doctree_cache")
    for name in names:
        cache = getattr(app.env, name, None)
        if isinstance(cache, dict):
            cache.clear()


def _mark_unlisted_pages_orphans(app: Sphinx, env: Any) -> None:
    # Pages of standards, audits and checklists are reached from index pages, not toctrees.
    # Sphinx's consistency check would make a warning for each (then drop it: the config
    # suppresses toc.not_included) on every build: 6,000 log records at 5,000 standards. As
    # orphans they are skipped. Marked here, not with an `:orphan:` field in the reST, because
    # docutils parses a field list with a nested state machine: 1 ms a page on a clean build.
    for docname in env.all_docs.keys() - env.files_to_rebuild.keys():
        env.metadata[docname]["orphan"] = True


def _note_read(app: Sphinx, env: Any, docnames: list[str]) -> None:
    app.__dict__["_qms_reading"] = len(docnames)
    reread = getattr(app, "qms_reread", None)
    if reread is not None:  # only when qms runs the build (not a plain sphinx-build)
        reread.update(docnames)


def setup(app: Sphinx) -> dict[str, Any]:
    """Sphinx extension entry point (conf.py lists `qms.manual.sphinx_build`)."""
    app.add_node(qms_table, html=(_visit_table_html, None), text=(_skip, None),
                 latex=(_skip, None), man=(_skip, None), texinfo=(_skip, None))
    app.add_directive("qms-table", TableDirective)
    add_cards(app)
    for name in ("literalinclude", "raw", "include"):
        app.add_directive(name, DisabledDirective, override=True)
    app.connect("builder-inited", _builder_inited)
    app.connect("env-before-read-docs", _note_read)
    app.connect("env-updated", _mark_unlisted_pages_orphans)
    app.connect("env-get-updated", rewrite_all_when_navigation_changes)
    app.connect("doctree-read", _forget_doctree_copies)
    app.connect("doctree-resolved", _forget_doctree_copies)
    app.connect("html-page-context", shared_navigation, priority=400)  # before furo's
    app.connect("html-collect-pages", item_pages)
    app.connect("env-get-outdated", keep_going_for_item_pages)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": code_version()}


# ------------------------------------------------------------------ running a build


@dataclass
class SphinxResult:
    """What a Sphinx run did: the documents it re-read and the warnings it gave, by page."""

    reread: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    frame: str = ""  # of the item pages (see _frame_key)

    def by_document(self, srcdir: Path) -> dict[str, list[str]]:
        """The warnings grouped by the document they name ('' for the others)."""
        prefix = str(srcdir) + "/"
        grouped: dict[str, list[str]] = {}
        for warning in self.warnings:
            docname = ""
            if warning.startswith(prefix):
                docname = warning[len(prefix):].split(":", 1)[0].rsplit(".", 1)[0]
            grouped.setdefault(docname, []).append(warning)
        return grouped


class SphinxSession:
    """A Sphinx application kept between builds of one manual (`qms serve`): a rebuild then
    skips Sphinx's start-up and the loading of its environment. A build with another
    configuration (conf.py, docutils.conf, folders, jobs) or from scratch starts a new one.

    Sphinx keeps its translations in one dict of the process (sphinx.locale.translators),
    which an application in another language would otherwise find and use: each application
    starts from none, and each build puts back its own application's.
    """

    def __init__(self) -> None:
        self._stack: ExitStack | None = None
        self._app: Sphinx | None = None
        self._key: tuple[Any, ...] = ()
        self._warnings = io.StringIO()
        self._echo: list[Callable[[str], None]] = [print]
        self._status = ProgressStream(lambda line: self._echo[0](line))
        self.started = 0  # applications started so far
        self._translators: dict[Any, Any] = {}
        self._siblings: dict[str, SphinxSession] = {}
        self.kept = True  # False: one build only (what it remembers for the next is not kept)

    def sibling(self, name: str) -> SphinxSession:
        """The session kept beside this one for another manual (another language's)."""
        return self._siblings.setdefault(name, SphinxSession())

    def build(self, srcdir: Path, outdir: Path, doctrees: Path, *, jobs: int, fresh: bool,
              echo: Callable[[str], None], items: ItemPages) -> SphinxResult:
        """Build with the kept application, or a new one where it cannot be kept."""
        key = (srcdir, outdir, doctrees, jobs, _read(srcdir / "conf.py"),
               _read(srcdir / "docutils.conf"), engine_version())
        if fresh or self._app is None or key != self._key:
            self._end()
            self._open(srcdir, outdir, doctrees, jobs, fresh)
            self._key = key
            self.started += 1
        app = self._app
        assert app is not None
        _forget_last_build(app)
        self._echo[0] = echo
        self._status.restart()
        result = SphinxResult()
        app.qms_reread = result.reread  # type: ignore[attr-defined]
        app.qms_items = items  # type: ignore[attr-defined]
        app.builder.__dict__["_qms_kept_application"] = self.kept
        sphinx.locale.translators.clear()
        sphinx.locale.translators.update(self._translators)
        try:
            with older_objects_left_out_of_collections():
                app.build(force_all=fresh)
        except BaseException:
            self._end()  # an application stopped half-way is not used again
            raise
        result.frame = items.frame
        text = self._warnings.getvalue()
        self._warnings.seek(0)
        self._warnings.truncate()
        result.warnings = [ANSI.sub("", w) for w in text.splitlines() if w.strip()]
        return result

    def _open(self, srcdir: Path, outdir: Path, doctrees: Path, jobs: int, fresh: bool) -> None:
        stack = ExitStack()
        try:
            # As sphinx-build does: docutils.conf of the source folder, and node and directive
            # registrations that end with the application (serve builds many times).
            stack.enter_context(patch_docutils(str(srcdir)))
            stack.enter_context(docutils_namespace())
            stack.enter_context(docutils_settings_made_once())
            sphinx.locale.translators.clear()  # not another language's (see the class)
            with without_collector():  # unpickling the environment makes no garbage
                self._app = Sphinx(str(srcdir), str(srcdir), str(outdir), str(doctrees),
                                   "html", confoverrides={}, status=cast(IO[str], self._status),
                                   warning=self._warnings, freshenv=fresh,
                                   parallel=jobs if jobs > 1 else 0)
        except BaseException:
            stack.close()
            raise
        if _OPEN[0]:
            _drop_registered_again(self._warnings)
        _OPEN[0] += 1
        self._stack = stack
        self._translators = dict(sphinx.locale.translators)

    def close(self) -> None:
        """End the kept applications (and the docutils registrations they made)."""
        # Last opened, first ended: each application's namespace puts back the registry as it
        # found it, and the other languages' applications opened after this one's found its
        # registrations in it (ended after this one, they would leave them for good).
        for sibling in reversed(self._siblings.values()):
            sibling.close()
        self._end()

    def _end(self) -> None:
        self._app, self._key = None, ()
        stack, self._stack = self._stack, None
        if stack is not None:
            _OPEN[0] -= 1
            stack.close()


# Applications open in this process. docutils keeps one registry of directives, roles and
# nodes per process: a second application (another language's manual, `qms serve`) registers
# Sphinx's and qms's names again, the same names with the same classes, and Sphinx warns of
# each ("already registered", 61 of them), which the first build of that manual would report.
_OPEN = [0]
_REGISTERED_AGAIN = re.compile(r"^.*is already registered.*\[app\.add_[a-z_]+\].*$", re.M)


def _drop_registered_again(warnings: io.StringIO) -> None:
    # The warnings of an application's start that only say it registered a name again.
    text = warnings.getvalue()
    kept = _REGISTERED_AGAIN.sub("", text)
    if kept != text:
        warnings.seek(0)
        warnings.truncate()
        warnings.write("\n".join(line for line in kept.splitlines() if line.strip()))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def _forget_last_build(app: Sphinx) -> None:
    # What the extension remembers during one build: the shared sidebars and the pages in
    # toctrees (either can change with the next build) and the search entries kept. Of the
    # tables' HTML, those written in the last build are kept for this one (and then those
    # written again): a table no page holds any more is not kept for ever.
    for name in ("_qms_navigation", "_qms_in_toctrees", "_qms_kept", "_qms_reading"):
        app.__dict__.pop(name, None)
    kept = app.builder.__dict__
    kept["_qms_tables_before"] = kept.pop("_qms_tables", {})
    # Sphinx keeps the home page's doctree, which sidebars are drawn from, once read
    # (a cached property of the environment): read again, it has this build's toctrees.
    app.env.__dict__.pop("master_doctree", None)


def run_sphinx(srcdir: Path, outdir: Path, doctrees: Path, *, jobs: int = 1, fresh: bool = False,
               echo: Callable[[str], None] = print, items: ItemPages | None = None,
               session: SphinxSession | None = None) -> SphinxResult:
    """Build srcdir (which holds conf.py) into outdir with the HTML builder, in this process;
    `items` says which item pages changed (default: write them all); with a session, its
    application is used and kept."""
    own = session is None
    active = session or SphinxSession()
    active.kept = not own
    try:
        return active.build(srcdir, outdir, doctrees, jobs=jobs, fresh=fresh, echo=echo,
                            items=items or ItemPages())
    finally:
        if own:
            active.close()


def engine_version() -> str:
    """What turns reST into HTML (this extension, Sphinx, docutils, furo): when it changes,
    rebuild all."""
    return f"{code_version()} {engine_libraries()}"
