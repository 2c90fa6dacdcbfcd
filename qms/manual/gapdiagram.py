"""The five-gap model (Parasuraman, Zeithaml & Berry, 1985) as a hand-drawn SVG, with each
gap's current figure beside it and a link to its page.

Drawn by hand rather than by matplotlib: the picture is boxes, arrows and text at fixed places.
Every text is a `<text>` (searchable, in the reader's fonts, Chinese included) and escaped here;
the ink is `currentColor`, so the theme's light and dark modes both show it; the same marks give
the same bytes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from qms.manual.tablehtml import relative_uri

WIDTH, HEIGHT = 820, 500
BOX_X, BOX_W = 210, 240
FONT = 12.0
TITLE_FONT = 14.0
SHORT_NAMES = {1: "knowledge gap", 2: "standards gap", 3: "delivery gap",
               4: "communication gap", 5: "customer gap"}
# Boxes of the model: name, x, y, width (height fits the text).
BOXES = (("Expected service", BOX_X, 56, BOX_W), ("Perceived service", BOX_X, 136, BOX_W),
         ("Service delivery", BOX_X, 232, BOX_W),
         ("Customer-driven service designs and standards", BOX_X, 330, BOX_W),
         ("Management perceptions of customer expectations", BOX_X, 428, BOX_W),
         ("External communications to customers", 620, 232, 190))
# Where each gap's dashed line runs (x1, y1, x2, y2, with stubs to the boxes) and its label.
LINES = {1: ((210, 78, 195, 78), (195, 78, 195, 450), (195, 450, 210, 450)),
         2: ((450, 352, 465, 352), (465, 352, 465, 450), (465, 450, 450, 450)),
         3: ((450, 256, 465, 256), (465, 256, 465, 352)),
         4: ((450, 240, 620, 240),),
         5: ((450, 78, 465, 78), (465, 78, 465, 158), (465, 158, 450, 158))}
LABELS = {1: (185, 258, "end"), 2: (475, 394, "start"), 3: (475, 290, "start"),
          4: (630, 300, "start"), 5: (475, 96, "start")}
ARROWS = ((330, 232, 330, 172), (330, 330, 330, 268), (330, 428, 330, 381),
          (780, 232, 780, 66), (780, 66, 450, 66))


@dataclass(frozen=True)
class GapMark:
    """What the diagram writes beside one gap: its figures and the page it links to."""

    gap: int
    lines: list[str]
    doc: str


def _width(text: str) -> float:
    return sum(FONT if unicodedata.east_asian_width(c) in "WF" else FONT * 0.55 for c in text)


def wrap(text: str, width: float) -> list[str]:
    """Text broken into lines no wider than width (at spaces, or anywhere in CJK text)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" ") if " " in text else list(text):
        joined = f"{current} {word}" if current and " " in text else current + word
        if current and _width(joined) > width:
            lines.append(current)
            current = word
        else:
            current = joined
    return [*lines, current] if current else lines


def _text(x: float, y: float, lines: Sequence[str], anchor: str = "start",
          bold_first: bool = False) -> str:
    spans = []
    for index, line in enumerate(lines):
        weight = ' font-weight="bold"' if bold_first and index == 0 else ""
        spans.append(f'<tspan x="{x:g}" dy="{0 if index == 0 else FONT * 1.3:g}"{weight}>'
                     f"{escape(line, quote=False)}</tspan>")
    return f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}">{"".join(spans)}</text>'


def _box(name: str, x: int, y: int, width: int) -> str:
    lines = wrap(name, width - 16)
    height = 18 + FONT * 1.3 * len(lines)
    first = y + (height - FONT * 1.3 * (len(lines) - 1)) / 2 + FONT * 0.35
    return (f'<rect x="{x}" y="{y}" width="{width}" height="{height:g}" rx="4" fill="none" '
            f'stroke="currentColor"/>' + _text(x + width / 2, first, lines, "middle"))


def gap_diagram(marks: Sequence[GapMark], pagename: str,
                translate: Callable[..., str]) -> str:
    """The SVG of the model, each gap's figures beside its dashed line, linked to its page."""
    _ = translate
    title = _("The five-gap model")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="qms-gap-diagram" role="group" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
             'style="max-width: 100%; height: auto" '
             f'font-family="sans-serif" font-size="{FONT:g}" fill="currentColor" '
             f'aria-labelledby="qms-gap-title qms-gap-desc">',
             f'<title id="qms-gap-title">{escape(title, quote=False)}</title>',
             f'<desc id="qms-gap-desc">{escape(_describe(marks, _), quote=False)}</desc>',
             '<defs><marker id="qms-gap-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
             'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
             '<path d="M0,0 L10,5 L0,10 z" fill="currentColor"/></marker></defs>',
             # the title drawn too, as every chart's is (<title> is only a tooltip)
             f'<text x="{WIDTH / 2:g}" y="24" text-anchor="middle" font-size="{TITLE_FONT:g}" '
             f'font-weight="bold">{escape(title, quote=False)}</text>',
             '<line x1="0" y1="205" x2="820" y2="205" stroke="currentColor" '
             'stroke-dasharray="2 4"/>',
             _text(4, 196, [_("Customer")], bold_first=True),
             _text(4, 222, [_("Provider")], bold_first=True)]
    parts += [_box(_(name), x, y, width) for name, x, y, width in BOXES]
    parts += [f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="currentColor"'
              + (' marker-end="url(#qms-gap-arrow)"/>' if index != 3 else "/>")
              for index, (x1, y1, x2, y2) in enumerate(ARROWS)]
    for mark in marks:
        lines = "".join(f'<line x1="{a}" y1="{b}" x2="{c}" y2="{d}" stroke="currentColor" '
                        f'stroke-width="1.5" stroke-dasharray="6 3"/>'
                        for a, b, c, d in LINES[mark.gap])
        x, y, anchor = LABELS[mark.gap]
        heading = f"{_('Gap')} {mark.gap} · {_(SHORT_NAMES[mark.gap])}"
        href = escape(relative_uri(pagename, mark.doc))
        parts.append(f'<a href="{href}" class="qms-gap-mark">{lines}'
                     f"{_text(x, y, [heading, *mark.lines], anchor, bold_first=True)}</a>")
    parts.append("</svg>")
    return '<figure class="qms-chart qms-gaps-diagram">' + "\n".join(parts) + "</figure>"


def _describe(marks: Sequence[GapMark], translate: Callable[..., str]) -> str:
    # The alt text: what the picture shows, and every gap's figures in words.
    _ = translate
    said = [f"{_('Gap')} {m.gap} ({_(SHORT_NAMES[m.gap])}): {', '.join(m.lines)}" for m in marks]
    return _("Expected and perceived service on the customer's side; delivery, designs and "
             "standards, management's perceptions and external communications on the "
             "provider's side.") + " " + "; ".join(said) + "."
