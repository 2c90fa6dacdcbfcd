"""Bar charts: a Pareto chart, grouped bars, and ages in buckets (CAPA ageing)."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from qms.manual.charts.canvas import (
    HATCHES,
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
    FONT,
    INCH,
    WIDE,
    Axis,
    Entry,
    Plot,
    axes_lines,
    draw_axes,
    draw_y_axis,
    marker_style,
    numeric,
    single,
)
from qms.manual.charts.scales import data_range, tick_positions
from qms.manual.charts.svg import INK, Svg, num, polyline, stroke

DEFAULT_AGE_EDGES = (30, 60, 90)
SHARE_TICKS = (0, 25, 50, 75, 100)
SHARE_TOP = 105  # room above 100 % for the last share's label
BAR = 0.8  # a bar's (or a group of bars') width, in category steps
HEIGHT = 3.6 * INCH
SHARE_FONT = 7.0


def category_axis(names: Sequence[str], most: int | None = None) -> Axis:
    """A categorical x axis of bars: at most `most` of the names shown, turned when many."""
    places = tick_positions(len(names), most or len(names))
    return Axis(*data_range([-BAR / 2, len(names) - 1 + BAR / 2]), [float(i) for i in places],
                [names[i] for i in places], turned=len(names) > 4)


def bars(svg: Svg, area: Plot, name: str, places: Sequence[float], values: Sequence[float],
         width: float, colour: str, hatch: str = "", edge: bool = False) -> None:
    """Bars of `width` category steps centred on places, standing on zero (NaN: none)."""
    base = area.y.at(0.0)
    pattern = svg.hatch(hatch)
    outline = f";stroke:{INK};stroke-width:0.4" if edge else ""
    svg.open(name)
    for place, value in zip(places, values, strict=True):
        if not finite(value):
            continue
        left, right = area.x.at(place - width / 2), area.x.at(place + width / 2)
        box = (left, base, right - left, area.y.at(value) - base)
        svg.rect(*box, f"fill:{colour}{outline}")
        if pattern:
            svg.rect(*box, f"fill:{pattern}")
    svg.close()


def zero_line(svg: Svg, area: Plot) -> None:
    """A line across at zero, where bars stand."""
    y = num(area.y.at(0.0))
    svg.path(f"M{num(area.left)} {y}H{num(area.right)}", stroke(INK, 0.8))


def pareto_order(categories: Sequence[Label], counts: Sequence[float]
                 ) -> list[tuple[str, float, float]]:
    """(category, count, cumulative share in %) largest first, ties in the order given."""
    kept = [(clean(name), float(count)) for name, count in zip(categories, counts, strict=False)
            if finite(count) and count > 0]
    kept.sort(key=lambda item: -item[1])  # a stable sort keeps ties in input order
    total = sum(count for _, count in kept)
    ordered, running = [], 0.0
    for name, count in kept:
        running += count
        ordered.append((name, count, 100.0 * running / total))
    if ordered:  # rounding must not leave the line at 99.99999 %
        name, count, _ = ordered[-1]
        ordered[-1] = (name, count, 100.0)
    return ordered


def pareto_chart(categories: Sequence[Label], counts: Sequence[float], title: str, *,
                 translate: Translate = plain) -> str:
    """Bars in descending order with the cumulative share on a second scale (0–100 %)."""
    ordered = pareto_order(categories, counts)
    if not ordered:
        return no_data(title, translate)
    chart = titled(title, WIDE, HEIGHT)
    line = Entry(translate("cumulative share"), PALETTE[1], marker="o", marker_size=4.0)
    chart.entries = [Entry(translate("count"), PALETTE[0], line="", patch=True), line]
    share_labels = [f"{share} %" for share in SHARE_TICKS]
    area, x, y = single(chart, category_axis([short(name) for name, _, _ in ordered]),
                        numeric(*data_range([count for _, count, _ in ordered], floor=0.0),
                                translate("count")), right=share_labels)

    def scaled(share: float) -> float:  # the share's 0–105 % scale laid over the counts'
        return y.low + (y.high - y.low) * share / SHARE_TOP

    draw_axes(chart.svg, area, x, y)
    draw_y_axis(chart.svg, area, [scaled(share) for share in SHARE_TICKS], share_labels,
                right=True, grid=False)
    places = [float(i) for i in range(len(ordered))]
    bars(chart.svg, area, "qms-bars", places, [count for _, count, _ in ordered], BAR,
         PALETTE[0])
    points = [(area.x.at(place), area.y.at(scaled(share)))
              for place, (_, _, share) in zip(places, ordered, strict=True)]
    chart.svg.open("qms-cumulative")
    chart.svg.path(polyline(points), stroke(line.colour, line.width))
    chart.svg.open("qms-dots", marker_style(line.colour))
    chart.svg.marks("o", line.marker_size, points)
    chart.svg.close()
    chart.svg.close()
    chart.svg.open("qms-share")
    for (px, py), (_, _, share) in zip(points, ordered, strict=True):
        chart.svg.text(px, py - 5.0, f"{share:.0f} %", SHARE_FONT)
    chart.svg.close()
    axes_lines(chart.svg, area, right=True)
    return chart.finish(listing((f"{name} {number(count)} ({share:.0f} %)"
                                 for name, count, share in ordered), translate))


def grouped_bars(groups: Sequence[Label], series: Mapping[str, Sequence[float | None]],
                 title: str, *, y_label: str | None = None, translate: Translate = plain) -> str:
    """Bars side by side per group, one series each (expectation and perception per dimension)."""
    names = [clean(group) for group in groups]
    drawn = {clean(name): [as_float(value) for value in values[:len(names)]]
             for name, values in series.items()}
    if not names or not any(finite(value) for values in drawn.values() for value in values):
        return no_data(title, translate)
    chart = titled(title, WIDE, HEIGHT)
    # hatches tell the series apart where colours do not
    chart.entries = [Entry(short(name), PALETTE[index % len(PALETTE)], line="", patch=True,
                           hatch=HATCHES[index % len(HATCHES)])
                     for index, name in enumerate(drawn)]
    values = [value for row in drawn.values() for value in row]
    area, x, y = single(chart, category_axis([short(name) for name in names]),
                        numeric(*data_range(values, floor=0.0),
                                short(clean(y_label)) if y_label else ""))
    draw_axes(chart.svg, area, x, y)
    width = BAR / len(drawn)
    for index, (entry, row) in enumerate(zip(chart.entries, drawn.values(), strict=True)):
        offset = (index - (len(drawn) - 1) / 2) * width
        bars(chart.svg, area, "qms-bars", [place + offset for place in range(len(row))], row,
             width, entry.colour, entry.hatch, edge=True)
    zero_line(chart.svg, area)
    axes_lines(chart.svg, area)
    described = listing((f"{group}: " + ", ".join(
        f"{name} {number(row[place]) if finite(row[place]) else '–'}"
        for name, row in drawn.items() if place < len(row))
        for place, group in enumerate(names)), translate)
    return chart.finish(described)


def age_buckets(ages: Sequence[float], edges: Sequence[int] = DEFAULT_AGE_EDGES
                ) -> list[tuple[str, int]]:
    """('0–30', n), ('31–60', n), ..., ('> 90', n): how many ages fall in each bucket of days."""
    bounds = sorted(set(edges))
    names = [f"0–{bounds[0]}" if bounds else "0+"]
    names += [f"{low + 1}–{high}" for low, high in zip(bounds, bounds[1:], strict=False)]
    names += [f"> {bounds[-1]}"] if bounds else []
    counts = [0] * len(names)
    for age in ages:
        if finite(age):
            counts[bisect.bisect_left(bounds, age)] += 1  # an age on an edge is in the lower one
    return list(zip(names, counts, strict=True))


def age_bars(ages: Sequence[float], title: str, *, edges: Sequence[int] = DEFAULT_AGE_EDGES,
             translate: Translate = plain) -> str:
    """How many things (open CAPAs) have been open how long, in buckets of days."""
    buckets = age_buckets(ages, edges)
    if not any(count for _, count in buckets):
        return no_data(title, translate)
    chart = titled(title, 6.0 * INCH, 3.2 * INCH)
    counts = [float(count) for _, count in buckets]
    names = [name for name, _ in buckets]
    area, x, y = single(chart, category_axis(names)._replace(name=translate("age in days")),
                        numeric(*data_range(counts, floor=0.0), translate("count"),
                                integer=True))  # no half a CAPA
    draw_axes(chart.svg, area, x, y)
    places = [float(i) for i in range(len(buckets))]
    bars(chart.svg, area, "qms-bars", places, counts, BAR, PALETTE[0])
    chart.svg.open("qms-bar-labels")
    for place, (_, count) in zip(places, buckets, strict=True):
        chart.svg.text(area.x.at(place), area.y.at(count) - 3.0, str(count), FONT)
    chart.svg.close()
    axes_lines(chart.svg, area)
    return chart.finish(listing((translate("{bucket} days: {count}", bucket=name, count=count)
                                 for name, count in buckets), translate))
