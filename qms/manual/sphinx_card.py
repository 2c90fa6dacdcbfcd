"""`qms-card`: one standard on an encounter's card, kept as data and written as HTML (part of
the extension in sphinx_build, the one module that runs Sphinx).

A card shows every current standard of an encounter: at 5,000 standards that is every
statement and every do and don't once more. As reST (a container, a rubric, paragraphs and two
lists each) docutils took 2 ms to parse one standard, and a clean build of the 1,000-standard
bench repository 4 to 5 s more CPU than without cards; as one JSON line each, like
`qms-table`, 1.3 s more.
"""

from __future__ import annotations

import json
from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from qms.manual.cardhtml import FIELDS, card_html, card_text, valid_card


class qms_card(nodes.General, nodes.Element):  # noqa: N801 - docutils names nodes so
    """One standard of a card, kept as its fields; its Text child is what search indexes."""


def _visit_card_html(translator: Any, node: qms_card) -> None:
    translator.body.append(card_html(node["card"], translator.builder.current_docname))
    raise nodes.SkipNode


def _skip(translator: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


class CardDirective(SphinxDirective):
    """`qms-card`: one JSON line {"title", "statement", "do", "dont", "doc" (the standard's
    page), "id", "owner", "status" (shown when not empty), "labels" (of do and don't)}."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        """One qms_card node holding the standard's fields and the words search indexes."""
        try:
            card = json.loads("".join(self.content))
        except ValueError as exc:
            raise self.error(f"qms-card: the content is not one JSON line ({exc})") from None
        if not valid_card(card):
            raise self.error(f"qms-card: the JSON needs exactly these fields, texts or lists "
                             f"of texts: {', '.join(FIELDS)} (doc: a page name)")
        node = qms_card(card=card)
        node += nodes.Text(card_text(card))
        return [node]


def add_cards(app: Any) -> None:
    """Register the `qms-card` directive and its node (written as HTML, skipped elsewhere)."""
    app.add_node(qms_card, html=(_visit_card_html, None), text=(_skip, None),
                 latex=(_skip, None), man=(_skip, None), texinfo=(_skip, None))
    app.add_directive("qms-card", CardDirective)
