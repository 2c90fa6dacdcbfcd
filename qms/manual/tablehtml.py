"""The HTML of a `qms-table`: rows of text, links and marks, escaped once, here.

A manual of 5,000 standards is mostly tables. As docutils nodes each cell costs a dozen node
objects that some sixty Sphinx transforms walk on every page; as one prepared piece of HTML a
table costs nothing to walk. Every text and attribute goes through html.escape, so a value
such as `<script>` is shown, never run. The plain text is kept too, for the search index.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import lru_cache
from html import escape
from typing import Any

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # not text: never written into a page
_NOT_ID = re.compile(r"[^a-z0-9]+")
_NOT_CLASS = re.compile(r"[^A-Za-z0-9_-]+")
# What a cell's text needs done to it (escaping, or control characters dropped): a row of plain
# texts without any is written without a call per cell (a page of readings is mostly such rows)
_NEEDS_WORK = re.compile("[&<>" + CONTROL.pattern[1:])  # CONTROL and what escape() changes


def make_id(text: str) -> str:
    """An HTML id as docutils makes them (lower case, runs of other characters as '-')."""
    return _NOT_ID.sub("-", text.lower()).strip("-")


def relative_uri(base: str, target: str) -> str:
    """The link from one document to another in the HTML output (documents are /-separated).

    Always through the top folder ('../standards/X.html' from 'standards/Y'): as correct as
    the shortest path, and computed without comparing paths.
    """
    return "../" * base.count("/") + target + ".html"


def _classes(value: Any) -> str:
    return _class_list(value if type(value) is str else str(value))


@lru_cache(maxsize=1024)  # a page's tables mark thousands of cells with a few classes
def _class_list(value: str) -> str:
    return " ".join(c for c in _NOT_CLASS.sub(" ", value).split() if c)


def plain_text(value: Any) -> str:
    """A value as the text a page shows: dates as ISO dates, times to the minute."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _text(value: Any) -> str:
    return escape(CONTROL.sub("", value if type(value) is str else plain_text(value)),
                  quote=False)


def _span(span: Any, up: str) -> str:
    # `up` leads from the page to the top folder; links go through it (see relative_uri).
    if type(span) is not dict:
        return _text(span)
    shown = _text(span.get("t", ""))
    marks = _classes(span["cls"]) if span.get("cls") else ""
    if span.get("doc") is None:
        return f'<span class="{marks}">{shown}</span>' if marks else shown
    uri = f"{up}{span['doc']}.html"
    if span.get("anchor"):
        uri += "#" + make_id(str(span["anchor"]))
    link_classes = f"reference internal {marks}".strip()
    return f'<a class="{link_classes}" href="{escape(uri)}">{shown}</a>'


def _cell(cell: Any, opening: str, closing: str, up: str) -> str:
    if type(cell) is str:  # most cells: plain text
        return f"{opening}<p>{_text(cell)}</p>{closing}"
    paragraphs: list[list[str]] = [[]]
    for span in cell if type(cell) is list else [cell]:
        if span is None:
            continue
        if type(span) is dict and span.get("p") and paragraphs[-1]:
            paragraphs.append([])
        paragraphs[-1].append(_span(span, up))
    body = "".join(f"<p>{''.join(p)}</p>" for p in paragraphs)
    return f"{opening}{body}{closing}"


_HEAD = ('<th class="head">', "</th>")
_STUB = ('<th class="stub">', "</th>")
_DATA = ("<td>", "</td>")


def _data_cell(cell: Any, up: str, made: dict[int, str]) -> str:
    # A cell object a table repeats (a measure table's state, the same dict in every row of
    # that state) is written once per table: the rows hold it, so its id stays its own.
    found = made.get(id(cell))
    if found is None:
        found = made[id(cell)] = _cell(cell, *_DATA, up)
    return found


def _row(row: Any, width: int, stubs: int, head: bool, index: int, up: str,
         made: dict[int, str]) -> str:
    attributes = ""
    classes = "row-even" if index % 2 == 0 else "row-odd"
    if (not head and not stubs and type(row) is list and len(row) == width
            and _NEEDS_WORK.search("".join([c for c in row if type(c) is str])) is None):
        # its texts need no escaping: written as _cell writes them, without its calls
        return (f'<tr class="{classes}">'
                + "".join([f"<td><p>{c}</p></td>" if type(c) is str else _data_cell(c, up, made)
                           for c in row]) + "</tr>\n")
    if type(row) is dict:
        if row.get("id"):
            attributes = f' id="{escape(make_id(str(row["id"])))}"'
        if row.get("cls"):
            classes += " " + _classes(row["cls"])
        row = row.get("cells", [])
    cells = []
    for i in range(width):
        opening, closing = _HEAD if head else _STUB if i < stubs else _DATA
        cells.append(_cell(row[i] if i < len(row) else "", opening, closing, up))
    return f'<tr class="{classes}"{attributes}>' + "".join(cells) + "</tr>\n"


def table_width(header: Any, rows: list[Any]) -> int:
    """The number of columns of a table: its longest row's (header included)."""
    return max(len(r.get("cells", []) if isinstance(r, dict) else r) for r in [header or [], *rows])


def rows_html(settings: dict[str, Any], rows: list[Any], docname: str, indices: list[int],
              width: int) -> list[str]:
    """The HTML of some of a table's rows (by index) in a table `width` columns wide (see
    table_width), as table_html writes them."""
    stubs = int(settings.get("stub", 0))
    up = relative_uri(docname, "")[:-len(".html")]
    made: dict[int, str] = {}
    return [_row(rows[i], width, stubs, False, i, up, made) for i in indices]


def table_html(settings: dict[str, Any], rows: list[Any], docname: str) -> str:
    """The HTML of a table on page `docname`, as Sphinx would write the table."""
    header = settings.get("header")
    width = table_width(header, rows)
    stubs = int(settings.get("stub", 0))
    up = relative_uri(docname, "")[:-len(".html")]
    extra = _classes(settings.get("class", ""))
    classes = "qms-table" + (f" {extra}" if extra else "")
    parts = [f'<div class="table-wrapper {classes} docutils container">\n'
             f'<table class="{classes} docutils align-default">\n']
    made: dict[int, str] = {}
    if header:
        parts.append("<thead>\n" + _row(header, width, 0, True, 1, up, made) + "</thead>\n")
    parts.append("<tbody>\n")
    parts += [_row(row, width, stubs, False, i, up, made) for i, row in enumerate(rows)]
    parts.append("</tbody>\n</table>\n</div>\n")
    return "".join(parts)


def table_words(settings: dict[str, Any], rows: list[Any]) -> str:
    """The words of a table, each once: the search index records which pages hold a word,
    not how often."""
    words: list[str] = []

    def collect(cell: Any) -> None:
        for span in cell if isinstance(cell, list) else [cell]:
            if isinstance(span, dict):
                words.append(str(span.get("t", "")))
            elif span is not None:
                words.append(str(span))

    for row in [settings.get("header") or [], *rows]:
        for cell in row.get("cells", []) if isinstance(row, dict) else row:
            collect(cell)
    return " ".join(dict.fromkeys(CONTROL.sub("", " ".join(words)).split()))


def table_content(lines: list[str]) -> tuple[dict[str, Any], list[Any]]:
    """A `qms-table`'s settings and rows from its content lines (ValueError: what is wrong)."""
    decoded = []
    for line in lines:
        if line.strip():
            try:
                decoded.append(json.loads(line))
            except ValueError as exc:
                raise ValueError(f"qms-table: a line is not JSON ({exc})") from None
    settings: dict[str, Any] = {}
    rows: Any = decoded
    if len(decoded) == 1 and isinstance(decoded[0], dict) and "rows" in decoded[0]:
        settings = dict(decoded[0])
        rows = settings.pop("rows")
        if not isinstance(rows, list):
            raise ValueError('qms-table: "rows" is not a list of rows')
    elif decoded and isinstance(decoded[0], dict) and "header" in decoded[0]:
        settings, rows = decoded[0], decoded[1:]
    return settings, rows
