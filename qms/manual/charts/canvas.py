"""Drawing one chart: matplotlib without pyplot, and the SVG made fit for the manual.

Every chart is a static SVG drawn at build time: no JavaScript, nothing from the internet, the
same bytes for the same data, text kept as text (selectable, searchable, Chinese shown with the
reader's fonts), readable in furo's light and dark themes, and scaled to the page.
"""

from __future__ import annotations

import io
import math
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from html import escape  # xml.sax.saxutils would load urllib (25 ms)
from typing import TYPE_CHECKING, Any, TypeGuard

from qms.base.safetext import visible
from qms.manual.charts.layout import fit
from qms.manual.charts.lettering import svg_texts
from qms.manual.charts.ticks import x_ticks

if TYPE_CHECKING:  # matplotlib is imported on the first chart: commands that draw none skip it
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Translate = Callable[..., str]
Label = str | date

# Okabe–Ito and Tableau hues that keep 3:1 contrast (WCAG's rule for graphics) against furo's
# white and its dark #131416 background; lines also differ by marker and bars by hatch, so no
# series is told apart by colour alone.
PALETTE = ("#4E79A7", "#D55E00", "#2E8B57", "#B07AA1", "#B8860B", "#9C755F")
MARKERS = ("o", "s", "^", "v", "P", "X")
LINE_STYLES = ("-", "--", "-.", ":", "-", "--")
HATCHES = ("", "//", "..", "xx", "\\\\", "--")
# Text and axes are drawn in this stand-in colour, which becomes `currentColor` in the SVG: an
# SVG inlined in a page takes the theme's text colour; a standalone one (an <img>) gets FALLBACK,
# a grey with 4.3:1 contrast on both backgrounds.
INK = "#010203"
FALLBACK_INK = "#7a7a7a"
SIGNAL = PALETTE[1]
# matplotlib measures and writes DejaVu Sans alone, so the layout (and the bytes) never depend on
# the fonts installed; the reader's browser falls back to these for Chinese
FONT_FAMILIES = ("'DejaVu Sans'", "'Noto Sans CJK SC'", "'Source Han Sans SC'", "'PingFang SC'",
                 "'Microsoft YaHei'", "sans-serif")

_STYLE: dict[Any, Any] = {  # matplotlib types its keys as a Literal of every name
    "svg.fonttype": "none",  # text stays <text>, not glyph outlines
    "svg.hashsalt": "qms",  # clip-path and marker ids from content, never random
    "text.parse_math": False,  # a site called "$5 store" is text, not mathtext
    "text.usetex": False,
    # matplotlib's own font, so the layout (and the bytes) do not depend on the fonts installed
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "axes.titlesize": 10,
    "figure.titlesize": 11,
    "text.color": INK,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "hatch.color": INK,
    "grid.color": INK,
    "grid.alpha": 0.2,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "axes.facecolor": "none",
    "figure.facecolor": "none",
}
_NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
_GLYPH_MISSING = r"Glyph \d+ .* missing from"  # CJK text: the reader's fonts draw it
# pyplot-free figures are safe in forked workers; rcParams are global, so one chart at a time
_DRAWING = threading.Lock()

LABEL_LENGTH = 48
DESCRIPTION_ITEMS = 24
_XML_UNSAFE = re.compile("[\ud800-\udfff\ufffe\uffff]")


def plain(text: str, **fields: object) -> str:
    """The English wording (the manual passes its translator instead)."""
    return text.format(**fields) if fields else text


def number(value: float) -> str:
    """A figure rounded as the measurement library shows it (loaded on first use, as it brings
    the models and numpy)."""
    from qms.measurement.kpi import figure

    return figure(value)


def clean(text: Label) -> str:
    """Repository text for a chart: one line, control characters visible, valid in XML."""
    if isinstance(text, date):
        return text.isoformat()
    flat = visible(" ".join(str(text).split()))
    return _XML_UNSAFE.sub("\ufffd", flat)  # XML cannot hold lone surrogates


def short(text: str, limit: int = LABEL_LENGTH) -> str:
    """Clean text cut to fit beside a chart (the description keeps it whole)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def finite(value: float | None) -> TypeGuard[float]:
    """Whether a value can be drawn (None and NaN are gaps)."""
    return value is not None and math.isfinite(value)


def as_float(value: float | None) -> float:
    """A value for matplotlib: a gap becomes NaN, which breaks the line there."""
    return float(value) if finite(value) else math.nan


def listing(items: Iterable[str], translate: Translate) -> str:
    """Items joined for a description, the long tail counted rather than listed."""
    shown = list(items)
    if len(shown) > DESCRIPTION_ITEMS:
        rest = len(shown) - DESCRIPTION_ITEMS
        shown = shown[:DESCRIPTION_ITEMS] + [translate("and {count} more", count=rest)]
    return "; ".join(shown)


def tick_positions(count: int, most: int = 8) -> list[int]:
    """At most `most` evenly spaced positions of count, counted back from the latest."""
    step = max(1, math.ceil(count / most))
    return list(range(count - 1, -1, -step))[::-1]


def label_ticks(axes: Axes, labels: Sequence[str], most: int = 8) -> None:
    """Categorical x ticks: a thinned-out subset of labels, turned when there are many."""
    positions = tick_positions(len(labels), most)
    x_ticks(axes, positions, [labels[i] for i in positions], turned=len(labels) > 4)


@contextmanager
def _drawing() -> Iterator[None]:
    """matplotlib's defaults with the manual's style, and CJK glyph warnings silenced."""
    import matplotlib as mpl

    with _DRAWING, mpl.rc_context(), warnings.catch_warnings():
        mpl.rcdefaults()  # a user's matplotlibrc must not change the bytes
        mpl.rcParams.update(_STYLE)
        warnings.filterwarnings("ignore", _GLYPH_MISSING, UserWarning)
        yield


def render(title: str, description: str, draw: Callable[[Figure], None],
           size: tuple[float, float] = (7.5, 3.6)) -> str:
    """The SVG of a figure that draw fills in, with title and description for screen readers."""
    with _drawing():
        from matplotlib.backends.backend_svg import FigureCanvasSVG
        from matplotlib.figure import Figure

        figure = Figure(figsize=size)
        FigureCanvasSVG(figure)
        draw(figure)
        figure.suptitle(short(clean(title), 100))
        fit(figure)
        lettered = svg_texts(figure, f"font-family: 'DejaVu Sans'; fill: {INK}")
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA, transparent=True)
    return _finish(buffer.getvalue(), lettered, clean(title), clean(description))


def no_data(title: str, translate: Translate = plain) -> str:
    """A chart that says there is nothing to draw yet (rather than failing the build)."""
    from qms.manual.charts.frame import FONT, MIDDLE, Chart

    message = translate("No data yet.")
    chart = Chart(short(clean(title), 100), 540.0, 86.4)
    chart.svg.open("qms-no-data")
    chart.svg.text(270.0, 43.2 + MIDDLE * FONT, message, FONT)
    chart.svg.close()
    return chart.finish(message)


_PROLOGUE = re.compile(r"\A.*?(?=<svg)", re.S)  # XML declaration and DOCTYPE (an http URL)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SIZE = re.compile(r'<svg([^>]*?) width="[^"]*" height="[^"]*"')
_AUTO_ID = re.compile(r'<g id="(?!qms-)[^"]*"')
_OUR_ID = re.compile(r'<g id="(qms-[a-z-]+)"')
_GLOBAL_STYLE = "<style type=\"text/css\">*{"
_FONT_FAMILY = re.compile(r"font-family: ?[^;\"]*")
# matplotlib before 3.9 writes the `font` shorthand; later ones write size and family apart
_FONT_SHORTHAND = re.compile(r"font: ?([\d.]+px) ([^;\"]*)")


def _finish(svg: str, lettered: str, title: str, description: str) -> str:
    """matplotlib's SVG, with the texts written beside it, as an element that can stand alone or
    be inlined in a page."""
    svg = _COMMENT.sub("", _PROLOGUE.sub("", svg, count=1))
    end = svg.rindex("</svg>")
    svg = f"{svg[:end]}{lettered}\n{svg[end:]}" if lettered else svg
    # scale to the column; the viewBox keeps the proportions
    svg = _SIZE.sub(r'<svg\1 width="100%" class="qms-chart" role="img"', svg, count=1)
    # ids matplotlib numbers per figure would clash when two charts share a page; ours become
    # classes, which may repeat
    svg = _OUR_ID.sub(r'<g class="\1"', _AUTO_ID.sub("<g", svg))
    svg = svg.replace(INK, "currentColor")
    svg = _FONT_SHORTHAND.sub(r"font-size: \1; font-family: \2", svg)
    svg = _FONT_FAMILY.sub("font-family: " + ", ".join(FONT_FAMILIES), svg)
    # matplotlib's `*{...}` rule would restyle every SVG icon of an inlining page
    svg = svg.replace(_GLOBAL_STYLE, f"<style type=\"text/css\">svg.qms-chart:root{{color: "
                                     f"{FALLBACK_INK}}}\n.qms-chart *{{", 1)
    opening = svg.index(">", svg.index("<svg")) + 1
    heading = (f"\n <title>{escape(title, quote=False)}</title>"
               f"\n <desc>{escape(description, quote=False)}</desc>")
    return svg[:opening] + heading + svg[opening:]
