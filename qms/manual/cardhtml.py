"""One standard on an encounter's card as HTML, and the words search takes from it: no Sphinx
here (sphinx_card's `qms-card` directive writes it in Sphinx's build; blockpatch writes it into a
built page without Sphinx)."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from qms.manual.tablehtml import CONTROL, relative_uri

FIELDS = ("title", "statement", "do", "dont", "doc", "id", "owner", "status", "labels")
# A page of the manual: never a scheme (`javascript:`), a query or a way out of the folder.
_DOCNAME = re.compile(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*")


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


def valid_card(card: Any) -> bool:
    """Whether a card's data has exactly its fields, each of its kind."""
    if not isinstance(card, dict) or set(card) != set(FIELDS):
        return False
    texts = [card[name] for name in ("title", "statement", "doc", "id", "owner", "status")]
    lists = [card["do"], card["dont"], card["labels"]]
    return (all(isinstance(t, str) for t in texts) and all(isinstance(x, list) for x in lists)
            and all(isinstance(t, str) for x in lists for t in x) and len(card["labels"]) == 2
            and _DOCNAME.fullmatch(card["doc"]) is not None)




def card_text(card: dict[str, Any]) -> str:
    """The words of a card that search indexes (the text of its node)."""
    return " ".join([card["title"], card["statement"], *card["do"], *card["dont"], card["id"],
                     card["owner"]])
