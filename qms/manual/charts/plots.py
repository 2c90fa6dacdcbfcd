"""Line charts over periods, estimates with confidence intervals, and the importance–performance
grid."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from qms.manual.charts.canvas import (
    LINE_STYLES,
    MARKERS,
    PALETTE,
    Label,
    Translate,
    as_float,
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
    INCH,
    TOP,
    WIDE,
    Axis,
    Entry,
    axes_lines,
    draw_axes,
    marker_style,
    numeric,
    single,
)
from qms.manual.charts.layout import EDGE, text_width
from qms.manual.charts.scales import data_range, tick_positions
from qms.manual.charts.svg import INK, num, polyline, stroke

HEIGHT = 3.6 * INCH
ROW = 0.28 * INCH  # an item of the interval chart
LABEL_FONT = 7.0  # a point's label in the grid
QUADRANT_FONT = 8.0
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
    chart = titled(title, WIDE, HEIGHT)
    # marker and dash differ per series too, so colour is never the only difference (and past
    # the sixth series the dashes shift, so the seventh is not drawn as the first)
    lines = [Entry(short(name), PALETTE[index % len(PALETTE)],
                   line=LINE_STYLES[(index + index // len(PALETTE)) % len(LINE_STYLES)],
                   width=1.3,
                   marker=MARKERS[index % len(MARKERS)], marker_size=4.0)
             for index, name in enumerate(drawn)]
    if len(drawn) > 1:
        chart.entries = lines
    places = tick_positions(len(names))
    x = Axis(*data_range(range(len(names))), [float(i) for i in places],
             [short(names[i], 16) for i in places], turned=len(names) > 4)
    values = [value for row in drawn.values() for value in row]
    area, x, y = single(chart, x, numeric(*data_range(values),
                                          short(clean(y_label)) if y_label else ""))
    draw_axes(chart.svg, area, x, y)
    for entry, row in zip(lines, drawn.values(), strict=True):
        points = [(area.x.at(i), area.y.at(value)) if finite(value) else None
                  for i, value in enumerate(row)]
        chart.svg.open("qms-line")
        chart.svg.path(polyline(points), stroke(entry.colour, entry.width, entry.line))
        chart.svg.open("qms-dots", marker_style(entry.colour))
        chart.svg.marks(entry.marker, entry.marker_size, [point for point in points if point])
        chart.svg.close()
        chart.svg.close()
    axes_lines(chart.svg, area)

    def latest(values: Sequence[float]) -> str:
        found = [(names[i], value) for i, value in enumerate(values) if finite(value)]
        if not found:
            return translate("no data")
        return translate("{first} {start} to {last} {end}", first=found[0][0],
                         start=number(found[0][1]), last=found[-1][0], end=number(found[-1][1]))

    return chart.finish(listing((f"{name}: {latest(values)}" for name, values in drawn.items()),
                                translate))


def interval_chart(labels: Sequence[Label], estimates: Sequence[float | None],
                   lows: Sequence[float | None], highs: Sequence[float | None], title: str, *,
                   x_label: str | None = None, translate: Translate = plain) -> str:
    """Horizontal estimates with their confidence intervals around a zero line (item gaps)."""
    rows = [(clean(label), as_float(estimate), as_float(low), as_float(high))
            for label, estimate, low, high in zip(labels, estimates, lows, highs, strict=False)
            if finite(estimate)]
    if not rows:
        return no_data(title, translate)
    chart = titled(title, WIDE, 1.2 * INCH + ROW * len(rows))
    reach = [value for _, estimate, low, high in rows for value in (estimate, low, high)]
    y = Axis(*data_range(range(len(rows))), [float(i) for i in range(len(rows))],
             [short(label) for label, _, _, _ in rows])
    # the first item on top, as in the table beside it
    area, x, y = single(chart, numeric(*data_range([*reach, 0.0]),
                                       short(clean(x_label)) if x_label else ""), y,
                        flip_y=True)
    draw_axes(chart.svg, area, x, y)
    svg = chart.svg
    svg.open("qms-zero")
    svg.path(f"M{num(area.x.at(0.0))} {num(area.top)}V{num(area.bottom)}", stroke(INK, 0.9))
    svg.close()
    svg.open("qms-intervals")
    parts = []  # an interval that is not known is drawn as none, not as a zero-width one
    for place, (_, estimate, low, high) in enumerate(rows):
        middle = area.y.at(place)
        for end in (low, high):
            if finite(end):
                parts.append(f"M{num(area.x.at(estimate))} {num(middle)}"
                             f"H{num(area.x.at(end))}m0 -3v6")
    svg.path("".join(parts), stroke(PALETTE[0], 1.4))
    svg.open("qms-dots", marker_style(PALETTE[0]))
    svg.marks("o", 4.0, [(area.x.at(estimate), area.y.at(place))
                         for place, (_, estimate, _, _) in enumerate(rows)])
    svg.close()
    svg.close()
    axes_lines(svg, area)

    def interval(low: float, high: float) -> str:
        if finite(low) and finite(high):
            return f" ({number(low)} {translate('to')} {number(high)})"
        return ""

    return chart.finish(listing((f"{label} {number(estimate)}{interval(low, high)}"
                                 for label, estimate, low, high in rows), translate))


def quadrant_chart(points: Sequence[tuple[Label, float, float]], x_split: float,
                   y_split: float, title: str, *, translate: Translate = plain) -> str:
    """The importance–performance grid: each point labelled, the quadrants named."""
    kept = [(clean(label), float(x), float(y)) for label, x, y in points
            if finite(x) and finite(y)]
    if not kept or not (finite(x_split) and finite(y_split)):
        return no_data(title, translate)
    chart = titled(title, 6.5 * INCH, 5.0 * INCH)
    # a wide margin leaves room for the labels of the outermost points
    x_range = data_range([*(x for _, x, _ in kept), x_split], margin=0.15)
    y_range = data_range([*(y for _, _, y in kept), y_split], margin=0.15)
    area, x, y = single(chart, numeric(*x_range, translate("importance")),
                        numeric(*y_range, translate("performance")))
    svg = chart.svg
    draw_axes(svg, area, x, y, grid=False)
    svg.path(f"M{num(area.x.at(x_split))} {num(area.top)}V{num(area.bottom)}"
             f"M{num(area.left)} {num(area.y.at(y_split))}H{num(area.right)}", stroke(INK, 0.9))
    spots = [(area.x.at(px), area.y.at(py)) for _, px, py in kept]
    svg.open("qms-points", marker_style(PALETTE[0], edge=0.0))
    svg.marks("o", 22 ** 0.5, spots, edge=0.0)  # matplotlib's s=22: the marker's area in pt²
    svg.close()
    svg.open("qms-point-labels")
    for (label, _, _), (px, py) in zip(kept, spots, strict=True):
        shown = short(label, 24)
        # a label that would run off the chart's right edge stands left of its point
        if px + 4.0 + text_width(shown, LABEL_FONT) > svg.width - EDGE:
            svg.text(px - 4.0, py - 3.0, shown, LABEL_FONT, anchor="right")
        else:
            svg.text(px + 4.0, py - 3.0, shown, LABEL_FONT, anchor="left")
    svg.close()
    inset_x = 0.02 * (area.right - area.left)
    inset_y = 0.02 * (area.bottom - area.top)
    svg.open("qms-quadrant")
    for (right, high), name in QUADRANTS.items():
        svg.text(area.right - inset_x if right else area.left + inset_x,
                 area.top + inset_y + TOP * QUADRANT_FONT if high
                 else area.bottom - inset_y - 0.24 * QUADRANT_FONT,
                 translate(name), QUADRANT_FONT, anchor="right" if right else "left",
                 extra="font-style:italic;fill-opacity:0.8")
    svg.close()
    axes_lines(svg, area)

    def quadrant(x: float, y: float) -> str:
        return translate(QUADRANTS[(x > x_split, y > y_split)])

    return chart.finish(listing((f"{label}: {translate('importance')} {number(x)}, "
                                 f"{translate('performance')} {number(y)}, {quadrant(x, y)}"
                                 for label, x, y in kept), translate))
