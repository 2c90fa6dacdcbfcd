"""What every chart shares: the palette, repository text made fit for a chart, numbers as the
measurement library shows them, descriptions, and the 'no data' chart.

Every chart is a static SVG written at build time (charts/svg.py): no JavaScript, nothing from
the internet, the same bytes for the same data, text kept as text, readable in furo's light and
dark themes, and scaled to the page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import TypeGuard

from qms.base.safetext import visible
from qms.manual.charts.frame import FONT, INCH, MIDDLE, WIDE, Chart

Translate = Callable[..., str]
Label = str | date

# Okabe–Ito and Tableau hues that keep 3:1 contrast (WCAG's rule for graphics) against furo's
# white and its dark #131416 background; lines also differ by marker and bars by hatch, so no
# series is told apart by colour alone.
PALETTE = ("#4E79A7", "#D55E00", "#2E8B57", "#B07AA1", "#B8860B", "#9C755F")
MARKERS = ("o", "s", "^", "v", "P", "X")
LINE_STYLES = ("-", "--", "-.", ":", "-", "--")
HATCHES = ("", "//", "..", "xx", "\\\\", "--")
SIGNAL = PALETTE[1]

LABEL_LENGTH = 48
TITLE_LENGTH = 100
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
    """A value to draw: a gap becomes NaN, which breaks the line there."""
    return float(value) if finite(value) else math.nan


def listing(items: Iterable[str], translate: Translate) -> str:
    """Items joined for a description, the long tail counted rather than listed."""
    shown = list(items)
    if len(shown) > DESCRIPTION_ITEMS:
        rest = len(shown) - DESCRIPTION_ITEMS
        shown = shown[:DESCRIPTION_ITEMS] + [translate("and {count} more", count=rest)]
    return "; ".join(shown)


def titled(title: str, width: float, height: float) -> Chart:
    """An empty chart of width × height points under the (cleaned, shortened) title."""
    return Chart(short(clean(title), TITLE_LENGTH), width, height)


def no_data(title: str, translate: Translate = plain) -> str:
    """A chart that says there is nothing to draw yet (rather than failing the build)."""
    message = translate("No data yet.")
    chart = titled(title, WIDE, 1.2 * INCH)
    chart.svg.open("qms-no-data")
    chart.svg.text(WIDE / 2, 0.6 * INCH + MIDDLE * FONT, message, FONT)
    chart.svg.close()
    return chart.finish(message)
