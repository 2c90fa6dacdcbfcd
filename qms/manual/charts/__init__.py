"""Static SVG charts for the manual, written at build time from plain data (numbers, dates, labels).

Each function returns the SVG as text; none reads a repository or the measurement library's
classes, so pages call them with what they already computed. With no data a chart says so
instead of failing the build.

The package imports its modules when a name is first asked for (`charts.xmr_chart`, or
`from qms.manual.charts import xmr_chart`): a build that draws no chart (one standard edited)
does not import them (16 ms). Pages hold the package (`from qms.manual import charts`) and
ask for a function where they draw.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qms.manual.charts.bars import (
        age_bars,
        age_buckets,
        grouped_bars,
        pareto_chart,
        pareto_order,
    )
    from qms.manual.charts.canvas import PALETTE, no_data
    from qms.manual.charts.plots import interval_chart, line_chart, quadrant_chart
    from qms.manual.charts.xmr import TargetLine, XmrSeries, small_multiples, xmr_chart

# Each name, and the module of the package it lives in.
_HOMES = {
    "age_bars": "bars", "age_buckets": "bars", "grouped_bars": "bars", "pareto_chart": "bars",
    "pareto_order": "bars", "PALETTE": "canvas", "no_data": "canvas",
    "interval_chart": "plots", "line_chart": "plots", "quadrant_chart": "plots",
    "TargetLine": "xmr", "XmrSeries": "xmr", "small_multiples": "xmr", "xmr_chart": "xmr",
}

__all__ = [
    "PALETTE", "TargetLine", "XmrSeries", "age_bars", "age_buckets", "grouped_bars",
    "interval_chart", "line_chart", "no_data", "pareto_chart", "pareto_order", "quadrant_chart",
    "small_multiples", "xmr_chart",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
