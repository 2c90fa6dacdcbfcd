"""Reading comfort in a real browser (Debian's chromium, headless, driven by Playwright): search
results with an excerpt, from a folder and from a web server; a phone that never scrolls the
whole page sideways; table-heavy pages as wide as the screen; retired standards marked."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Locator

from .manual_helpers import built, html, pinned_env
from .test_manual_browser import Watched, browser  # noqa: F401 - the fixture, shared

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDEST = ("traceability/matrix.html", "audits/compliance.html", "standards/TEL-001.html")
# Elements of the article reaching past the right edge of the screen, other than inside a box
# that scrolls sideways on its own (a table's wrapper).
OVERFLOWING = """() => {
  const edge = document.documentElement.clientWidth + 1;
  const inScrollingBox = (el) => {
    for (let box = el.parentElement; box; box = box.parentElement) {
      if (["auto", "scroll"].includes(getComputedStyle(box).overflowX)) return true;
    }
    return false;
  };
  return [...document.querySelectorAll("article *")]
    .filter((el) => el.getBoundingClientRect().right > edge && !inScrollingBox(el))
    .map((el) => el.tagName + " " + (el.textContent || "").slice(0, 40));
}"""


# Sphinx has listed every result (it writes the summary line last), and each has its excerpt.
FINISHED = """() => document.querySelector("#search-results p.search-summary").textContent
  && document.querySelectorAll("ul.search li").length
     === document.querySelectorAll("ul.search li p.context").length"""


@pytest.fixture(scope="module")
def manuals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample, the Chinese sample and the injection fixture, built."""
    tmp = tmp_path_factory.mktemp("reading")
    with pinned_env():
        return {name: built(tmp, name) for name in ("sample", "zh-sample", "injection")}


@pytest.fixture
def tab(browser: Browser) -> Iterator[Watched]:  # noqa: F811 - the shared fixture's name
    """A watched browser tab (nothing leaves the machine, no dialog, no script error)."""
    watched = Watched(browser)
    yield watched
    watched.close()


@contextmanager
def _served(folder: Path) -> Iterator[str]:
    # The built manual on a static web server on this machine; yields its address.
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[method-assign, assignment]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def _base(repo: Path, how: str) -> Iterator[str]:
    # The address of a built manual: its folder (file://) or a web server.
    folder = repo / "build" / "html"
    if how == "file":
        yield folder.as_uri()
    else:
        with _served(folder) as base:
            yield base


def _result(tab: Watched, base: str, query: str, page: str) -> Locator:
    # The search result leading to `page`, once its excerpt is shown.
    tab.page.goto(f"{base}/search.html?q={quote(query)}")
    item = tab.page.locator("ul.search li", has=tab.page.locator(f"a[href^='{page}']"))
    item.locator("p.context").wait_for(timeout=20000)
    return item


@pytest.mark.parametrize("how", ["file", "http"])
def test_a_search_result_shows_an_excerpt_with_the_searched_word(
        tab: Watched, manuals: dict[str, Path], how: str) -> None:
    with _base(manuals["sample"], how) as base:
        item = _result(tab, base, "rings", "standards/TEL-001.html")
        excerpt = item.locator("p.context").inner_text()
        assert "answered within three rings" in excerpt, excerpt
        assert item.locator("p.context .highlighted", has_text="rings").count() >= 1
        # every result has its excerpt, not only the first
        tab.page.wait_for_function(FINISHED, timeout=20000)
        assert tab.page.locator("ul.search li").count() == tab.page.locator(
            "ul.search li p.context").count() > 5


@pytest.mark.parametrize("how", ["file", "http"])
def test_a_chinese_search_shows_a_chinese_excerpt(
        tab: Watched, manuals: dict[str, Path], how: str) -> None:
    with _base(manuals["zh-sample"], how) as base:
        item = _result(tab, base, "接听", "standards/DH-001.html")
        excerpt = item.locator("p.context").inner_text()
        assert "都在铃响三声之内接听" in excerpt, excerpt
        assert item.locator("p.context .highlighted", has_text="接听").count() >= 1


def test_an_excerpt_shows_markup_from_the_repository_as_text(
        tab: Watched, manuals: dict[str, Path]) -> None:
    with _base(manuals["injection"], "file") as base:
        item = _result(tab, base, "iframe", "standards/INJ-001.html")
        assert "<iframe src=https://evil.example></iframe>" in item.inner_text()
        assert tab.page.locator("#search-results iframe, #search-results img").count() == 0


def test_a_retired_standard_is_marked_in_search_results(
        tab: Watched, manuals: dict[str, Path]) -> None:
    with _base(manuals["sample"], "file") as base:
        item = _result(tab, base, "passer", "standards/GRT-000.html")
        assert item.locator("a").first.inner_text().startswith("GRT-000 (retired) — Call")
    page = html(manuals["sample"], "standards/GRT-000")
    assert "<title>GRT-000 (retired) — Call the welcome phrase" in page


def test_dimension_pages_are_titled_by_their_name(manuals: dict[str, Path]) -> None:
    assert "<h1>Tangibles<" in html(manuals["sample"], "standards/dimension/tangibles")
    assert "<h1>有形性<" in html(manuals["zh-sample"], "standards/dimension/tangibles")


def test_a_phone_never_scrolls_the_whole_page_sideways(
        tab: Watched, manuals: dict[str, Path]) -> None:
    page = tab.page
    page.set_viewport_size(PHONE)
    for name in WIDEST:
        page.goto((manuals["sample"] / "build" / "html" / name).as_uri())
        assert page.evaluate(OVERFLOWING) == [], name
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    # the matrix is wider than the phone: it scrolls inside its own box
    page.goto((manuals["sample"] / "build" / "html" / WIDEST[0]).as_uri())
    box = page.locator("article .table-wrapper", has=page.locator("table.qms-matrix"))
    assert box.evaluate("el => el.scrollWidth > el.clientWidth + 100")


def _stacked(block: Locator) -> bool:
    # Don't below do, each a list.
    do, dont = block.locator(".qms-card-do").first, block.locator(".qms-card-dont").first
    do_box, dont_box = do.bounding_box(), dont.bounding_box()
    assert do_box is not None and dont_box is not None
    return (dont_box["y"] >= do_box["y"] + do_box["height"] - 1
            and do.locator("li").count() >= 1 and dont.locator("li").count() >= 1)


def test_on_a_phone_do_and_dont_read_as_lists(tab: Watched, manuals: dict[str, Path]) -> None:
    page = tab.page
    page.set_viewport_size(PHONE)
    root = manuals["sample"] / "build" / "html"
    page.goto((root / "standards/TEL-001.html").as_uri())
    rules = page.locator("article .qms-do-dont")
    assert rules.locator("li").all_inner_texts() == [
        "Pick up by the third ring, even if you then need to transfer the call.",
        "Apologise for the wait if the phone has rung five times or more.",
        "Let the phone ring while you finish a conversation with a colleague.",
        "Pick up and put the caller straight on hold without a word."]
    assert page.locator("article table.qms-do-dont").count() == 0
    assert _stacked(rules)
    page.goto((root / "standards/encounter/fitting-room.html").as_uri())
    assert _stacked(page.locator("article .qms-card").first)


def test_table_heavy_pages_take_the_width_of_the_screen(
        tab: Watched, manuals: dict[str, Path]) -> None:
    page = tab.page
    page.set_viewport_size({"width": 1920, "height": 1080})
    root = manuals["sample"] / "build" / "html"

    def article_width(name: str) -> float:
        page.goto((root / name).as_uri())
        box = page.locator("article").bounding_box()
        assert box is not None
        return box["width"]

    prose = article_width("standards/encounter/fitting-room.html")  # furo's reading column
    for name in WIDEST:
        assert article_width(name) > 1.4 * prose, name
    # the prose of a wide page keeps the reading column's width
    statement = page.locator("article section > p").last.bounding_box()
    assert statement is not None and statement["width"] <= prose + 1
