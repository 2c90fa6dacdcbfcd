"""An encounter's card page brought up to date without Sphinx, when only its cards changed.

An edit of a standard's title, statement, do or don't changes one `qms-card` line of its
encounter's page (reST) and nothing else there: Sphinx would read the page again, write it
through the theme and index its words, for one card's HTML. When every other line of the page
is as Sphinx last read it, the card's HTML (cardhtml.card_html, what the directive writes) is
replaced in the built page instead, and the page's search entry and excerpt are made from what
Sphinx's run recorded of the page (its words and text outside the cards, in order) with every
card's words: the bytes Sphinx writes, tests compare. The next Sphinx run reads the page again
(its reST is newer than Sphinx's copy).

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

# A card in the page's reST, as encounter_card.rst.j2 writes it: the directive, a blank line,
# its JSON on one indented line.
_CARD = re.compile(r"^\.\. qms-card::\n\n   (.*)$", re.M)


def split_cards(rst: str) -> tuple[str, list[str]]:
    """A page's reST without its cards' JSON (a digest of it), and the cards' JSON lines."""
    lines: list[str] = []

    def hole(match: re.Match[str]) -> str:
        lines.append(match.group(1))
        return ".. qms-card::\n\n   \0"

    base = _CARD.sub(hole, rst)
    return hashlib.sha256(base.encode("utf-8", "surrogatepass")).hexdigest(), lines


# ------------------------------------------------------------------ in Sphinx's build


def follow(app: Any, indexer: Any) -> None:
    """Record each page with cards as Sphinx feeds it to the search index in this build."""
    captured: dict[str, dict[str, Any] | None] = {}
    app.__dict__["_qms_cards"] = captured
    feed = indexer.feed

    def feed_and_record(docname: str, filename: str, title: str, doctree: Any,
                        *args: Any, **kwargs: Any) -> None:
        feed(docname, filename, title, doctree, *args, **kwargs)
        # None for a page without cards: a page that had some loses its record
        captured[docname] = _record(indexer, Path(app.srcdir), docname, str(filename), title,
                                    doctree) if any(doctree.findall(_card_node())) else None

    indexer.feed = feed_and_record


def _card_node() -> Any:
    from qms.manual.sphinx_card import qms_card  # in Sphinx's build only

    return qms_card


def _record(indexer: Any, srcdir: Path, docname: str, filename: str, title: str,
            doctree: Any) -> dict[str, Any] | None:
    # What a page's entry is made of besides its cards; None: the page is left to Sphinx.
    card = _card_node()
    try:
        base, lines = split_cards((srcdir / f"{docname}.rst").read_text(encoding="utf-8"))
        shown = [node["card"] for node in doctree.findall(card)]
        if [json.loads(line) for line in lines] != shown or not title:
            return None  # not the file Sphinx read, or cards written some other way
        bare = doctree.deepcopy()
        for node in list(bare.findall(card)):
            node.parent.remove(node)
        store = indexer._word_collector(bare)
        parts, page_title = page_parts(doctree, card)
        return {"base": base, "cards": lines, "filename": filename, "title": title,
                "titles": [list(t) for t in store.titles], "title_words": store.title_words,
                "words": store.words, "parts": parts, "page_title": page_title}
    except (OSError, ValueError, AttributeError, TypeError):
        return None


# ------------------------------------------------------------------ without Sphinx


@dataclass
class CardPatch:
    """A card page made anew: its HTML, its cards, and its record with their lines."""

    docname: str
    html: str
    cards: list[dict[str, Any]]
    record: dict[str, Any]

    def words(self, split: Any, word_store: Any) -> Any:
        """The page's words for Sphinx's indexer (a WordStore): its own, and every card's."""
        words = list(self.record["words"])
        for card in self.cards:
            words += split(card_text(card))
        return word_store(words=words, titles=[tuple(t) for t in self.record["titles"]],
                          title_words=list(self.record["title_words"]))

    def text(self) -> str:
        """The page's excerpt text, as sphinx_excerpts takes it."""
        parts = [card_text(self.cards[p]) if isinstance(p, int) else p
                 for p in self.record["parts"]]
        return joined_text(parts, self.record["page_title"])


def prepare(source: Path, page: Path, docname: str, record: dict[str, Any],
            known: set[str], encoding: str) -> CardPatch | None:
    """The page with its changed cards' HTML replaced, or None when more than its cards
    changed (or its built page is not as expected)."""
    try:
        base, lines = split_cards((source / f"{docname}.rst").read_text(encoding="utf-8"))
        old_lines = record["cards"]
        if base != record["base"] or len(lines) != len(old_lines):
            return None
        cards = [json.loads(line) for line in lines]
        if not all(valid_card(card) and card["doc"] in known for card in cards):
            return None
        text = page.read_text(encoding=encoding)
        for old, new, card in zip(old_lines, lines, cards, strict=True):
            if old != new:
                before, after = card_html(json.loads(old), docname), card_html(card, docname)
                if text.count(before) != 1:
                    return None
                text = text.replace(before, after)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return CardPatch(docname, text, cards, {**record, "cards": lines})
