"""The text of every page the search index holds, for the excerpts of search results (part of
the extension in sphinx_build).

Sphinx shows an excerpt by fetching each result's page, which browsers refuse from a folder
(file://). qms writes the pages' text once, beside the search index, as a script
(`searchtexts.js`) that static/qms-search.js loads: excerpts then come from the same data
from a folder and from a web server, and need no request per result. The texts follow the
search index: a page's text is taken when Sphinx (or sphinx_items) feeds the page to the
index, the texts of the pages not written again are kept from the last build's file, and
those of pages gone from the index are dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes

from qms.base.files import atomic_write

if TYPE_CHECKING:  # only sphinx_build runs Sphinx
    from sphinx.application import Sphinx

FILENAME = "searchtexts.js"
_STRING = rb'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'  # one JSON string, its escapes and all
_KEY = re.compile(rb"(" + _STRING + rb"):")
_VALUE = re.compile(rb"(" + _STRING + rb")")
_CALL = "qmsSearchTexts("  # the function static/qms-search.js defines
_START, _END = _CALL + "{\n", "\n});\n"
_LIMIT = 20000  # characters kept of one page (an excerpt past them shows the page's start)


def _skipped(node: nodes.Node) -> bool:
    # What Sphinx's WordCollector leaves out of the index: comments, raw markup and what is
    # marked `no-search`.
    return isinstance(node, (nodes.comment, nodes.raw)) or (
        isinstance(node, nodes.Element) and "no-search" in node["classes"])


def page_parts(doctree: nodes.Node, hole: tuple[type, ...] = ()
               ) -> tuple[list[str | int], str | None]:
    """The pieces of a page's searchable text in order, and its title; a node of a type in
    `hole` gives its number (0, 1, ...) in place of its text, left out of search or not
    (blockpatch fills it in)."""
    parts: list[str | int] = []
    title = next(iter(doctree.findall(nodes.title)), None)
    stack = [doctree]
    while stack:
        node = stack.pop()
        if hole and isinstance(node, hole):
            parts.append(sum(isinstance(part, int) for part in parts))
        elif _skipped(node) or node is title:
            continue
        elif isinstance(node, nodes.Text):
            parts.append(node.astext())
        else:
            stack.extend(reversed(node.children))
    return parts, title.astext() if title is not None else None


def joined_text(parts: list[str], title: str | None) -> str:
    """A page's text from its pieces: on one line, without its title, cut to the length kept."""
    text = " ".join(" ".join(parts).split())
    if title is not None:  # an item page's text begins with its heading again
        text = text.removeprefix(" ".join(title.split())).lstrip()
    return text[:_LIMIT]


def page_text(doctree: nodes.Node) -> str:
    """A page's searchable text on one line without its title (the result's link shows it),
    cut to the length kept for excerpts."""
    parts, title = page_parts(doctree)
    return joined_text([str(part) for part in parts], title)


def load_texts(path: Path) -> dict[str, str]:
    """The texts of the last build's file."""
    # A missing or damaged file only means fewer excerpts until the pages are written again
    # (as Sphinx does with its own index).
    try:
        text = path.read_text(encoding="utf-8").strip()
        data = json.loads(text.removeprefix(_CALL).removesuffix(");"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: value for key, value in data.items()
            if isinstance(key, str) and isinstance(value, str)}


def script_parts(texts: dict[str, str],
                 encoded: dict[str, tuple[str, str]] | None = None) -> Iterator[str]:
    """The script of the texts, one call with a JSON object (data, never code), page by page:
    written as one string it would be three copies of every text at once (the JSON, the
    script, its bytes), 60 MB at 5,000 standards. `encoded` keeps each page's JSON with its
    text between builds of one application: encoding them all again is 0.1 s at 5,000
    standards, when one page changed.

    One page a line, in the order of their names: a JSON string never holds a line break, so
    each line is one page's entry, and replaced_texts finds a page without reading the others.
    """
    yield _START
    comma = ""
    for name, text in sorted(texts.items()):
        last = encoded.get(name) if encoded is not None else None
        if last is None or last[0] != text:
            last = (text, f"{json.dumps(name, ensure_ascii=False)}:"
                          f"{json.dumps(text, ensure_ascii=False)}")
            if encoded is not None:
                encoded[name] = last
        yield comma + last[1]
        comma = ",\n"
    yield _END
    if encoded is not None:
        for name in encoded.keys() - texts.keys():  # pages gone
            del encoded[name]


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _follow_indexer(builder: Any, kept: dict[str, Any]) -> None:
    # Called once Sphinx has made (and loaded) this build's search indexer. `kept` holds the
    # texts between builds of one application (`qms serve`): while the file is the one last
    # written, it is not read again (90 ms at 1,000 standards), nor written when no text
    # changed.
    indexer = builder.indexer
    if indexer is None:
        return
    path = Path(builder.outdir) / FILENAME
    signature = _signature(path)
    texts = kept["texts"] if signature is not None and kept.get("of") == signature else load_texts(
        path)
    feed, dump = indexer.feed, indexer.dump
    changed = [signature is None]

    def feed_and_keep(docname: str, filename: str, title: str, doctree: Any,
                      *args: Any, **kwargs: Any) -> None:
        feed(docname, filename, title, doctree, *args, **kwargs)
        text = page_text(doctree) if title else ""
        if texts.get(docname) != (text or None):
            changed[0] = True
            if text:
                texts[docname] = text
            else:
                del texts[docname]

    def dump_both(stream: Any, format: Any) -> None:
        dump(stream, format)
        # Sphinx keeps the index's pages in _titles; should that change, every text is kept.
        indexed = getattr(indexer, "_titles", None)
        for name in [name for name in texts if isinstance(indexed, dict) and name not in indexed]:
            changed[0] = True
            del texts[name]
        if changed[0]:
            atomic_write(path, script_parts(texts, kept.setdefault("encoded", {})),
                         durable=False)
        kept.update(texts=texts, of=_signature(path))

    indexer.feed, indexer.dump = feed_and_keep, dump_both


def keep_search_texts(app: Sphinx) -> None:
    """Write the pages' texts beside the search index in every build of this application."""
    builder: Any = app.builder
    if not hasattr(builder, "prepare_writing") or not getattr(builder, "search", False):
        return
    prepare = builder.prepare_writing
    kept: dict[str, Any] = {}

    def prepare_writing(docnames: Any) -> None:
        prepare(docnames)
        _follow_indexer(builder, kept)

    builder.prepare_writing = prepare_writing


def replaced_texts(script: bytes, changes: dict[str, str]) -> bytes | None:
    """The script (as script_parts writes it, in UTF-8) with these pages' texts replaced in
    place, as bytes: not decoded and encoded whole (20 MB at 5,000 standards, a tenth of a
    second each way); None where a page is not in it, a text is to be added or dropped (then
    the script is written anew), or the script is not as script_parts writes it."""
    if not (script.startswith(_START.encode("ascii")) and script.endswith(_END.encode("ascii"))):
        return None
    pieces: list[tuple[int, int, bytes]] = []
    for name, text in changes.items():
        found = _entry(script, name)
        if not text and found is None:
            continue  # a page without text, as before
        if not text or found is None:
            return None
        start, end = found
        pieces.append((start, end, json.dumps(text, ensure_ascii=False).encode("utf-8")))
    out: list[bytes] = []
    last = 0
    for start, end, encoded in sorted(pieces):
        out += (script[last:start], encoded)
        last = end
    out.append(script[last:])
    return b"".join(out)


def _entry(script: bytes, name: str) -> tuple[int, int] | None:
    # Where the text of a page is in the script (start and end of its JSON string), found by
    # halving the range of lines: the entries are one a line, in the order of their names (a
    # line break in a JSON string is always written \n, so each line break is between two).
    low, high = len(_START), len(script) - len(_END)
    while low < high:
        start = script.rfind(b"\n", low, (low + high) // 2) + 1 or low
        key, span, following = _line(script, start)
        if key is None:
            return None  # not as script_parts writes it
        if key == name:
            return span
        if key < name:
            low = following
        else:
            high = start
    return None


def _line(script: bytes, start: int) -> tuple[str | None, tuple[int, int], int]:
    # The page name of the entry on the line that starts here, its text's span, and where the
    # next line starts.
    key = _KEY.match(script, start)
    text = key and _VALUE.match(script, key.end())
    if not key or not text or script[text.end():text.end() + 2] not in (b",\n", b"\n}"):
        return None, (0, 0), 0
    try:
        name = json.loads(key.group(1))
    except ValueError:
        return None, (0, 0), 0
    return (name if isinstance(name, str) else None), text.span(1), text.end() + 2


def update_texts(texts: dict[str, str], made: dict[str, str]) -> bool:
    """Put the pages' new excerpt texts (`made`; empty: none) in `texts`; whether any changed."""
    changed = False
    for docname, text in made.items():
        if texts.get(docname) != (text or None):
            changed = True
            if text:
                texts[docname] = text
            else:
                del texts[docname]
    return changed
