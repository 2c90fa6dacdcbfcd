"""XmR (process behaviour) charts: one measure's readings, and one small panel per site."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import NamedTuple, Protocol

from qms.manual.charts.canvas import (
    PALETTE,
    SIGNAL,
    Label,
    Translate,
    clean,
    finite,
    listing,
    no_data,
    number,
    plain,
    short,
    titled,
)
from qms.manual.charts.frame import (
    FONT,
    INCH,
    TOP,
    WIDE,
    Axis,
    Entry,
    Plot,
    axes_lines,
    axis_name_left,
    below_axis,
    beside_axis,
    draw_axes,
    draw_x_axis,
    draw_y_axis,
    marker_style,
    numeric,
    overhang,
    plot,
    single,
    y_ticks,
)
from qms.manual.charts.layout import EDGE, GAP, LINE, fitted, label_space
from qms.manual.charts.scales import data_range, tick_positions
from qms.manual.charts.svg import INK, Svg, num, spots, stroke

COMPARATOR_SIGNS = {">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<"}
PANEL_COLUMNS = 3
HEIGHT = 3.6 * INCH
PANEL_HEIGHT = 2.0 * INCH  # per row of small multiples
AROUND_PANELS = 0.8 * INCH  # the title above the rows and the legend below
PANEL_TITLE = 2.0  # points between a panel's title and its plot
READING = Entry("", PALETTE[0], width=1.2, marker="o", marker_size=3.5)
CENTRE = Entry("", INK, width=1.0)
LIMIT = Entry("", PALETTE[3], line=":", width=1.0)
TARGET = Entry("", PALETTE[2], line="--", width=1.2)
# a hollow diamond round the reading: seen without telling red from green
SIGNAL_MARK = Entry("", SIGNAL, line="", marker="D", marker_size=9.0, hollow=True)


class TargetLine(Protocol):
    """A target as the measurement library parses it (`>= 95`): comparator and value."""

    @property
    def comparator(self) -> str: ...

    @property
    def value(self) -> float: ...


class XmrSeries(NamedTuple):
    """One series of readings in time order, its centre line, limits and signalling readings."""

    points: Sequence[tuple[Label, float]]
    centre: float | None = None
    lower: float | None = None
    upper: float | None = None
    signals: Collection[int] = ()


def xmr_chart(points: Sequence[tuple[Label, float]], centre: float | None, lower: float | None,
              upper: float | None, target: TargetLine | None, signals: Collection[int],
              title: str, *, unit: str | None = None, translate: Translate = plain) -> str:
    """An XmR chart: the readings, centre line, natural process limits, target and signals."""
    series = XmrSeries(points, centre, lower, upper, signals)
    drawn = _readings(series)
    if not _drawable(drawn):
        return no_data(title, translate)
    chart = titled(title, WIDE, HEIGHT)
    chart.entries = _entries([series], target, translate)
    labels, places = _x_labels(series, 8)
    x = Axis(*data_range(range(len(points))), places, labels, turned=len(points) > 4)
    y = numeric(*data_range(_values(series, drawn, target)), short(clean(unit)) if unit else "")
    area, x, y = single(chart, x, y)
    draw_axes(chart.svg, area, x, y)
    _draw_series(chart.svg, area, series, drawn, target)
    axes_lines(chart.svg, area)
    return chart.finish(_describe(series, drawn, target, translate))


def small_multiples(panels: Mapping[str, XmrSeries], target: TargetLine | None, title: str, *,
                    unit: str | None = None, translate: Translate = plain) -> str:
    """One small XmR panel per site (in the order given) on one shared y scale."""
    readings = {site: _readings(series) for site, series in panels.items()}
    shown = {clean(site): (series, readings[site]) for site, series in panels.items()
             if _drawable(readings[site])}
    if not shown:
        return no_data(title, translate)
    rows = math.ceil(len(shown) / PANEL_COLUMNS)
    columns = min(len(shown), PANEL_COLUMNS)
    chart = titled(title, WIDE, AROUND_PANELS + PANEL_HEIGHT * rows)
    chart.entries = _entries([series for series, _ in shown.values()], target, translate)
    name = short(clean(unit)) if unit else ""
    y_range = data_range([value for series, drawn in shown.values()
                          for value in _values(series, drawn, target)])
    ticks = {site: _x_labels(series, 4) for site, (series, _) in shown.items()}
    below = max(below_axis(labels, len(shown[site][0].points) > 4)
                for site, (labels, _) in ticks.items())
    # each panel's title (the site) above it, apart from the labels of the row above
    heading = GAP + LINE * FONT + GAP + PANEL_TITLE
    cell_height = (chart.svg.height - chart.top - chart.bottom) / rows
    y_values, y_labels = y_ticks(*y_range, cell_height - heading - below)
    beside = beside_axis(y_labels)
    outer_left = EDGE + (0.02 * WIDE + label_space(name, FONT) if name else 0.0)
    cell_width = (WIDE - outer_left - EDGE) / columns
    for place, (site, (series, drawn)) in enumerate(shown.items()):
        row, column = divmod(place, columns)
        x, y = outer_left + column * cell_width, chart.top + row * cell_height
        labels, places = ticks[site]
        x_range = data_range(range(len(series.points)))
        shares = [(spot - x_range[0]) / (x_range[1] - x_range[0]) for spot in places]
        turned = len(series.points) > 4
        reach_left, reach_right = overhang(labels, shares, cell_width - beside - 2 * EDGE,
                                           turned)
        area = plot(x + max(beside, reach_left), y + heading,
                    x + cell_width - max(2 * EDGE, reach_right), y + cell_height - below,
                    x_range, y_range)
        draw_y_axis(chart.svg, area, y_values, y_labels, show=column == 0)
        _draw_series(chart.svg, area, series, drawn, target)
        draw_x_axis(chart.svg, area, places, labels, turned=turned)
        axes_lines(chart.svg, area)
        chart.svg.text((area.left + area.right) / 2, y + GAP + TOP * FONT,
                       fitted(site, area.right - area.left, FONT), FONT)
    if name:
        axis_name_left(chart.svg, EDGE + 0.02 * WIDE, chart.top,
                       chart.svg.height - chart.bottom, name)
    described = listing((f"{site}: {_describe(series, drawn, None, translate)}"
                         for site, (series, drawn) in shown.items()), translate)
    if target is not None:
        described = f"{_target_text(target, translate)}; {described}"
    return chart.finish(described)


class _Readings(NamedTuple):
    """A series' values, and whether every one of them can be drawn (most series: then no
    value is looked at again for a gap)."""

    values: list[float]
    whole: bool


def _readings(series: XmrSeries) -> _Readings:
    """The values of a series, checked for gaps once."""
    values = [value for _, value in series.points]
    try:
        # a NaN or an infinity makes the sum one too (an overflow only takes the long way)
        whole = math.isfinite(sum(values))
    except (TypeError, OverflowError):  # a gap given as None
        whole = False
    return _Readings(values, whole)


def _drawable(drawn: _Readings) -> bool:
    """Whether a series has at least one reading to draw."""
    if drawn.whole:
        return bool(drawn.values)
    return any(finite(value) for value in drawn.values)


def _marked(series: XmrSeries, shown: list[bool] | None = None) -> list[int]:
    """The signalling readings that can be drawn, each once (`shown`: which readings can)."""
    return sorted(i for i in set(series.signals) if 0 <= i < len(series.points) and (
        shown[i] if shown is not None else finite(series.points[i][1])))


def _values(series: XmrSeries, drawn: _Readings, target: TargetLine | None) -> list[float]:
    """Every value the chart must show: readings, centre line, limits and target."""
    lines = [series.centre, series.lower, series.upper, target.value if target else None]
    if drawn.whole:
        return [*map(float, drawn.values), *(float(value) for value in lines if finite(value))]
    return [float(value) for value in drawn.values + lines if finite(value)]


def _x_labels(series: XmrSeries, most: int) -> tuple[list[str], list[float]]:
    """At most `most` labels for the x axis (the dates), and where they stand."""
    places = tick_positions(len(series.points), most)
    return [short(clean(series.points[i][0]), 12) for i in places], [float(i) for i in places]


def _entries(shown: Collection[XmrSeries], target: TargetLine | None,
             translate: Translate) -> list[Entry]:
    """The legend: what any of the series draws."""
    entries = [READING._replace(label=translate("readings"))]
    if any(finite(series.centre) for series in shown):
        entries.append(CENTRE._replace(label=translate("centre line")))
    if any(finite(series.lower) or finite(series.upper) for series in shown):
        entries.append(LIMIT._replace(label=translate("natural process limits")))
    if target is not None and finite(target.value):
        entries.append(TARGET._replace(label=_target_text(target, translate)))
    if any(_marked(series) for series in shown):
        entries.append(SIGNAL_MARK._replace(label=translate("signal")))
    return entries


def _across(svg: Svg, area: Plot, name: str, value: float | None, entry: Entry) -> None:
    """A line across the plot at value, styled as its legend entry."""
    if finite(value):
        y = num(area.y.at(value))
        svg.open(name)
        svg.path(f"M{num(area.left)} {y}H{num(area.right)}",
                 stroke(entry.colour, entry.width, entry.line))
        svg.close()


def _draw_series(svg: Svg, area: Plot, series: XmrSeries, drawn: _Readings,
                 target: TargetLine | None) -> None:
    """The readings, the lines that judge them and the signal marks, in one plot."""
    values = drawn.values
    shown = [True] * len(values) if drawn.whole else [finite(value) for value in values]
    heights = area.y.each(values if drawn.whole else
                          [value if up else 0.0 for up, value in zip(shown, values, strict=True)])
    places: list[tuple[float, float] | None] = (
        list(zip(area.x.each(range(len(values))), heights, strict=True)) if drawn.whole else
        [(x, y) if up else None
         for x, y, up in zip(area.x.each(range(len(values))), heights, shown, strict=True)])
    svg.open("qms-readings")
    svg.dotted_line(spots(places), READING.colour, READING.width, READING.marker_size)
    svg.close()
    _across(svg, area, "qms-centre", series.centre, CENTRE)
    for limit in (series.upper, series.lower):
        _across(svg, area, "qms-limit", limit, LIMIT)
    if target is not None:
        _across(svg, area, "qms-target", target.value, TARGET)
    marked = [places[i] for i in _marked(series, shown)]
    if marked:
        svg.open("qms-signals", marker_style(SIGNAL, hollow=True, edge=1.5))
        svg.marks(SIGNAL_MARK.marker, SIGNAL_MARK.marker_size, [spot for spot in marked if spot],
                  hollow=True)
        svg.close()


def _target_text(target: TargetLine, translate: Translate) -> str:
    """'target ≥ 95'."""
    sign = COMPARATOR_SIGNS.get(target.comparator, clean(target.comparator))
    return translate("target {sign} {value}", sign=sign, value=number(target.value))


def _describe(series: XmrSeries, drawn: _Readings, target: TargetLine | None,
              translate: Translate) -> str:
    """What the chart shows, in words: range, latest, centre, limits, target and signals."""
    readings = series.points if drawn.whole else [
        (when, value) for when, value in series.points if finite(value)]
    parts = [translate("{count} readings from {first} to {last}, latest {latest}",
                       count=len(readings), first=clean(readings[0][0]),
                       last=clean(readings[-1][0]), latest=number(readings[-1][1]))]
    if finite(series.centre):
        parts.append(translate("centre line {centre}", centre=number(series.centre)))
    if finite(series.lower) and finite(series.upper):
        parts.append(translate("natural process limits {lower} to {upper}",
                               lower=number(series.lower), upper=number(series.upper)))
    if target is not None:
        parts.append(_target_text(target, translate))
    marked = sorted(i for i in set(series.signals) if 0 <= i < len(series.points))
    shown = [f"{clean(series.points[i][0])} {number(series.points[i][1])}" for i in marked]
    parts.append(translate("{count} signals", count=len(marked))
                 + (f": {', '.join(shown)}" if shown else ""))
    return "; ".join(parts)
