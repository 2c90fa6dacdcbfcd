"""Tick labels and legend texts written straight into the SVG.

matplotlib measures every text it draws with FreeType, afresh for each chart, which was a fifth of
a chart's time; the browser places SVG text itself (`text-anchor`), so these texts are kept as
hidden matplotlib texts (the margins are sized from them) and written here as plain <text>.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from html import escape  # xml.sax.saxutils would load urllib (25 ms)
from typing import TYPE_CHECKING

from qms.manual.charts.layout import LEGEND, RIGHT_TICK, X_TICK, Y_TICK

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.text import Text

LETTERED = (X_TICK, Y_TICK, RIGHT_TICK, LEGEND)
ANCHORS = {"left": "start", "center": "middle", "right": "end"}
# ems from a text's baseline up to where matplotlib's alignments put the anchor (DejaVu Sans:
# digits and capitals stand 0.73 em tall)
TOP = 0.76
MIDDLE = 0.36


def _lettered(figure: Figure) -> Iterator[Text]:
    """The texts this module writes, in drawing order: each axes', then the figure's."""
    from matplotlib.text import Text  # isinstance: matplotlib 3.8's stubs say Artists

    for axes in figure.axes:
        yield from (text for text in axes.texts
                    if isinstance(text, Text) and text.get_gid() in LETTERED)
    yield from (text for text in figure.texts if text.get_gid() in LETTERED)


def _number(value: float) -> str:
    """A coordinate as few digits as are needed, the same on every machine."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def svg_texts(figure: Figure, style: str) -> str:
    """The lettered texts of a figure as SVG <text> elements in points from the top left."""
    scale = 72 / figure.dpi
    height = float(figure.get_size_inches()[1]) * 72
    lines = []
    for text in _lettered(figure):
        x, y = text.get_transform().transform(text.get_position()) * scale
        size = float(text.get_fontsize())
        drop = TOP if text.get_verticalalignment() == "top" else MIDDLE
        turn = text.get_rotation()
        # the pivot of a turned label lies so its top right corner meets the anchor
        down = drop * size * (math.cos(math.radians(turn)) if turn else 1.0)
        left, top = x, height - y + down
        attributes = [f'x="{_number(left)}"', f'y="{_number(top)}"']
        if turn:
            attributes.append(f'transform="rotate({_number(-turn)} {_number(left)} '
                              f'{_number(top)})"')
        anchor = ANCHORS[text.get_horizontalalignment()]
        content = escape(text.get_text(), quote=False)
        lines.append(f'  <text {" ".join(attributes)} style="font-size: {_number(size)}px; '
                     f'text-anchor: {anchor}; {style}">{content}</text>')
    return "\n".join([" <g class=\"qms-labels\">", *lines, " </g>"]) if lines else ""

