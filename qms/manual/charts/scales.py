"""Data ranges, their mapping to points on the page, and round tick values with their labels.

The tick choice is matplotlib's (MaxNLocator with steps 1, 2, 2.5, 5, 10 and as many ticks as
the axis' length leaves room for), written out so the charts need neither matplotlib nor numpy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import NamedTuple

MARGIN = 0.05  # share of the data's span left free at each end, as matplotlib's autoscaling
STEPS = (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0)  # its extended staircase
MOST_BINS = 9
MOST_DECIMALS = 6
MINUS = "\u2212"  # the typographic minus


class Scale(NamedTuple):
    """Data from low to high drawn from start to end (points; end < start points upwards)."""

    low: float
    high: float
    start: float
    end: float

    def at(self, value: float) -> float:
        """Where a value stands, in points."""
        if self.high == self.low:
            return (self.start + self.end) / 2
        return self.start + (value - self.low) * (self.end - self.start) / (self.high - self.low)

    def each(self, values: Iterable[float]) -> list[float]:
        """Where each value stands, as `at` works it out (a series of a year of readings per
        site maps thousands of values: the scale's own figures are taken once)."""
        if self.high == self.low:
            return [(self.start + self.end) / 2 for _ in values]
        start, low, length, span = self.start, self.low, self.end - self.start, self.high - self.low
        return [start + (value - low) * length / span for value in values]


def data_range(values: Iterable[float], *, floor: float | None = None,
               margin: float = MARGIN) -> tuple[float, float]:
    """The range of the values with a margin at each end (none below `floor`, where bars stand
    on zero); a single value gets room round it."""
    finite = list(values)
    try:  # a NaN or an infinity makes the sum one too: most data has none to drop
        whole = math.isfinite(sum(finite))
    except OverflowError:
        whole = False
    if not whole:
        finite = [value for value in finite if math.isfinite(value)]
    if floor is not None:
        finite.append(floor)
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if high - low < 1e-12 * max(abs(low), abs(high), 1.0):
        pad = abs(low) * MARGIN if low else MARGIN
        low, high = low - pad, high + pad
    span = high - low
    return (low if floor is not None and low >= floor else low - margin * span,
            high + margin * span)


def _scale(low: float, high: float, bins: int) -> tuple[float, float]:
    """A power of ten near the tick step, and an offset for values far from zero."""
    span = abs(high - low)
    middle = (high + low) / 2
    offset = 0.0 if abs(middle) / span < 100 else math.copysign(
        10 ** (math.log10(abs(middle)) // 1), middle)
    return 10 ** (math.log10(span / bins) // 1), offset


def nice_ticks(low: float, high: float, length: float, *, per_tick: float,
               integer: bool = False) -> list[float]:
    """Round tick values within low..high on an axis `length` points long that wants
    `per_tick` points per tick (matplotlib: twice the label size upright, three times across)."""
    low, high = sorted((low, high))
    if not high - low > 0:
        return [low]
    bins = max(1, min(MOST_BINS, int(length // per_tick)))
    scale, offset = _scale(low, high, bins)
    start, stop = low - offset, high - offset
    steps = [step * scale for step in STEPS]
    if integer:
        steps = [step for step in steps if step < 1 or abs(step - round(step)) < 0.001]
    raw = (stop - start) / bins
    largest = next((place for place, step in enumerate(steps) if step >= raw), len(steps) - 1)
    ticks: list[float] = []
    for step in reversed(steps[:largest + 1]):
        if integer and math.floor(stop) - math.ceil(start) >= 1:
            step = max(1.0, step)
        base = (start // step) * step
        first = _edge(start - base, step, offset, below=True)
        last = _edge(stop - base, step, offset, below=False)
        ticks = [index * step + base for index in range(first, last + 1)]
        if sum(start <= tick <= stop for tick in ticks) >= 2:
            break
    slack = 1e-9 * (high - low)
    return [tick + offset for tick in ticks if low - slack <= tick + offset <= high + slack]


def _edge(value: float, step: float, offset: float, *, below: bool) -> int:
    """The largest n with n × step ≤ value (below), or the smallest with n × step ≥ value,
    forgiving floating-point error."""
    whole, rest = divmod(value, step)
    tolerance = min(0.4999, max(1e-10, 10 ** (math.log10(abs(offset) / step) - 12))) \
        if offset else 1e-10
    if below:
        return int(whole) + (1 if abs(rest / step - 1) < tolerance else 0)
    return int(whole) + (0 if abs(rest / step) < tolerance else 1)


def tick_text(value: float, decimals: int) -> str:
    """A tick value with a fixed number of decimals and a true minus sign."""
    text = f"{value:.{decimals}f}"
    if text.lstrip("-").strip("0.") == "":
        return text.lstrip("-")  # no "−0"
    return text.replace("-", MINUS)


def tick_texts(values: Sequence[float]) -> list[str]:
    """Tick values with the fewest decimals that show every one of them exactly."""
    decimals = next((places for places in range(MOST_DECIMALS)
                     if all(math.isclose(round(value, places), value, abs_tol=1e-9)
                            for value in values)), MOST_DECIMALS)
    return [tick_text(value, decimals) for value in values]


def tick_positions(count: int, most: int = 8) -> list[int]:
    """At most `most` evenly spaced positions of count, counted back from the latest."""
    step = max(1, math.ceil(count / most))
    return list(range(count - 1, -1, -step))[::-1]
