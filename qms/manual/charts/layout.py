"""Fixed margins for a chart, sized from the lengths of its labels.

matplotlib's constrained layout measures every artist by drawing the figure once more before
saving it, which doubled the cost of a chart; the margins here come from the text alone
(DejaVu Sans advances, one em per Chinese character), so a chart is drawn once.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

LINE = 1.25  # a line of text, in ems: DejaVu's ascent and descent with a little air
EDGE = 4.0  # points left free at each edge of the figure
GAP = 4.0  # points between an axis' tick labels and its name
TICK = 7.0  # points a tick and its pad take (matplotlib's 3.5 + 3.5)
MOST_LEGEND_COLUMNS = 5
# a legend entry beyond its text: handle, pad and column spacing (2.0 + 0.8 + 2.0 ems)
LEGEND_ENTRY = 4.8
# the gids that mark tick labels (qms/manual/charts/ticks.py) by where they stand
X_TICK, Y_TICK, RIGHT_TICK = "qms-x-tick", "qms-y-tick", "qms-right-tick"
LEGEND = "qms-legend"  # and the texts of the legend (qms/manual/charts/legend.py)
WIDE = "\u2014"  # DejaVu's em dash is one em wide, as a CJK character is in the reader's font


class Extents(NamedTuple):
    """Points an axes' decorations reach beyond it on each side."""

    left: float = 0.0
    right: float = 0.0
    bottom: float = 0.0
    top: float = 0.0


@lru_cache(maxsize=4096)
def text_width(text: str, size: float) -> float:
    """Width in points of one line of text at size points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    # wide (CJK) characters count as one em: DejaVu has no glyph for them, the reader's font has
    stand_in = "".join(WIDE if unicodedata.east_asian_width(char) in "WF" else char
                       for char in text)
    width, _, _ = text_to_path.get_text_width_height_descent(
        stand_in, FontProperties(family="DejaVu Sans", size=size), ismath=False)
    return float(width)


def _size(text: Text) -> float:
    return float(text.get_fontsize())


def _label_space(text: Text) -> float:
    """Points an axis name or title takes across its line, with the gap to what it names."""
    return LINE * _size(text) + GAP if text.get_text() else 0.0


def _tick_labels(axes: Axes, gid: str) -> list[Text]:
    """The tick labels drawn on one side of an axes."""
    from matplotlib.text import Text  # isinstance: matplotlib 3.8's stubs say Artists

    return [text for text in axes.texts
            if isinstance(text, Text) and text.get_gid() == gid and text.get_text()]


def _across(label: Text) -> float:
    """Points a tick label of an x axis takes downwards, turned by its rotation."""
    turn = math.radians(label.get_rotation())
    width, height = text_width(label.get_text(), _size(label)), LINE * _size(label)
    return abs(width * math.sin(turn)) + abs(height * math.cos(turn))


def _overhang(axes: Axes, labels: Sequence[Text], width: float) -> tuple[float, float]:
    """Points x tick labels reach left and right of an axes width points wide."""
    low, high = axes.get_xlim()
    left = right = 0.0
    for label in labels:
        where, _ = label.get_position()
        place = width * (where - low) / (high - low) if high != low else 0.0
        size = text_width(label.get_text(), _size(label))
        turn = math.radians(label.get_rotation())
        reach = size * abs(math.cos(turn))
        ha = label.get_horizontalalignment()
        before = reach if ha == "right" else reach / 2 if ha == "center" else 0.0
        left = max(left, before - place)
        right = max(right, reach - before - (width - place))
    return left, right


def extents(axes: Axes, width: float) -> Extents:
    """Points the tick labels, axis names and title of an axes reach beyond it."""
    sides = []
    for gid, name in ((Y_TICK, "left"), (RIGHT_TICK, "right")):
        labels = _tick_labels(axes, gid)
        size = _size(labels[0]) if labels else 0.0
        space = widest((label.get_text() for label in labels), size) + TICK if labels else 0.0
        if axes.yaxis.get_label_position() == name:
            space += _label_space(axes.yaxis.label)
        sides.append(space)
    x_labels = _tick_labels(axes, X_TICK)
    bottom = (max(map(_across, x_labels), default=0.0) + TICK if x_labels else 0.0)
    bottom += _label_space(axes.xaxis.label)
    left, right = _overhang(axes, x_labels, width)
    title: Text = axes.title  # type: ignore[attr-defined,unused-ignore]  # (3.8's stubs)
    top = _label_space(title) + 2.0 if title.get_text() else 0.0
    return Extents(max(left, sides[0]), max(right, sides[1]), bottom, top)


def legend_columns(labels: Sequence[str], size: float, width: float) -> int:
    """As many legend columns as fit across width points (at most five)."""
    entry = widest(labels, size) + LEGEND_ENTRY * size
    fitting = max(1, int(width // entry))
    return max(1, min(len(labels), MOST_LEGEND_COLUMNS, fitting))


def _legend_top(figure: Figure) -> float:
    """Points from the bottom edge up to above the legend below the plot (the edge if none)."""
    tops = [text.get_position()[1] + LINE * _size(text) / 2 for text in figure.texts
            if text.get_gid() == LEGEND]
    return max(tops) + GAP if tops else EDGE


def _figure_text(figure: Figure, name: str, reach: float) -> float:
    """Points a figure's title or shared axis name takes (matplotlib sets it 2 % in), if any."""
    text = getattr(figure, name, None)  # matplotlib keeps suptitle and supylabel there
    return 0.02 * reach + _label_space(text) if text is not None else EDGE


def fit(figure: Figure) -> None:
    """Margins and gaps that leave room for every label, legend and title, from text lengths."""
    width, height = (float(inches) * 72 for inches in figure.get_size_inches())
    panels = [axes for axes in figure.axes if axes.get_visible()]
    if not panels:
        return
    spec = panels[0].get_subplotspec()
    rows, columns = spec.get_gridspec().get_geometry() if spec is not None else (1, 1)
    guess = (width - 2 * EDGE) / columns * 0.85  # tick labels' overhang depends on it only a bit
    found = [extents(axes, guess) for axes in panels]
    left, right, bottom, top = (max(side) for side in zip(*found, strict=True))
    outer_left = _figure_text(figure, "_supylabel", width) + left
    outer_right = EDGE + right
    outer_top = _figure_text(figure, "_suptitle", height) + top
    outer_bottom = _legend_top(figure) + bottom
    panel_width = (width - outer_left - outer_right - (columns - 1) * (left + right)) / columns
    panel_height = (height - outer_top - outer_bottom - (rows - 1) * (top + bottom)) / rows
    figure.subplots_adjust(
        left=outer_left / width, right=1 - outer_right / width,
        bottom=outer_bottom / height, top=1 - outer_top / height,
        wspace=_share(left + right, panel_width), hspace=_share(top + bottom, panel_height))


def _share(gap: float, panel: float) -> float:
    """A gap between panels as matplotlib counts it: a share of one panel."""
    return gap / panel if panel > 0 else 0.0


def widest(texts: Iterable[str], size: float) -> float:
    """Width in points of the widest of texts."""
    return max((text_width(text, size) for text in texts), default=0.0)
