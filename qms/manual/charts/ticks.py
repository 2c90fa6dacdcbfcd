"""Tick labels, tick marks and grid lines drawn as a few plain artists.

matplotlib's own ticks are five artists each, laid out again on every draw: they took 40 % of
a chart's time. Here an axis is its labels (hidden texts the margins are sized from and
qms/manual/charts/lettering.py writes), one line of tick marks and one collection of grid lines.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from qms.manual.charts.layout import LINE, RIGHT_TICK, X_TICK, Y_TICK, text_width

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.text import Text
    from matplotlib.transforms import Transform

TICK_LENGTH = 3.5  # points, as matplotlib draws them
TICK_PAD = 3.5
LABEL_PAD = 4.0  # points between the tick labels and the axis' name
MOST_DECIMALS = 6
MINUS = "\u2212"  # the typographic minus matplotlib uses on axes


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


def nice_ticks(axis: Axis, low: float, high: float, *, integer: bool = False) -> list[float]:
    """Round tick values within low..high, as many as matplotlib's automatic ticks would be."""
    from matplotlib.ticker import MaxNLocator

    locator = MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=integer)
    locator.set_axis(axis)  # "auto": as many as the axis' length leaves room for
    span = sorted((low, high))
    return [float(value) for value in locator.tick_values(*span)
            if span[0] - 1e-9 * abs(span[1] - span[0]) <= value
            <= span[1] + 1e-9 * abs(span[1] - span[0])]


def _along(axes: Axes, vertical: bool) -> Transform:
    """Data coordinates along the axis, axes coordinates across it."""
    from matplotlib.transforms import blended_transform_factory

    if vertical:
        return blended_transform_factory(axes.transAxes, axes.transData)
    return blended_transform_factory(axes.transData, axes.transAxes)


def _shifted(axes: Axes, transform: Transform, x: float, y: float) -> Transform:
    """The transform moved by x, y points."""
    from matplotlib.transforms import ScaledTranslation

    figure = axes.get_figure()
    assert figure is not None  # every axes here belongs to a figure
    return transform + ScaledTranslation(x / 72, y / 72, figure.dpi_scale_trans)


def x_ticks(axes: Axes, positions: Sequence[float], labels: Sequence[str], *,
            turned: bool = False, grid: bool = False) -> list[Text]:
    """Labels below the x axis at positions (turned 30° when long or many), marks and grid."""
    import matplotlib as mpl

    axes.set_xticks([])
    along = _along(axes, vertical=False)
    if positions:
        axes.plot(positions, [0.0] * len(positions), transform=along, linestyle="none",
                  marker=3, markersize=TICK_LENGTH, markeredgewidth=0.8,
                  color=mpl.rcParams["xtick.color"], clip_on=False)  # 3 is matplotlib's TICKDOWN
    if grid:
        _grid(axes, positions, vertical=False)
    place = _shifted(axes, along, 0, -(TICK_LENGTH + TICK_PAD))
    shown = [axes.text(position, 0, label, transform=place, ha="right" if turned else "center",
                       va="top", rotation=30 if turned else 0, gid=X_TICK, visible=False)
             for position, label in zip(positions, labels, strict=True)]
    reach = max((_reach_down(text) for text in shown), default=0.0)
    axes.xaxis.labelpad = LABEL_PAD + TICK_LENGTH + TICK_PAD + reach
    return shown


def y_ticks(axes: Axes, positions: Sequence[float], labels: Sequence[str], *,
            right: bool = False, grid: bool = True, show: bool = True) -> list[Text]:
    """Labels beside the y axis at positions (left, or right for a second scale), marks and grid."""
    import matplotlib as mpl

    axes.set_yticks([])
    along = _along(axes, vertical=True)
    edge = 1.0 if right else 0.0
    if positions:
        axes.plot([edge] * len(positions), positions, transform=along, linestyle="none",
                  marker=1 if right else 0, markersize=TICK_LENGTH, markeredgewidth=0.8,
                  color=mpl.rcParams["ytick.color"], clip_on=False)  # TICKRIGHT, TICKLEFT
    if grid:
        _grid(axes, positions, vertical=True)
    if not show:
        return []
    away = TICK_LENGTH + TICK_PAD
    place = _shifted(axes, along, away if right else -away, 0)
    shown = [axes.text(edge, position, label, transform=place, ha="left" if right else "right",
                       va="center_baseline", gid=RIGHT_TICK if right else Y_TICK,
                       visible=False)
             for position, label in zip(positions, labels, strict=True)]
    axes.yaxis.labelpad = LABEL_PAD + away + max((text_width(text.get_text(), text.get_fontsize())
                                     for text in shown), default=0.0)
    return shown


def numbered(axes: Axes, *, vertical: bool = True, integer: bool = False, right: bool = False,
             grid: bool = True, show: bool = True,
             text: Callable[[Sequence[float]], list[str]] = tick_texts) -> None:
    """Round ticks over the axis' limits as they stand once everything is plotted."""
    low, high = axes.get_ylim() if vertical else axes.get_xlim()
    values = nice_ticks(axes.yaxis if vertical else axes.xaxis, low, high, integer=integer)
    if vertical:
        y_ticks(axes, values, text(values), right=right, grid=grid, show=show)
    else:
        x_ticks(axes, values, text(values), grid=grid)
        axes.set_xlim(low, high)  # the tick marks must not widen the limits
    if vertical:
        axes.set_ylim(low, high)


def _grid(axes: Axes, positions: Sequence[float], vertical: bool) -> None:
    """Faint lines across the plot at positions, in one collection."""
    import matplotlib as mpl
    from matplotlib.collections import LineCollection

    if vertical:
        segments = [[(0.0, position), (1.0, position)] for position in positions]
    else:
        segments = [[(position, 0.0), (position, 1.0)] for position in positions]
    axes.add_collection(LineCollection(
        segments, transform=_along(axes, vertical), colors=mpl.rcParams["grid.color"],
        alpha=mpl.rcParams["grid.alpha"], linewidths=mpl.rcParams["grid.linewidth"],
        zorder=0.5), autolim=False)


def _reach_down(text: Text) -> float:
    """Points a label below the x axis takes downwards, turned by its rotation."""
    turn = math.radians(text.get_rotation())
    size = float(text.get_fontsize())
    return (abs(text_width(text.get_text(), size) * math.sin(turn))
            + abs(LINE * size * math.cos(turn)))
