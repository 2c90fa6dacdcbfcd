"""Item pages (standards, audits, checklists) as qms hands them to Sphinx: one JSON file each.

qms renders an item page's article straight to HTML; the file beside it in `_items/` of the
build's source folder holds that HTML with what the theme and the search index need of it:
the page's title as text, its searchable text (tables marked `no-search` left out) and the pages
it links to. Sphinx wraps the article in the theme's page template and feeds the text to search,
without docutils reading the page.
"""

from __future__ import annotations

import functools
import html
import json
import posixpath
import re
from collections.abc import Callable
from typing import Any

ITEMS = "_items"  # folder, under the build's source folder, of the item pages' files
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
# What search leaves out, each from its opening to the first end after it: a `no-search` table,
# and a chart, whose words for search are its title and description (its stylesheet, tick labels
# and legend would fill the index, and the search's excerpts, with CSS and numbers). The end is
# looked for with str.find, not a lazy `.*?` (which tries the end at every character: a page of
# charts spent two thirds of its search text there).
_NO_SEARCH = re.compile(r'<div class="table-wrapper[^"]*\bno-search\b')
_NO_SEARCH_END = re.compile(r"</table>\s*</div>")
_CHART = re.compile(r'<svg [^>]*class="qms-chart"')
_CHART_WORDS = re.compile(r"<(title|desc)>(.*?)</\1>", re.S)
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S)
_TAG = re.compile(r"<[^>]*>")
# No \b before it: that stops the search for the literal, 25 times slower on a page of charts
# (link_targets checks the character before instead).
_HREF = re.compile(r'href="([^"]*)"')
_OUTSIDE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|/|#)", re.I)  # other sites, absolute, anchors


def _text(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def _chart_words(chart: str) -> str:
    return " " + " ".join(words for _, words in _CHART_WORDS.findall(chart)) + " "


def _cut(html_text: str, opening: re.Pattern[str], end: Callable[[str, int], tuple[int, int]],
         keep: Callable[[str], str]) -> str:
    # Each piece from a match of `opening` to its end replaced by keep(piece); a piece without
    # an end stays as it is (as a lazy regex would leave it).
    parts: list[str] = []
    done = 0
    for match in opening.finditer(html_text):
        if match.start() < done:
            continue  # inside the piece just cut
        start, stop = end(html_text, match.end())
        if start < 0:
            continue
        parts += (html_text[done:match.start()], keep(html_text[match.start():stop]))
        done = stop
    return "".join(parts) + html_text[done:] if parts else html_text


def _table_end(html_text: str, at: int) -> tuple[int, int]:
    found = _NO_SEARCH_END.search(html_text, at)
    return (found.start(), found.end()) if found else (-1, -1)


def _svg_end(html_text: str, at: int) -> tuple[int, int]:
    found = html_text.find("</svg>", at)
    return (found, found + len("</svg>")) if found >= 0 else (-1, -1)


def searchable(body: str) -> str:
    """The words of a page's HTML that search finds: no `no-search` table, no chart's drawing."""
    without_tables = _cut(body, _NO_SEARCH, _table_end, lambda _table: " ")
    return _text(_cut(without_tables, _CHART, _svg_end, _chart_words))


@functools.lru_cache(maxsize=65536)
def _target(folder: str, href: str) -> str | None:
    # Item pages of one folder link to the same few pages: each link is worked out once.
    target = html.unescape(href).split("#", 1)[0]
    if not target or _OUTSIDE.match(target):
        return None
    path = posixpath.normpath(posixpath.join(folder, target))
    return path[:-len(".html")] if path.endswith(".html") else path


def _word_before(text: str, at: int) -> bool:
    # What \b would refuse: an attribute name that only ends in href (xhref=).
    return at > 0 and (text[at - 1].isalnum() or text[at - 1] == "_")


def link_targets(docname: str, body: str) -> list[str]:
    """The pages of the manual (document names) the links of a page's HTML lead to."""
    folder = posixpath.dirname(docname)
    hrefs = {match.group(1) for match in _HREF.finditer(body)
             if not _word_before(body, match.start())}
    found = {_target(folder, href) for href in hrefs}
    return sorted(target for target in found if target is not None)


def item_json(docname: str, body: str) -> str:
    """The file of an item page: its HTML, title, searchable text and link targets."""
    plain = _HEADERLINK.sub("", body)
    heading = _H1.search(plain)
    title = _text(heading.group(1)) if heading else docname
    data = {"title": title, "text": searchable(plain), "body": body,
            "links": link_targets(docname, body)}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def read_item(text: str) -> dict[str, Any]:
    """An item page's file as written by item_json."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not an item page")
    return data
