"""The legend below a chart, drawn as one sample and one text per entry.

matplotlib's legend packs its entries in nested boxes it measures again on every draw (40 % of
a chart's time once the ticks were cheap); these entries sit on a grid sized from their texts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qms.manual.charts.layout import LEGEND, LEGEND_ENTRY, LINE, legend_columns, widest

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.transforms import Transform

SAMPLE = 2.0  # ems a sample line or patch takes, as in matplotlib's legends
TEXT_GAP = 0.8  # ems between a sample and its text
ROW = LINE + 0.5  # ems from one row to the next
BELOW = 1.3  # ems between the last row and the figure's edge


def legend_below(figure: Figure, *sources: Axes) -> None:
    """The labelled lines and bars of the sources, in rows below the plot, centred."""
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties

    entries: list[tuple[Artist, str]] = []
    for axes in sources:
        handles, labels = axes.get_legend_handles_labels()
        entries += zip(handles, labels, strict=True)
    if not entries:
        return
    size = float(FontProperties(size=mpl.rcParams["legend.fontsize"]).get_size_in_points())
    width = float(figure.get_size_inches()[0]) * 72
    labels = [label for _, label in entries]
    columns = legend_columns(labels, size, width)
    rows = -(-len(entries) // columns)
    entry = widest(labels, size) + LEGEND_ENTRY * size
    start = (width - columns * entry) / 2 + size  # half the column spacing of 2 ems
    in_points = _points(figure)
    for place, (handle, label) in enumerate(entries):
        x = start + (place % columns) * entry
        y = (BELOW + 0.5 * LINE + (rows - 1 - place // columns) * ROW) * size
        _sample(figure, handle, x, y, size, in_points)
        figure.text(x + (SAMPLE + TEXT_GAP) * size, y, label, transform=in_points, ha="left",
                    va="center_baseline", fontsize=size, gid=LEGEND,
                    visible=False)  # lettering.py writes it


def _points(figure: Figure) -> Transform:
    """Figure coordinates in points from the lower left corner."""
    from matplotlib.transforms import Affine2D

    return Affine2D().scale(1 / 72) + figure.dpi_scale_trans


def _sample(figure: Figure, handle: Artist, x: float, y: float, size: float,
            in_points: Transform) -> None:
    """A short line (with its marker in the middle) or a patch styled as the handle."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    length = SAMPLE * size
    patches = getattr(handle, "patches", None)  # bars come as a container of patches
    if patches:
        handle = patches[0]
    if isinstance(handle, Patch):
        box = Rectangle((x, y - 0.35 * size), length, 0.7 * size)
        box.update_from(handle)
        sample: Artist = box
    elif isinstance(handle, Line2D):
        line = Line2D([x, x + length / 2, x + length], [y, y, y])
        line.update_from(handle)
        line.set_markevery([1])
        sample = line
    else:
        return
    sample.set_transform(in_points)
    sample.set_clip_on(False)
    figure.add_artist(sample)
