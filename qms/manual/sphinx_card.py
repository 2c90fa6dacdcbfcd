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
import re
from html import escape
from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from qms.manual.tablehtml import CONTROL, relative_uri

_FIELDS = ("title", "statement", "do", "dont", "doc", "id", "owner", "status", "labels")
# A page of the manual: never a scheme (`javascript:`), a query or a way out of the folder.
_DOCNAME = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")


class qms_card(nodes.General, nodes.Element):  # noqa: N801 - docutils names nodes so
    """One standard of a card, kept as its fields; its Text child is what search indexes."""


def _text(value: Any) -> str:
    # Whitespace collapsed, as reST would show it; escaped for HTML.
    return escape(" ".join(CONTROL.sub("", str(value)).split()), quote=False)


def card_html(card: dict[str, Any], docname: str) -> str:
    """The HTML of one standard of a card on page `docname` (the classes qms.css styles)."""
    parts = ['<div class="qms-card docutils container">\n',
             f'<p class="rubric">{_text(card["title"])}</p>\n']
    parts += [f"<p>{_text(block)}</p>\n" for block in re.split(r"\n\s*\n", card["statement"])
              if block.strip()]
    rules = [(label, items, cls) for label, items, cls in
             zip(card["labels"], (card["do"], card["dont"]), ("qms-card-do", "qms-card-dont"),
                 strict=True) if items]
    if rules:
        parts.append('<div class="qms-card-rules docutils container">\n')
        for label, items, cls in rules:
            parts.append(f'<div class="{cls} docutils container">\n'
                         f"<p><strong>{_text(label)}</strong></p>\n<ul class=\"simple\">\n")
            parts += [f"<li><p>{_text(item)}</p></li>\n" for item in items]
            parts.append("</ul>\n</div>\n")
        parts.append("</div>\n")
    uri = escape(relative_uri(docname, card["doc"]))
    status = f" · <strong>{_text(card['status'])}</strong>" if card["status"] else ""
    parts.append(f'<p><a class="reference internal" href="{uri}">{_text(card["id"])}</a>'
                 f" · {_text(card['owner'])}{status}</p>\n</div>\n")
    return "".join(parts)


def _visit_card_html(translator: Any, node: qms_card) -> None:
    translator.body.append(card_html(node["card"], translator.builder.current_docname))
    raise nodes.SkipNode


def _skip(translator: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def _valid(card: Any) -> bool:
    if not isinstance(card, dict) or set(card) != set(_FIELDS):
        return False
    texts = [card[name] for name in ("title", "statement", "doc", "id", "owner", "status")]
    lists = [card["do"], card["dont"], card["labels"]]
    return (all(isinstance(t, str) for t in texts) and all(isinstance(x, list) for x in lists)
            and all(isinstance(t, str) for x in lists for t in x) and len(card["labels"]) == 2
            and _DOCNAME.fullmatch(card["doc"]) is not None)


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
        if not _valid(card):
            raise self.error(f"qms-card: the JSON needs exactly these fields, texts or lists "
                             f"of texts: {', '.join(_FIELDS)} (doc: a page name)")
        node = qms_card(card=card)
        node += nodes.Text(" ".join([card["title"], card["statement"], *card["do"],
                                     *card["dont"], card["id"], card["owner"]]))
        return [node]


def add_cards(app: Any) -> None:
    """Register the `qms-card` directive and its node (written as HTML, skipped elsewhere)."""
    app.add_node(qms_card, html=(_visit_card_html, None), text=(_skip, None),
                 latex=(_skip, None), man=(_skip, None), texinfo=(_skip, None))
    app.add_directive("qms-card", CardDirective)
