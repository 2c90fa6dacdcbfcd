"""How wide a label is, and the spaces a chart leaves round its plot, from the text alone.

Widths are DejaVu Sans advances (a table read once from the font file, fontwidths.py) with wide
East Asian characters one em each (the reader's CJK font draws them so), so the layout, and the
bytes, never depend on the fonts installed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from qms.manual.charts import fontwidths

LINE = 1.25  # a line of text, in ems: DejaVu's ascent and descent with a little air
EDGE = 4.0  # points left free at each edge of the chart
GAP = 4.0  # points between an axis' tick labels and its name
TICK_LENGTH = 3.5  # points a tick mark sticks out of the axis
TICK_PAD = 3.5  # points between a tick mark and its label
TICK = TICK_LENGTH + TICK_PAD
MOST_LEGEND_COLUMNS = 5
# a legend entry beyond its text: sample, gap and column spacing (2.0 + 0.8 + 2.0 ems)
LEGEND_ENTRY = 4.8
UNKNOWN = 0.6  # ems for a character DejaVu lacks and that is not wide: a fallback font's guess


@lru_cache(maxsize=1)
def _advances() -> dict[str, float]:
    """Advance width in ems of every character in the table."""
    found: dict[str, float] = {}
    code = 0
    for word in fontwidths.TABLE.split():
        if word.startswith("@"):
            code = int(word[1:], 16)
            continue
        width, _, count = word.partition("*")
        for _ in range(int(count or 1)):
            found[chr(code)] = int(width) / fontwidths.UNITS_PER_EM
            code += 1
    return found


@lru_cache(maxsize=8192)
def text_width(text: str, size: float) -> float:
    """Width in points of one line of text at size points."""
    advances = _advances()
    ems = 0.0
    for char in text:
        known = advances.get(char)
        if known is not None:
            ems += known
        else:  # wide (CJK) characters: one em in the reader's font, DejaVu has no glyph
            ems += 1.0 if unicodedata.east_asian_width(char) in "WF" else UNKNOWN
    return ems * size


def widest(texts: Iterable[str], size: float) -> float:
    """Width in points of the widest of texts."""
    return max((text_width(text, size) for text in texts), default=0.0)


def legend_columns(labels: Sequence[str], size: float, width: float) -> int:
    """As many legend columns as fit across width points (at most five)."""
    entry = widest(labels, size) + LEGEND_ENTRY * size
    fitting = max(1, int(width // entry))
    return max(1, min(len(labels), MOST_LEGEND_COLUMNS, fitting))


def label_space(text: str | None, size: float) -> float:
    """Points an axis name or title takes across its line, with the gap to what it names."""
    return LINE * size + GAP if text else 0.0


def fitted(text: str, width: float, size: float) -> str:
    """The text, cut with an ellipsis where it would be wider than width points."""
    if text_width(text, size) <= width:
        return text
    kept = text
    while kept and text_width(kept + "…", size) > width:
        kept = kept[:-1]
    return kept.rstrip() + "…"
