"""Standards, audits and checklists as pages of the Sphinx build (part of the extension in
sphinx_build, the one module that runs Sphinx; this one only uses its search index and logging).

They are not Sphinx documents: qms renders their articles to HTML (itemdata), and here they are
written in the theme's page template (most in their folder's frame drawn once: sphinx_frame; the
others handed to the HTML builder through `html-collect-pages`), and fed to the search index,
which keeps them between builds.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sphinx
from sphinx.search import IndexBuilder
from sphinx.util import logging

from qms.manual.blockpatch import follow as follow_blocks
from qms.manual.itemdata import ITEMS, read_item
from qms.manual.itemdirect import (
    code_version,
    drop_words_of_no_page,
    search_doctree,
    search_title,
)
from qms.manual.itemframe import escaped_title
from qms.manual.sphinx_frame import FramedPages, draw_frame, page_context
from qms.manual.sphinx_nav import navigation

if TYPE_CHECKING:  # only sphinx_build runs Sphinx
    from sphinx.application import Sphinx

KEEP_INDEX = True  # False: always take the plain path below (the tests compare both)
_LOG = logging.getLogger(__name__)


@dataclass
class ItemPages:
    """What qms tells the extension about item pages: which changed since the last run (None:
    write them all) and the frame key of that run; `frame` is this run's afterwards."""

    changed: set[str] | None = None
    frame: str = ""
    # afterwards, for writing item pages without Sphinx (itemdirect): the frames checked in
    # this run by folder, every page a link may lead to, the search index's language
    frames: dict[str, str] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)
    search: dict[str, Any] | None = None
    encoding: str = "utf-8"
    suffix: str = ".html"
    recorded: set[str] = field(default_factory=set)  # folders with a frame checked before
    pages: dict[str, Any] = field(default_factory=dict)  # afterwards: blockpatch's records


def parameters(function: Any) -> list[str]:
    """The names of a function's parameters ([] where they cannot be read): guards on
    what Sphinx does not document check them."""
    try:
        return list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return []


def _index_can_be_kept(builder: Any) -> bool:
    # Keeping the entries of item pages that are not written again goes through two
    # methods Sphinx does not document; used only when they are the ones this was written for.
    return (parameters(getattr(type(builder), "load_indexer", None)) == ["self", "docnames"]
            and parameters(IndexBuilder.prune) == ["self", "docnames"])


def _keep_item_pages_in_index(app: Sphinx) -> None:
    # Sphinx prunes the loaded search index to its own documents before writing and again
    # before dumping it; with this, every item page stays (those written again are pruned and
    # fed afresh by _item_pages).
    builder: Any = app.builder
    original = builder.load_indexer

    def load_indexer(docnames: Any) -> None:
        _keeping(app, builder.indexer, set(_item_docnames(app)))
        original(docnames)
        follow_blocks(app, builder.indexer)  # pages of blocks, to patch them without Sphinx

    builder.load_indexer = load_indexer
    app.__dict__["_qms_index_kept"] = True


def _keeping(app: Sphinx, indexer: Any, kept: set[str]) -> set[str]:
    # Wrap the indexer's prune so that it keeps `kept` (a set changed in place later).
    original = indexer.prune

    def prune(docnames: Any) -> None:
        original(set(docnames) | kept)
        drop_words_of_no_page(indexer)

    indexer.prune = prune
    app.__dict__["_qms_kept"] = kept
    return kept


def _item_docnames(app: Sphinx) -> list[str]:
    top = os.path.join(app.srcdir, ITEMS)
    found = []
    for folder, _dirs, files in os.walk(top):
        prefix = os.path.relpath(folder, top).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        found += [prefix + name[:-5] for name in files if name.endswith(".json")]
    return sorted(found)


def _frame_is_known(app: Sphinx, frame: str) -> bool:
    # The frame is made of the theme, the configuration and the static files (a change to any
    # of them makes Sphinx read every document again: code_version covers the static files),
    # and the sidebar: the toctrees and the titles of the pages in them (sphinx_nav). While
    # those are the same, the last build's frame still holds and is not drawn again (a sixth
    # of a one-title rebuild at 1,000 standards, which re-reads pages in toctrees).
    return frame.startswith(navigation(app.env) + ":")


def _frame_key(app: Sphinx, docnames: list[str], drawn: dict[str, str]) -> str:
    # Everything of an item page that is not its article (sidebar, header, scripts, styles,
    # labels): its frame is drawn once per folder (kept in `drawn` for writing the pages) and
    # hashed. When it changes, every item page is written again.
    digest = hashlib.sha256(code_version().to_bytes(4, "big"))
    for folder in sorted({posixpath.dirname(name) for name in docnames}):
        drawn[folder] = draw_frame(app, folder)
        digest.update(drawn[folder].encode("utf-8", "surrogatepass"))
    return f"{navigation(app.env)}:{digest.hexdigest()}"


# Sphinx before 8.2 ends a build in which no document is outdated before its writing phase,
# and so before html-collect-pages: changed item pages would not be written.
_STOPS_WHEN_NOTHING_IS_OUTDATED = sphinx.version_info < (8, 2)


def keep_going_for_item_pages(app: Sphinx, env: Any, added: set[str], changed: set[str],
                              removed: set[str]) -> list[str]:
    """On a Sphinx that would stop early, re-read the root page when only item pages changed."""
    items: ItemPages | None = getattr(app, "qms_items", None)
    if (not _STOPS_WHEN_NOTHING_IS_OUTDATED or items is None or not items.changed
            or added or changed or removed or app.config.root_doc not in env.found_docs):
        return []
    return [app.config.root_doc]


def item_pages(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    builder: Any = app.builder
    items: ItemPages = getattr(app, "qms_items", None) or ItemPages()
    docnames = _item_docnames(app)
    before = items.frame
    drawn: dict[str, str] = {}
    items.frame = before if _frame_is_known(app, before) else _frame_key(app, docnames, drawn)
    outdir = Path(app.outdir)
    if items.changed is None or items.frame != before:
        todo = docnames
    else:
        todo = [d for d in docnames
                if d in items.changed or not (outdir / f"{d}.html").is_file()]
    indexer = builder.indexer
    kept = app.__dict__.get("_qms_kept")
    if indexer is None:
        kept, search = set(), set()
    elif kept is None:  # the plain path: Sphinx pruned every item page; all are fed again
        kept, search = _keeping(app, indexer, set()), set(docnames)
    else:
        kept.difference_update(todo)
        indexer.prune(app.env.all_docs)  # the old entries of the pages written again
        search = set(todo)
    known = set(app.env.all_docs) | set(docnames) | {"search"}
    reread: set[str] = getattr(app, "qms_reread", set())
    framed = FramedPages(app, todo, drawn)
    by_sphinx: dict[str, tuple[str, str, str]] = {}
    for docname in docnames:
        if docname not in search and docname not in todo:
            continue
        data = read_item((Path(app.srcdir) / ITEMS / f"{docname}.json").read_text("utf-8"))
        if indexer is not None and docname in search:
            indexer.feed(docname, f"{docname}.html", search_title(data["title"]),
                         search_doctree(docname, data))
        if docname in todo:
            reread.add(docname)
            for target in data["links"]:
                if target not in known:
                    _LOG.warning("link to a page the manual does not have: %s", target,
                                 location=docname)
            title = escaped_title(data["title"])
            if not framed.write(docname, title, data["body"]):
                yield docname, page_context(builder, title, data["body"]), "page.html"
                by_sphinx[posixpath.dirname(docname)] = (docname, title, data["body"])
    kept.update(docnames)
    # the frames of folders Sphinx wrote pages of, for writing them without Sphinx next time
    framed.check_written({folder: page for folder, page in by_sphinx.items()
                          if folder not in items.recorded or items.frame != before})
    items.frames, items.known = framed.checked, known
    items.encoding, items.suffix = app.config.html_output_encoding, builder.out_suffix
    items.pages = app.__dict__.get("_qms_pages", {})
    if indexer is not None and app.__dict__.get("_qms_index_kept"):
        items.search = {"language": app.config.html_search_language or app.config.language,
                        "options": dict(app.config.html_search_options)}


def keep_index_if_possible(app: Sphinx) -> None:
    """Keep the search entries of item pages not written again, where Sphinx allows it."""
    if KEEP_INDEX and _index_can_be_kept(app.builder):
        _keep_item_pages_in_index(app)
