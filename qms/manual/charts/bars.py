"""Bar charts: a Pareto chart, grouped bars, and ages in buckets (CAPA ageing)."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from qms.manual.charts.canvas import (
    HATCHES,
    INK,
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

DEFAULT_AGE_EDGES = (30, 60, 90)
SHARE_TICKS = (0, 25, 50, 75, 100)
SHARE_TOP = 105  # room above 100 % for the last share's label


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
    names = [name for name, _, _ in ordered]
    shares = [share for _, _, share in ordered]

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        places = range(len(ordered))
        axes.bar(places, [count for _, count, _ in ordered], color=PALETTE[0],
                 label=translate("count"), gid="qms-bars")
        axes.set_ylabel(translate("count"))
        numbered(axes)
        # the share's 0–105 % scale laid over the counts' (a second axes cost as much again)
        low, high = axes.get_ylim()

        def scaled(share: float) -> float:
            return low + (high - low) * share / SHARE_TOP

        axes.plot(places, [scaled(share) for share in shares], color=PALETTE[1], marker="o",
                  markersize=4, label=translate("cumulative share"), gid="qms-cumulative")
        y_ticks(axes, [scaled(share) for share in SHARE_TICKS],
                [f"{share} %" for share in SHARE_TICKS], right=True, grid=False)
        axes.spines["right"].set_visible(True)
        for place, share in zip(places, shares, strict=True):
            axes.annotate(f"{share:.0f} %", (place, scaled(share)), xytext=(0, 5),
                          textcoords="offset points", ha="center", fontsize=7, gid="qms-share")
        label_ticks(axes, [short(name) for name in names], most=len(names))
        legend_below(figure, axes)

    described = listing((f"{name} {number(count)} ({share:.0f} %)" for name, count, share
                         in ordered), translate)
    return render(title, described, draw)


def grouped_bars(groups: Sequence[Label], series: Mapping[str, Sequence[float | None]],
                 title: str, *, y_label: str | None = None, translate: Translate = plain) -> str:
    """Bars side by side per group, one series each (expectation and perception per dimension)."""
    names = [clean(group) for group in groups]
    drawn = {clean(name): [as_float(value) for value in values[:len(names)]]
             for name, values in series.items()}
    if not names or not any(finite(value) for values in drawn.values() for value in values):
        return no_data(title, translate)
    width = 0.8 / len(drawn)

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        for index, (name, values) in enumerate(drawn.items()):
            offset = (index - (len(drawn) - 1) / 2) * width
            # hatches tell the series apart where colours do not
            axes.bar([place + offset for place in range(len(values))], values, width=width,
                     color=PALETTE[index % len(PALETTE)], edgecolor=INK, linewidth=0.4,
                     hatch=HATCHES[index % len(HATCHES)], label=short(name), gid="qms-bars")
        label_ticks(axes, [short(name) for name in names], most=len(names))
        axes.axhline(0, color=INK, linewidth=0.8)
        numbered(axes)
        if y_label:
            axes.set_ylabel(short(clean(y_label)))
        legend_below(figure, axes)

    described = listing((f"{group}: " + ", ".join(
        f"{name} {number(values[place]) if finite(values[place]) else '–'}"
        for name, values in drawn.items() if place < len(values))
        for place, group in enumerate(names)), translate)
    return render(title, described, draw)


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

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        bars = axes.bar(range(len(buckets)), [count for _, count in buckets], color=PALETTE[0],
                        gid="qms-bars")
        axes.bar_label(bars, fmt="%d")
        label_ticks(axes, [name for name, _ in buckets], most=len(buckets))
        axes.set_xlabel(translate("age in days"))
        axes.set_ylabel(translate("count"))
        numbered(axes, integer=True)  # no half a CAPA

    described = listing((translate("{bucket} days: {count}", bucket=name, count=count)
                         for name, count in buckets), translate)
    return render(title, described, draw, size=(6.0, 3.2))

