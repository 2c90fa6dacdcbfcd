"""A reST page brought up to date without Sphinx, when only its data blocks changed.

qms writes an encounter's cards (`qms-card`) and its tables (`qms-table`) into reST pages as
one JSON line each. An edit of a standard's title, statement, do or don't changes such lines
and nothing else of the pages that show it (its encounter's card, the owner, dimension and gap
tables, the matrix): Sphinx would read each page again, write it through the theme and index
its words, for a few blocks' HTML. When every other line of a page is as Sphinx last read it,
each changed block's HTML (cardhtml.card_html and tablehtml.table_html, what the directives
write) is replaced in the built page instead, and the page's search entry and excerpt are
made from what Sphinx's run recorded of the page (its words and text outside the blocks, in
order) with every block's words: the bytes Sphinx writes, tests compare. The next Sphinx run
reads the page again (its reST is newer than Sphinx's copy).

The record of a page is taken when Sphinx feeds it to the search index (`follow`), and is kept
in itemdirect's signed record.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qms.manual.cardhtml import card_html, card_text, valid_card
from qms.manual.sphinx_excerpts import joined_text, page_parts
from qms.manual.tablehtml import (
    rows_html,
    table_content,
    table_html,
    table_width,
    table_words,
)

# A block in a page's reST, as qms's templates write it: the directive, a blank line, its JSON
# on one indented line.
_BLOCK = re.compile(r"^\.\. (qms-card|qms-table)::\n\n   (.*)$", re.M)


def split_blocks(rst: str) -> tuple[str, list[list[str]]]:
    """A page's reST without its blocks' JSON (a digest of it), and each block's directive
    and JSON line."""
    blocks: list[list[str]] = []

    def hole(match: re.Match[str]) -> str:
        blocks.append([match.group(1), match.group(2)])
        return f".. {match.group(1)}::\n\n   \0"

    base = _BLOCK.sub(hole, rst)
    return hashlib.sha256(base.encode("utf-8", "surrogatepass")).hexdigest(), blocks


@dataclass(frozen=True)
class Block:
    """A card or a table as its directive makes it: its HTML on a page, and its words."""

    kind: str
    data: Any

    @classmethod
    def of(cls, kind: str, line: str) -> Block:
        """The block of a directive and its JSON line (ValueError: not one a page can hold)."""
        if kind == "qms-card":
            card = json.loads(line)
            if not valid_card(card):
                raise ValueError("not a card")
            return cls(kind, card)
        settings, rows = table_content([line])
        if not rows and not settings.get("header"):
            raise ValueError("an empty table makes no node")
        return cls(kind, (settings, rows))

    def html(self, docname: str) -> str:
        """What the directive's node writes into page `docname`."""
        if self.kind == "qms-card":
            return card_html(self.data, docname)
        settings, rows = self.data
        return table_html(settings, rows, docname)

    def text(self) -> str:
        """The text of its node, which search indexes ('' for a table left out of search)."""
        if self.kind == "qms-card":
            return card_text(self.data)
        settings, rows = self.data
        return table_words(settings, rows) if settings.get("search", True) else ""

    def matches(self, node: Any) -> bool:
        """Whether a node of Sphinx's document is this block."""
        if self.kind == "qms-card":
            return bool(node.get("card") == self.data)
        return bool((node.get("settings"), node.get("rows")) == self.data)

    def patch(self, old: Block, docname: str, page: str) -> str | None:
        """The page (text) with this block's HTML where `old`'s was: a table of the same
        shape row by row (a title changes one row of the matrix), else the whole block;
        None when the old HTML is not in the page exactly once."""
        width = self._same_width(old) if self.kind == "qms-table" else 0
        if width:
            (settings, rows), (_, old_rows) = self.data, old.data
            changed = [i for i, (a, b) in enumerate(zip(old_rows, rows, strict=True)) if a != b]
            befores = rows_html(settings, old_rows, docname, changed, width)
            afters = rows_html(settings, rows, docname, changed, width)
            if all(page.count(before) == 1 for before in befores):
                for before, after in zip(befores, afters, strict=True):
                    page = page.replace(before, after)
                return page
        before = old.html(docname)
        return page.replace(before, self.html(docname)) if page.count(before) == 1 else None

    def _same_width(self, old: Block) -> int:
        # The tables' width when they have the same settings, rows and width (else 0).
        (settings, rows), (old_settings, old_rows) = self.data, old.data
        if settings != old_settings or len(rows) != len(old_rows) or not rows:
            return 0
        width = table_width(settings.get("header"), rows)
        return width if width == table_width(settings.get("header"), old_rows) else 0

    def links(self) -> set[str]:
        """The pages a card links to (tables' links are not checked by Sphinx either)."""
        return {self.data["doc"]} if self.kind == "qms-card" else set()


# ------------------------------------------------------------------ in Sphinx's build


def follow(app: Any, indexer: Any) -> None:
    """Record each page with blocks as Sphinx feeds it to the search index in this build."""
    captured: dict[str, dict[str, Any] | None] = {}
    app.__dict__["_qms_pages"] = captured
    feed = indexer.feed

    def feed_and_record(docname: str, filename: str, title: str, doctree: Any,
                        *args: Any, **kwargs: Any) -> None:
        feed(docname, filename, title, doctree, *args, **kwargs)
        # None for a page without blocks: a page that had some loses its record
        kinds = _block_nodes()
        captured[docname] = _record(indexer, Path(app.srcdir), docname, str(filename), title,
                                    doctree) if any(doctree.findall(
                                        lambda n: isinstance(n, kinds))) else None

    indexer.feed = feed_and_record


def _block_nodes() -> tuple[type, type]:
    from qms.manual.sphinx_build import qms_table  # in Sphinx's build only
    from qms.manual.sphinx_card import qms_card

    return qms_card, qms_table


def _record(indexer: Any, srcdir: Path, docname: str, filename: str, title: str,
            doctree: Any) -> dict[str, Any] | None:
    # What a page's entry is made of besides its blocks; None: the page is left to Sphinx.
    kinds = _block_nodes()

    def is_block(node: Any) -> bool:
        return isinstance(node, kinds)

    try:
        base, lines = split_blocks((srcdir / f"{docname}.rst").read_text(encoding="utf-8"))
        blocks = [Block.of(kind, line) for kind, line in lines]
        shown = list(doctree.findall(is_block))
        if (len(shown) != len(blocks) or not title
                or not all(b.matches(n) for b, n in zip(blocks, shown, strict=True))):
            return None  # not the file Sphinx read, or blocks written some other way
        bare = doctree.deepcopy()
        for node in list(bare.findall(is_block)):
            node.parent.remove(node)
        store = indexer._word_collector(bare)
        parts, page_title = page_parts(doctree, kinds)
        return {"base": base, "blocks": lines, "texts": [block.text() for block in blocks],
                "filename": filename, "title": title,
                "titles": [list(t) for t in store.titles], "title_words": store.title_words,
                "words": store.words, "parts": parts, "page_title": page_title}
    except (OSError, ValueError, AttributeError, TypeError):
        return None


# ------------------------------------------------------------------ without Sphinx


@dataclass(frozen=True)
class RecordedTable:
    """A table whose line is the one recorded: its text as the record has it, its JSON not
    read again (the other tables of a page an edit patches: the matrix's 5,000 rows were a
    third of writing a title edit without Sphinx at 5,000 standards)."""

    recorded: str

    def text(self) -> str:
        """The text of its node, as recorded."""
        return self.recorded

    def links(self) -> set[str]:
        """None (Sphinx checks no table's links)."""
        return set()


@dataclass
class PagePatch:
    """A page made anew: its HTML, its blocks, and its record with their lines."""

    docname: str
    html: str
    blocks: list[Block | RecordedTable]
    record: dict[str, Any]
    before: list[Block | RecordedTable]  # the blocks the page had

    def words(self, split: Any, word_store: Any, old: bool = False) -> Any:
        """The page's words for Sphinx's indexer (a WordStore): its own, and every block's
        (old: every block's it had)."""
        words = list(self.record["words"])
        for block in self.before if old else self.blocks:
            words += split(block.text())
        return word_store(words=words, titles=[tuple(t) for t in self.record["titles"]],
                          title_words=list(self.record["title_words"]))

    def text(self) -> str:
        """The page's excerpt text, as sphinx_excerpts takes it."""
        parts = [self.blocks[p].text() if isinstance(p, int) else p
                 for p in self.record["parts"]]
        return joined_text(parts, self.record["page_title"])


def prepare(source: Path, page: Path, docname: str, record: dict[str, Any],
            known: set[str], encoding: str) -> PagePatch | None:
    """The page with its changed blocks' HTML replaced, or None when more than its blocks
    changed (or its built page is not as expected)."""
    try:
        base, lines = split_blocks((source / f"{docname}.rst").read_text(encoding="utf-8"))
        old_lines = record["blocks"]
        if (base != record["base"] or len(lines) != len(old_lines)
                or [kind for kind, _ in lines] != [kind for kind, _ in old_lines]):
            return None
        texts = record.get("texts")
        recorded = texts if (isinstance(texts, list) and len(texts) == len(old_lines)
                             and all(isinstance(t, str) for t in texts)) else None
        blocks: list[Block | RecordedTable] = [
            RecordedTable(recorded[i]) if recorded and kind == "qms-table" and old == new
            else Block.of(kind, new)
            for i, ((kind, old), (_, new)) in enumerate(zip(old_lines, lines, strict=True))]
        if not all(block.links() <= known for block in blocks):
            return None
        if signature(page) != record.get("html"):
            return None  # not the page as Sphinx (or the last patch) left it
        olds = {i: Block.of(kind, old) for i, ((kind, old), (_, new))
                in enumerate(zip(old_lines, lines, strict=True)) if old != new}
        text: str | None = page.read_text(encoding=encoding)
        for i, old_block in olds.items():
            block = blocks[i]
            if text is not None and isinstance(block, Block):
                text = block.patch(old_block, docname, text)
        if text is None:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    before = [olds.get(i, block) for i, block in enumerate(blocks)]
    return PagePatch(docname, text, blocks,
                     {**record, "blocks": lines, "texts": [block.text() for block in blocks]},
                     before)


def signature(path: Path) -> list[int]:
    """What tells a file from one changed since: its time and size ([] when there is none)."""
    try:
        st = path.stat()
    except OSError:
        return []
    return [st.st_mtime_ns, st.st_size]
