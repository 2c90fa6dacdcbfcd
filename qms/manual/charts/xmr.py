"""XmR (process behaviour) charts: one measure's readings, and one small panel per site."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol

from qms.manual.charts.canvas import (
    INK,
    PALETTE,
    SIGNAL,
    Label,
    Translate,
    as_float,
    clean,
    finite,
    label_ticks,
    listing,
    no_data,
    number,
    plain,
    render,
    short,
)
from qms.manual.charts.legend import legend_below
from qms.manual.charts.ticks import numbered

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

COMPARATOR_SIGNS = {">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<"}
PANEL_COLUMNS = 3


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
    if not _drawable(series):
        return no_data(title, translate)

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        _draw_series(axes, series, target, translate)
        numbered(axes)
        if unit:
            axes.set_ylabel(short(clean(unit)))
        legend_below(figure, axes)

    return render(title, _describe(series, target, translate), draw)


def small_multiples(panels: Mapping[str, XmrSeries], target: TargetLine | None, title: str, *,
                    unit: str | None = None, translate: Translate = plain) -> str:
    """One small XmR panel per site (in the order given) on one shared y scale."""
    shown = {site: series for site, series in panels.items() if _drawable(series)}
    if not shown:
        return no_data(title, translate)
    rows = math.ceil(len(shown) / PANEL_COLUMNS)
    columns = min(len(shown), PANEL_COLUMNS)

    def draw(figure: Figure) -> None:
        spec = figure.add_gridspec(rows, columns)
        first: Axes | None = None
        # only as many panels as sites: an empty one costs as much to make as a full one
        for place, (site, series) in enumerate(shown.items()):
            axes = figure.add_subplot(spec[place // columns, place % columns], sharey=first)
            first = first or axes
            _draw_series(axes, series, target, translate, ticks=4)
            axes.set_title(short(clean(site)), fontsize=9)
        # the shared scale is known once every panel is drawn; the first column shows it
        for place, axes in enumerate(figure.axes):
            numbered(axes, show=place % columns == 0)
        if unit:
            figure.supylabel(short(clean(unit)), fontsize=9)
        legend_below(figure, figure.axes[0])

    described = listing((f"{clean(site)}: {_describe(series, None, translate)}"
                         for site, series in shown.items()), translate)
    if target is not None:
        described = f"{_target_text(target, translate)}; {described}"
    return render(title, described, draw, size=(7.5, 0.8 + 2.0 * rows))


def _drawable(series: XmrSeries) -> bool:
    """Whether a series has at least one reading to draw."""
    return any(finite(value) for _, value in series.points)


def _draw_series(axes: Axes, series: XmrSeries, target: TargetLine | None,
                 translate: Translate, ticks: int = 8) -> None:
    """The readings, the lines that judge them and the signal marks, on one axes."""
    values = [as_float(value) for _, value in series.points]
    places = range(len(values))
    axes.plot(places, values, color=PALETTE[0], marker="o", markersize=3.5, linewidth=1.2,
              label=translate("readings"), gid="qms-readings")
    if finite(series.centre):
        axes.axhline(series.centre, color=INK, linewidth=1, label=translate("centre line"),
                     gid="qms-centre")
    limit_label = translate("natural process limits")
    for limit in (series.upper, series.lower):
        if finite(limit):
            axes.axhline(limit, color=PALETTE[3], linewidth=1, linestyle=":", label=limit_label,
                         gid="qms-limit")
            limit_label = "_"  # one legend entry for both limits
    if target is not None and finite(target.value):
        axes.axhline(target.value, color=PALETTE[2], linewidth=1.2, linestyle="--",
                     label=_target_text(target, translate), gid="qms-target")
    marked = sorted(i for i in set(series.signals) if 0 <= i < len(values) and finite(values[i]))
    if marked:
        # a hollow diamond round the reading: seen without telling red from green
        axes.plot(marked, [values[i] for i in marked], linestyle="none", marker="D",
                  markersize=9, markerfacecolor="none", markeredgecolor=SIGNAL,
                  markeredgewidth=1.5, label=translate("signal"), gid="qms-signals")
    label_ticks(axes, [short(clean(when), 12) for when, _ in series.points], most=ticks)


def _target_text(target: TargetLine, translate: Translate) -> str:
    """'target ≥ 95'."""
    sign = COMPARATOR_SIGNS.get(target.comparator, clean(target.comparator))
    return translate("target {sign} {value}", sign=sign, value=number(target.value))


def _describe(series: XmrSeries, target: TargetLine | None, translate: Translate) -> str:
    """What the chart shows, in words: range, latest, centre, limits, target and signals."""
    readings = [(clean(when), value) for when, value in series.points if finite(value)]
    parts = [translate("{count} readings from {first} to {last}, latest {latest}",
                       count=len(readings), first=readings[0][0], last=readings[-1][0],
                       latest=number(readings[-1][1]))]
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
