"""Static SVG charts for the manual, written at build time from plain data (numbers, dates, labels).

Each function returns the SVG as text; none reads a repository or the measurement library's
classes, so pages call them with what they already computed. With no data a chart says so
instead of failing the build.
"""

from qms.manual.charts.bars import age_bars, age_buckets, grouped_bars, pareto_chart, pareto_order
from qms.manual.charts.canvas import PALETTE, no_data
from qms.manual.charts.plots import interval_chart, line_chart, quadrant_chart
from qms.manual.charts.xmr import TargetLine, XmrSeries, small_multiples, xmr_chart

__all__ = [
    "PALETTE", "TargetLine", "XmrSeries", "age_bars", "age_buckets", "grouped_bars",
    "interval_chart", "line_chart", "no_data", "pareto_chart", "pareto_order", "quadrant_chart",
    "small_multiples", "xmr_chart",
]
