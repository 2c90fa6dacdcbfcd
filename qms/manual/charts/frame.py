"""A chart's parts: its title, the plot areas with their axes, and the legend below.

Margins come from the lengths of the labels (layout.py), so a chart is laid out once, in
arithmetic, and written straight to SVG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from qms.manual.charts.layout import (
    EDGE,
    GAP,
    LEGEND_ENTRY,
    LINE,
    TICK,
    TICK_LENGTH,
    fitted,
    label_space,
    legend_columns,
    text_width,
    widest,
)
from qms.manual.charts.scales import Scale, nice_ticks, tick_texts
from qms.manual.charts.svg import INK, Svg, num, stroke

INCH = 72.0  # points: charts are sized in inches, as matplotlib sized them before
WIDE = 7.5 * INCH  # the manual's column (a viewBox: it scales to the page)
FONT = 9.0  # tick labels, axis names and the legend
TITLE_FONT = 11.0
TURN = 30.0  # degrees x labels turn when they are long or many
# ems from a text's baseline up to where it hangs from (top) or centres (DejaVu Sans: digits and
# capitals stand 0.73 em tall)
TOP = 0.76
MIDDLE = 0.36
SAMPLE = 2.0  # ems a legend sample takes
TEXT_GAP = 0.8  # ems between a sample and its text
ROW = LINE + 0.5  # ems from one legend row to the next
BELOW = 1.3  # ems between the last legend row and the chart's edge
SPINE = 0.8
SMALLEST_PLOT = 1.5 * INCH  # height of a plot however long its legend
GRID = f"fill:none;stroke:{INK};stroke-width:0.8;stroke-opacity:0.2"


class Entry(NamedTuple):
    """A legend entry: a line (with a marker in its middle), a marker alone or a patch."""

    label: str
    colour: str
    line: str = "-"  # matplotlib's line style; "" for none
    width: float = 1.0
    marker: str = ""
    marker_size: float = 0.0
    hollow: bool = False  # the marker outlined, not filled
    patch: bool = False  # a bar's sample: a box filled with colour (and hatch)
    hatch: str = ""


class Plot(NamedTuple):
    """A plot area in points and the scales that place data in it."""

    left: float
    top: float
    right: float
    bottom: float
    x: Scale
    y: Scale


def plot(left: float, top: float, right: float, bottom: float,
         x: tuple[float, float], y: tuple[float, float], *, flip_y: bool = False) -> Plot:
    """A plot area showing the x and y ranges (y upwards, or downwards when flip_y)."""
    up = (top, bottom) if flip_y else (bottom, top)
    return Plot(left, top, right, bottom, Scale(*x, left, right), Scale(*y, *up))


def y_ticks(low: float, high: float, length: float, *, integer: bool = False
            ) -> tuple[list[float], list[str]]:
    """Round values and their labels for an upright axis `length` points long."""
    values = nice_ticks(low, high, length, per_tick=2 * FONT, integer=integer)
    return values, tick_texts(values)


def x_ticks(low: float, high: float, length: float) -> tuple[list[float], list[str]]:
    """Round values and their labels for an axis across, `length` points long."""
    values = nice_ticks(low, high, length, per_tick=3 * FONT)
    return values, tick_texts(values)


def below_axis(labels: Sequence[str], turned: bool) -> float:
    """Points x tick labels (and their ticks) take below the axis."""
    if not labels:
        return 0.0
    turn = math.radians(TURN if turned else 0.0)
    return TICK + max(abs(text_width(label, FONT) * math.sin(turn))
                      + abs(LINE * FONT * math.cos(turn)) for label in labels)


def beside_axis(labels: Sequence[str]) -> float:
    """Points y tick labels (and their ticks) take beside the axis."""
    return widest(labels, FONT) + TICK if labels else 0.0


def overhang(labels: Sequence[str], shares: Sequence[float], width: float,
             turned: bool) -> tuple[float, float]:
    """Points x tick labels reach beyond the left and right edges of a plot width points wide,
    standing at shares (0 to 1) of its width."""
    left = right = 0.0
    for label, share in zip(labels, shares, strict=True):
        reach = text_width(label, FONT) * (math.cos(math.radians(TURN)) if turned else 1.0)
        before = reach if turned else reach / 2
        left = max(left, before - share * width)
        right = max(right, reach - before - (1 - share) * width)
    return left, right


class Chart:
    """One chart: a drawing with a title on top and, below the plots, a legend."""

    def __init__(self, title: str, width: float, height: float) -> None:
        """An empty chart of width × height points."""
        self.svg = Svg(width, height)
        self.title = title
        self.entries: list[Entry] = []

    @property
    def top(self) -> float:
        """Points from the top edge down to below the title."""
        return 0.02 * self.svg.height + label_space(self.title, TITLE_FONT)

    @property
    def bottom(self) -> float:
        """Points from the bottom edge up to above the legend (the edge's margin if none)."""
        if not self.entries:
            return EDGE
        rows = -(-len(self.entries) // self._columns())
        return (BELOW + LINE + (rows - 1) * ROW) * FONT + GAP

    def _columns(self) -> int:
        return legend_columns([entry.label for entry in self.entries], FONT, self.svg.width)

    def finish(self, description: str) -> str:
        """The SVG with title and legend drawn, described for screen readers."""
        svg = self.svg
        shown = fitted(self.title, svg.width - 2 * EDGE, TITLE_FONT)  # <title> keeps it whole
        svg.text(svg.width / 2, 0.02 * svg.height + TOP * TITLE_FONT, shown, TITLE_FONT)
        if self.entries:
            self._legend()
        return svg.document(self.title, description)

    def _legend(self) -> None:
        """The entries in rows below the plot, centred."""
        parts, defs = _legend(tuple(self.entries), self.svg.width, self.svg.height)
        self.svg.parts.extend(parts)
        self.svg.defs.update(defs)


@lru_cache(maxsize=64)  # the charts of one kind mostly have the same legend at the same place
def _legend(entries: tuple[Entry, ...], width: float, height: float
            ) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """A legend's elements and the definitions they use, drawn on a drawing of that size."""
    svg = Svg(width, height)
    columns = legend_columns([entry.label for entry in entries], FONT, width)
    rows = -(-len(entries) // columns)
    entry_width = widest([entry.label for entry in entries], FONT) + LEGEND_ENTRY * FONT
    start = (width - columns * entry_width) / 2 + FONT  # half the column spacing
    svg.open("qms-legend")
    for place, entry in enumerate(entries):
        x = start + (place % columns) * entry_width
        y = height - (BELOW + 0.5 * LINE + (rows - 1 - place // columns) * ROW) * FONT
        sample(svg, entry, x, y)
        svg.text(x + (SAMPLE + TEXT_GAP) * FONT, y + MIDDLE * FONT, entry.label, FONT,
                 anchor="left")
    svg.close()
    return tuple(svg.parts), tuple(svg.defs.items())


def sample(svg: Svg, entry: Entry, x: float, y: float) -> None:
    """A legend entry's sample: a short line with its marker in the middle, or a box."""
    length = SAMPLE * FONT
    if entry.patch:
        box = (x, y - 0.35 * FONT, length, 0.7 * FONT)
        svg.rect(*box, f"fill:{entry.colour}")
        fill = svg.hatch(entry.hatch)
        if fill:
            svg.rect(*box, f"fill:{fill};stroke:{INK};stroke-width:0.4")
        return
    if entry.line:
        svg.path(f"M{num(x)} {num(y)}h{num(length)}", stroke(entry.colour, entry.width,
                                                            entry.line))
    if entry.marker:
        svg.open("qms-sample", marker_style(entry.colour, entry.hollow))
        svg.marks(entry.marker, entry.marker_size, [(x + length / 2, y)], hollow=entry.hollow)
        svg.close()


def marker_style(colour: str, hollow: bool = False, edge: float = 1.0) -> str:
    """The style of markers: filled with the colour, or outlined in it."""
    if hollow:
        return f"fill:none;stroke:{colour};stroke-width:{num(edge)}"
    return f"fill:{colour};stroke:{colour};stroke-width:{num(edge)}"


def axes_lines(svg: Svg, area: Plot, *, left: bool = True, right: bool = False,
               bottom: bool = True) -> None:
    """The plot's spines (left and bottom; right for a second scale)."""
    parts = []
    if left:
        parts.append(f"M{num(area.left)} {num(area.top)}V{num(area.bottom)}")
    if bottom:
        parts.append(f"M{num(area.left)} {num(area.bottom)}H{num(area.right)}")
    if right:
        parts.append(f"M{num(area.right)} {num(area.top)}V{num(area.bottom)}")
    svg.path("".join(parts), stroke(INK, SPINE))


def draw_y_axis(svg: Svg, area: Plot, values: Sequence[float], labels: Sequence[str], *,
                right: bool = False, grid: bool = True, show: bool = True) -> None:
    """Tick marks, labels and (faint) grid lines at values on the y axis."""
    places = [area.y.at(value) for value in values]
    if grid:
        left, right_end = num(area.left), num(area.right)
        svg.path("".join(f"M{left} {num(y)}H{right_end}" for y in places), GRID)
    edge, out = (area.right, TICK_LENGTH) if right else (area.left, -TICK_LENGTH)
    at_edge, tick = num(edge), num(out)
    svg.path("".join(f"M{at_edge} {num(y)}h{tick}" for y in places), stroke(INK, SPINE))
    if show:
        x = edge + (TICK if right else -TICK)
        for y, label in zip(places, labels, strict=True):
            svg.text(x, y + MIDDLE * FONT, label, FONT, anchor="left" if right else "right")


def draw_x_axis(svg: Svg, area: Plot, values: Sequence[float], labels: Sequence[str], *,
                turned: bool = False, grid: bool = False) -> None:
    """Tick marks, labels (turned when long or many) and grid lines at values on the x axis."""
    places = [area.x.at(value) for value in values]
    top, bottom = num(area.top), num(area.bottom)
    if grid:
        svg.path("".join(f"M{num(x)} {top}V{bottom}" for x in places), GRID)
    tick = num(TICK_LENGTH)
    svg.path("".join(f"M{num(x)} {bottom}v{tick}" for x in places), stroke(INK, SPINE))
    turn = TURN if turned else 0.0
    y = area.bottom + TICK + TOP * FONT * math.cos(math.radians(turn))
    for x, label in zip(places, labels, strict=True):
        svg.text(x, y, label, FONT, anchor="right" if turned else "center", turn=turn)


def axis_name_left(svg: Svg, x: float, top: float, bottom: float, name: str) -> None:
    """An upright axis' name, turned to read upwards, its top at x, centred from top to bottom."""
    svg.text(x + TOP * FONT, (top + bottom) / 2, name, FONT, turn=90)


def axis_name_below(svg: Svg, y: float, area: Plot, name: str) -> None:
    """The x axis' name centred below the plot, its top at y."""
    svg.text((area.left + area.right) / 2, y + TOP * FONT, name, FONT)


class Axis(NamedTuple):
    """One axis as drawn: its range, ticks (none yet for a numeric axis) and name."""

    low: float
    high: float
    values: Sequence[float] = ()
    labels: Sequence[str] = ()
    name: str = ""
    turned: bool = False
    numeric: bool = False
    integer: bool = False


def numeric(low: float, high: float, name: str = "", *, integer: bool = False) -> Axis:
    """A numeric axis over low..high; its round ticks are chosen once its length is known."""
    return Axis(low, high, name=name, numeric=True, integer=integer)


def single(chart: Chart, x: Axis, y: Axis, *, right: Sequence[str] = (),
           flip_y: bool = False) -> tuple[Plot, Axis, Axis]:
    """The one plot of a chart, sized to leave room for every label, and its axes with their
    ticks chosen."""
    x_labels = x.labels or (["0"] if x.numeric else [])
    below = chart.bottom + below_axis(x_labels, x.turned) + label_space(x.name, FONT)
    # a long legend (fifty sites) makes the chart taller rather than the plot vanish
    chart.svg.height = max(chart.svg.height, chart.top + SMALLEST_PLOT + below)
    width, height = chart.svg.width, chart.svg.height
    bottom = height - below
    if y.numeric:
        values, labels = y_ticks(y.low, y.high, bottom - chart.top, integer=y.integer)
        y = y._replace(values=values, labels=labels)
    left = EDGE + label_space(y.name, FONT) + beside_axis(y.labels)
    end = width - EDGE - beside_axis(right)
    if x.numeric:
        values, labels = x_ticks(x.low, x.high, end - left)
        x = x._replace(values=values, labels=labels)
    span = x.high - x.low or 1.0
    reach_left, reach_right = overhang(x.labels, [(value - x.low) / span for value in x.values],
                                       end - left, x.turned)
    area = plot(max(left, EDGE + reach_left), chart.top, min(end, width - EDGE - reach_right),
                bottom, (x.low, x.high), (y.low, y.high), flip_y=flip_y)
    return area, x, y


def draw_axes(svg: Svg, area: Plot, x: Axis, y: Axis, *, grid: bool = True) -> None:
    """Grid lines (across the numeric axis), ticks, tick labels and the axes' names."""
    draw_y_axis(svg, area, y.values, y.labels, grid=grid and not x.numeric)
    draw_x_axis(svg, area, x.values, x.labels, turned=x.turned, grid=grid and x.numeric)
    if y.name:
        axis_name_left(svg, EDGE, area.top, area.bottom, y.name)
    if x.name:
        reach = below_axis(x.labels or (["0"] if x.numeric else []), x.turned)
        axis_name_below(svg, area.bottom + reach + GAP, area, x.name)
