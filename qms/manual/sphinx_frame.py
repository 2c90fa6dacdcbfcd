"""Item pages written in their folder's frame: the theme's page drawn once per folder, filled in
per page (part of the extension in sphinx_build; sphinx_items hands the pages over).

Sphinx writes a page by rendering the theme's page.html (furo's, and qms's on top of it) with
the page's context: several milliseconds a page, nearly all of it the same for every item page
of one folder (sidebar, header, scripts, styles). Here that frame is drawn once per folder with
stand-ins for what differs from page to page, and each page is the frame with its own title,
article and name put in their places, escaped as the template escapes each.

What differs between two item pages of one folder (furo 2024.8 to 2025.12, Sphinx 8 and 9): the
title in <title> (`title|striptags|e`), the article (`body`, as it is) and, in a manual in
several languages, the page's name in the language switcher (`pagename`, as it is). The places
and their escaping are found in the drawn frame, not assumed: the stand-in title holds the
characters each escaping treats differently, and a place filled in some other way stays part of
the frame, which the first page of each folder then fails (below).

It relies on what Sphinx does not promise, so it is used only while the promise can be checked:
the builder is Sphinx's HTML builder, every `html-page-context` listener is one known to add
nothing page by page that the frame would miss (Sphinx's, furo's, alabaster's, qms's: a
conf.py that adds its own gets the plain path, since a listener may count pages or change
them), the page's name is plain, and the first page of each folder, written by Sphinx, is the
filled-in frame byte for byte (else that folder's pages are all written by Sphinx).
"""

from __future__ import annotations

import posixpath
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.util import logging

from qms.manual.itemframe import BODY, NAME, PLAIN_NAME, TITLE, Frame, escaped_title
from qms.manual.render import write_if_changed

if TYPE_CHECKING:  # only sphinx_build runs Sphinx
    from sphinx.application import Sphinx

FRAME_ONCE = True  # False: every item page through the theme's template (the tests compare both)
# A folder with fewer pages to write takes the plain path: drawing and checking its frame costs
# as much as writing two pages.
MIN_PAGES = 3
_LOG = logging.getLogger(__name__)
# What docutils' HTML writer puts in the head of every document's page.
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
# (module, name) of the html-page-context listeners whose additions are the same for every item
# page of a folder: Sphinx's resource paths and tag helpers, MathJax (none on item pages), the
# two themes' version and navigation, and qms's shared sidebar.
KNOWN_LISTENERS = frozenset({
    ("sphinx.builders.html", "setup_resource_paths"),
    ("sphinx.builders.html", "setup_css_tag_helper"),
    ("sphinx.builders.html", "setup_js_tag_helper"),
    ("sphinx.ext.mathjax", "install_mathjax"),
    ("alabaster", "update_context"),
    ("furo", "_html_page_context"),
    ("qms.manual.sphinx_nav", "shared_navigation"),
})


def page_context(builder: Any, title: str, body: str) -> dict[str, Any]:
    """What the theme's page.html is given for an item page (Sphinx's get_doc_context for a
    page outside every toctree: no parents, no previous or next, no local contents)."""
    return {"parents": [], "prev": None, "next": None, "title": title, "meta": None,
            "body": body, "metatags": VIEWPORT, "rellinks": builder.globalcontext["rellinks"][:],
            "sourcename": "", "toc": "", "display_toc": False, "page_source_suffix": ".html"}


def draw_frame(app: Sphinx, folder: str) -> str:
    """The theme's page for an item page of the folder, with the stand-ins in it."""
    builder: Any = app.builder
    probe = Path(app.doctreedir) / "qms-frame.html"
    builder.handle_page(posixpath.join(folder, NAME),
                        page_context(builder, escaped_title(TITLE), BODY), "page.html",
                        outfilename=probe)
    text = probe.read_text(encoding=app.config.html_output_encoding)
    probe.unlink()
    return text


def _listeners_known(app: Sphinx) -> bool:
    listeners = getattr(getattr(app, "events", None), "listeners", None)
    if not isinstance(listeners, dict):
        return False
    found = {(getattr(listener.handler, "__module__", None),
              getattr(listener.handler, "__qualname__", None))
             for listener in listeners.get("html-page-context", [])}
    return found <= KNOWN_LISTENERS


class FramedPages:
    """Writes the item pages of one build, those of a folder with enough pages to write in
    the folder's frame, each only if it changed; the others are left to Sphinx."""

    def __init__(self, app: Sphinx, todo: list[str], drawn: dict[str, str]) -> None:
        self._app = app
        builder: Any = app.builder
        self._usable = usable = (FRAME_ONCE and type(builder) is StandaloneHTMLBuilder
                                 and _listeners_known(app))
        counts = Counter(posixpath.dirname(docname) for docname in todo)
        self._folders = {f for f, n in counts.items() if n >= MIN_PAGES} if usable else set()
        self._drawn = drawn  # frames drawn already in this build, by folder
        self._frames: dict[str, Frame | None] = {}
        self.checked: dict[str, str] = {}  # folder -> its frame as drawn, once checked
        self._encoding = app.config.html_output_encoding

    def write(self, docname: str, title: str, body: str) -> bool:
        """Write the page (title as the context gives it) in its frame; False: not done here,
        Sphinx's builder is to write it."""
        folder, name = posixpath.split(docname)
        if folder not in self._folders or not PLAIN_NAME.fullmatch(name):
            return False
        builder: Any = self._app.builder
        path = Path(self._app.outdir) / f"{docname}{builder.out_suffix}"
        if folder not in self._frames:
            self._frames[folder] = self._checked(folder, docname, path, title, body)
            return True
        frame = self._frames[folder]
        if frame is None:
            return False
        write_if_changed(path, frame.fill(title, body, name).encode(self._encoding,
                                                                   "xmlcharrefreplace"))
        return True

    def _checked(self, folder: str, docname: str, path: Path, title: str,
                 body: str) -> Frame | None:
        # The folder's first page is written by Sphinx, and must be its frame filled in.
        drawn = self._drawn.get(folder)
        if drawn is None:
            drawn = draw_frame(self._app, folder)
        frame = Frame.of(drawn)
        builder: Any = self._app.builder
        builder.handle_page(docname, page_context(builder, title, body), "page.html",
                            outfilename=path)
        filled = frame.fill(title, body, posixpath.basename(docname))
        if filled.encode(self._encoding, "xmlcharrefreplace") == path.read_bytes():
            self.checked[folder] = drawn
            return frame
        _LOG.debug("[qms] item pages of %s: the frame filled in is not the page Sphinx writes; "
                   "Sphinx writes each of them", folder or "the top folder")
        return None

    def check_written(self, written: dict[str, tuple[str, str, str]]) -> None:
        """Check the frames of folders whose pages Sphinx wrote (few to write): `written` holds
        one page of each (document name, title, article), written already."""
        builder: Any = self._app.builder
        for folder, (docname, title, body) in sorted(written.items()):
            if (not self._usable or folder in self.checked
                    or not PLAIN_NAME.fullmatch(posixpath.basename(docname))):
                continue
            path = Path(self._app.outdir) / f"{docname}{builder.out_suffix}"
            drawn = self._drawn.get(folder) or draw_frame(self._app, folder)
            filled = Frame.of(drawn).fill(title, body, posixpath.basename(docname))
            if filled.encode(self._encoding, "xmlcharrefreplace") == path.read_bytes():
                self.checked[folder] = drawn
