"""Line charts over periods, estimates with confidence intervals, and the importance–performance
grid."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from qms.manual.charts.canvas import (
    INK,
    LINE_STYLES,
    MARKERS,
    PALETTE,
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
from qms.manual.charts.ticks import numbered, y_ticks

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Martilla and James's names for the four quadrants: (importance high?, performance high?)
QUADRANTS = {
    (False, True): "Possible overkill", (True, True): "Keep up the good work",
    (False, False): "Low priority", (True, False): "Concentrate here",
}


def line_chart(periods: Sequence[Label], series: Mapping[str, Sequence[float | None]],
               title: str, *, y_label: str | None = None,
               translate: Translate = plain) -> str:
    """One line per series over the periods; None leaves a gap (the SQI index, compliance)."""
    names = [clean(period) for period in periods]
    drawn = {clean(name): [as_float(value) for value in values[:len(names)]]
             for name, values in series.items()}
    if not names or not any(finite(value) for values in drawn.values() for value in values):
        return no_data(title, translate)

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        for index, (name, values) in enumerate(drawn.items()):
            # marker and dash differ per series too, so colour is never the only difference
            axes.plot(range(len(values)), values, color=PALETTE[index % len(PALETTE)],
                      marker=MARKERS[index % len(MARKERS)],
                      linestyle=LINE_STYLES[index % len(LINE_STYLES)], markersize=4,
                      linewidth=1.3, label=short(name), gid="qms-line")
        label_ticks(axes, [short(name, 16) for name in names])
        numbered(axes)
        if y_label:
            axes.set_ylabel(short(clean(y_label)))
        if len(drawn) > 1:
            legend_below(figure, axes)

    def latest(values: Sequence[float]) -> str:
        found = [(names[i], value) for i, value in enumerate(values) if finite(value)]
        if not found:
            return translate("no data")
        return translate("{first} {start} to {last} {end}", first=found[0][0],
                         start=number(found[0][1]), last=found[-1][0], end=number(found[-1][1]))

    described = listing((f"{name}: {latest(values)}" for name, values in drawn.items()),
                        translate)
    return render(title, described, draw)


def interval_chart(labels: Sequence[Label], estimates: Sequence[float | None],
                   lows: Sequence[float | None], highs: Sequence[float | None], title: str, *,
                   x_label: str | None = None, translate: Translate = plain) -> str:
    """Horizontal estimates with their confidence intervals around a zero line (item gaps)."""
    rows = [(clean(label), as_float(estimate), as_float(low), as_float(high))
            for label, estimate, low, high in zip(labels, estimates, lows, highs, strict=False)
            if finite(estimate)]
    if not rows:
        return no_data(title, translate)

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        places = range(len(rows))
        estimates_drawn = [estimate for _, estimate, _, _ in rows]
        # an interval that is not known is drawn as none, not as a zero-width one
        below = [estimate - low if finite(low) else 0.0 for _, estimate, low, _ in rows]
        above = [high - estimate if finite(high) else 0.0 for _, estimate, _, high in rows]
        axes.errorbar(estimates_drawn, places, xerr=[below, above], fmt="o",
                      color=PALETTE[0], ecolor=PALETTE[0], elinewidth=1.4, capsize=3,
                      markersize=4, gid="qms-intervals")
        axes.axvline(0, color=INK, linewidth=0.9, gid="qms-zero")
        y_ticks(axes, list(places), [short(label) for label, _, _, _ in rows], grid=False)
        axes.invert_yaxis()  # the first item on top, as in the table beside it
        numbered(axes, vertical=False)
        if x_label:
            axes.set_xlabel(short(clean(x_label)))

    def interval(low: float, high: float) -> str:
        if finite(low) and finite(high):
            return f" ({number(low)} {translate('to')} {number(high)})"
        return ""

    described = listing((f"{label} {number(estimate)}{interval(low, high)}"
                         for label, estimate, low, high in rows), translate)
    return render(title, described, draw, size=(7.5, 1.2 + 0.28 * len(rows)))


def quadrant_chart(points: Sequence[tuple[Label, float, float]], x_split: float,
                   y_split: float, title: str, *, translate: Translate = plain) -> str:
    """The importance–performance grid: each point labelled, the quadrants named."""
    kept = [(clean(label), float(x), float(y)) for label, x, y in points
            if finite(x) and finite(y)]
    if not kept or not (finite(x_split) and finite(y_split)):
        return no_data(title, translate)

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        axes.scatter([x for _, x, _ in kept], [y for _, _, y in kept], color=PALETTE[0], s=22,
                     zorder=3, gid="qms-points")
        for label, x, y in kept:
            axes.annotate(short(label, 24), (x, y), xytext=(4, 3), textcoords="offset points",
                          fontsize=7)
        axes.axvline(x_split, color=INK, linewidth=0.9)
        axes.axhline(y_split, color=INK, linewidth=0.9)
        axes.margins(0.15)  # room for the labels of the outermost points
        numbered(axes, vertical=False, grid=False)
        numbered(axes, grid=False)
        corners = {(False, True): (0.02, 0.98, "left", "top"),
                   (True, True): (0.98, 0.98, "right", "top"),
                   (False, False): (0.02, 0.02, "left", "bottom"),
                   (True, False): (0.98, 0.02, "right", "bottom")}
        for key, (x, y, across, up) in corners.items():
            axes.text(x, y, translate(QUADRANTS[key]), transform=axes.transAxes, ha=across,
                      va=up, fontsize=8, fontstyle="italic", alpha=0.8, gid="qms-quadrant")
        axes.set_xlabel(translate("importance"))
        axes.set_ylabel(translate("performance"))

    def quadrant(x: float, y: float) -> str:
        return translate(QUADRANTS[(x > x_split, y > y_split)])

    described = listing((f"{label}: {translate('importance')} {number(x)}, "
                         f"{translate('performance')} {number(y)}, {quadrant(x, y)}"
                         for label, x, y in kept), translate)
    return render(title, described, draw, size=(6.5, 5.0))
