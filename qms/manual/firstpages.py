"""The pages a reader is looking at, written and served first while `qms serve` rebuilds.

An edit of one standard's title changes its page and every page that lists it (the indexes,
the traceability matrix, a gap page): at 5,000 standards the lists cost most of the rebuild.
As Hugo's fast render mode does, the server notes which pages were asked for lately; a
rebuild renders those of them that changed first, writes them as HTML (where qms writes them
itself: itemdirect) and lets the server answer for them at once, then goes on with the rest.
The own page of an item whose file changed goes even before the rebuild works out which pages
changed (the inputs' versions and every page's key); the others once it has. A request for any
other page still waits for the whole rebuild.

Pages are written by renaming a finished file over the old one, so a page served early is
never read half-written. Sphinx, where the rest needs it, writes pages in place: before it
runs, the early pages are withdrawn and the pages being read are waited for (`withdraw`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from qms.format.project import Project
from qms.manual import itemdirect
from qms.manual.itemdata import ITEMS
from qms.manual.pages import Docs, plan_pages
from qms.manual.render import Page, page_file

if TYPE_CHECKING:
    from qms.manual.build import BuildPaths, BuildResult
    from qms.manual.buildstate import BuildState
    from qms.manual.derive import Derived
    from qms.manual.measurepages import Measurement
    from qms.manual.servicepages import ServiceFigures

REMEMBERED = 16  # pages asked for lately: a reader's tabs, not a crawler's sweep
PAGE_SUFFIX = ".html"
READ_WAIT_SECONDS = 10  # Sphinx waits this long at most for the pages being read


class FirstPages:
    """The server's gate: what it was asked for lately, whether a rebuild is writing the
    manual, and which pages it may serve before that rebuild ends.

    Shared by the server's request threads and the rebuilding thread, under one lock."""

    def __init__(self) -> None:
        self._asked: OrderedDict[Path, None] = OrderedDict()
        self._ready: set[Path] = set()
        self._building = False
        self._readers = 0
        self._lock = threading.Condition()

    def asked(self, file: Path) -> None:
        """Note that a page's file was asked for (the newest REMEMBERED are kept)."""
        if file.suffix != PAGE_SUFFIX:
            return  # a style sheet or an image changes with no edit of a standard
        with self._lock:
            self._asked.pop(file, None)
            self._asked[file] = None
            while len(self._asked) > REMEMBERED:
                self._asked.popitem(last=False)

    def wanted(self, html: Path, docnames: Iterable[str]) -> set[str]:
        """Those of the documents (of the manual in `html`) that were asked for lately."""
        with self._lock:
            asked = set(self._asked)
        return {name for name in docnames if html / f"{name}{PAGE_SUFFIX}" in asked}

    def begin(self) -> None:
        """A rebuild starts: requests wait (but for pages shown early)."""
        with self._lock:
            self._building = True

    def end(self) -> None:
        """The rebuild ended (or failed): every page is served again."""
        with self._lock:
            self._building = False
            self._ready.clear()
            self._lock.notify_all()

    def show(self, html: Path, docnames: Iterable[str]) -> None:
        """Let the server answer for these documents' pages (written) before the rebuild ends."""
        with self._lock:
            self._ready.update(html / f"{name}{PAGE_SUFFIX}" for name in docnames)
            self._lock.notify_all()

    def withdraw(self) -> None:
        """Serve no page early any more, once the pages being read are read (Sphinx is about
        to rewrite pages in place)."""
        with self._lock:
            self._ready.clear()
            self._lock.wait_for(lambda: not self._readers, READ_WAIT_SECONDS)

    @contextmanager
    def reading(self, file: Path, timeout: float) -> Iterator[None]:
        """While a request reads `file`: it waits (up to `timeout` seconds) until no rebuild is
        writing, or until the file is one shown early; Sphinx waits for it (`withdraw`)."""
        with self._lock:
            self._lock.wait_for(lambda: not self._building or file in self._ready, timeout)
            self._readers += 1
        try:
            yield
        finally:
            with self._lock:
                self._readers -= 1
                self._lock.notify_all()


class ShownFirst:
    """One manual's rebuild in `qms serve`: of the pages to render, those asked for lately are
    rendered first and written as HTML at once (`show`), where qms writes them itself. The
    own page of an edited item, when asked for, goes before the plan of the rest is worked out
    (the inputs' versions, every page's key: a third of a second at 5,000 standards); the
    others that changed, once it is."""

    def __init__(self, gate: FirstPages, paths: BuildPaths, state: BuildState,
                 result: BuildResult) -> None:
        self.gate, self.paths, self.state, self.result = gate, paths, state, result
        self.carried: set[str] = set()  # the documents already in the HTML
        # The items whose files this build read afresh (their bytes changed), where the load
        # knows them: their own pages, if asked for, are rendered before the rest is planned.
        self.items: set[str] | None = None

    def edited_pages(self, project: Project, derived: Derived,
                     figures: tuple[Docs, Measurement, ServiceFigures]) -> list[Page]:
        """The own pages of the edited items that were asked for lately, planned as the plan
        of every page would plan them (from the same project): to render and show before it
        is worked out, and to leave out of its pages to render."""
        if not self.items:
            return []
        docs, measurement, service = figures
        own = {page for item_id in self.items if (page := _own_page(project, item_id))}
        wanted = self.gate.wanted(self.paths.html, own)
        if not wanted:
            return []
        return [page for page in plan_pages(project, derived, measurement, service,
                                            self.paths.edition, wanted, docs)
                if page_file(page).startswith(ITEMS)]  # (pages Sphinx writes wait for it)

    def split(self, todo: list[Page]) -> tuple[list[Page], list[Page]]:
        """The pages to render first, and the others (none first where all would be)."""
        wanted = self.gate.wanted(self.paths.html, (page.docname for page in todo))
        if not wanted or len(wanted) == len(todo):
            return [], todo
        return ([page for page in todo if page.docname in wanted],
                [page for page in todo if page.docname not in wanted])

    def show(self, written: list[str]) -> None:
        """Write these documents (rendered first) as HTML and let the server answer for them;
        where qms cannot write them itself, they wait for the rest (and Sphinx)."""
        result = self.result
        previous = {name: result.previous[name] for name in written if name in result.previous}
        # Shown once their files are written; the search index follows (a reader of the page
        # does not wait for it, a search does: searchindex.js waits for the rebuild's end)
        if written and itemdirect.write_without_sphinx(
                self.paths.source, self.paths.html, self.paths.state, self.state, written,
                result.item_pages, previous,
                pages_written=lambda: self.gate.show(self.paths.html, written)):
            self.carried.update(written)


def _own_page(project: Project, item_id: str) -> str | None:
    # The page of a standard, checklist or audit (None for other items: plans).
    for items, page_of in ((project.standards, Docs.standard),
                           (project.checklists, Docs.checklist), (project.audits, Docs.audit)):
        if item_id in items:
            return page_of(item_id)
    return None
