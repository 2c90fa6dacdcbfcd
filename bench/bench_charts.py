"""Time and size of each kind of manual chart, drawn from fixed data (issue 12's chart budget).

    .venv/bin/python bench/bench_charts.py [--repeat N]

Prints, per chart function, the CPU milliseconds per chart (best of three batches of N) and the
bytes of its SVG. The data: a year of weekly readings (52) per measure, six sites, eight Pareto
categories, twelve periods, five SERVQUAL dimensions, 22 items, four age buckets.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta

from qms.manual import charts


class Target:
    """A target as the measurement library parses it (`>= 95`)."""

    comparator = ">="
    value = 95.0


def cases() -> dict[str, Callable[[int], str]]:
    """Each chart function with its fixed data; the argument varies the title."""
    points = [(date(2026, 1, 5) + timedelta(days=7 * i), 95 + (i * 37 % 11) / 3)
              for i in range(52)]
    sites = {f"Site {k}": charts.XmrSeries(points, 96.0, 92.0, 101.0, [3]) for k in range(6)}
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    return {
        "xmr_chart": lambda i: charts.xmr_chart(points, 96.0, 92.0, 101.0, Target(), [3, 9],
                                                f"Measure {i}"),
        "small_multiples": lambda i: charts.small_multiples(sites, Target(), f"Sites {i}"),
        "pareto_chart": lambda i: charts.pareto_chart(
            [f"category {k}" for k in range(8)], [40, 25, 10, 5, 3, 2, 1, 1], f"Pareto {i}"),
        "line_chart": lambda i: charts.line_chart(
            months, {"A": [80.0 + m for m in range(12)], "B": [70.0 + m for m in range(12)]},
            f"Lines {i}"),
        "grouped_bars": lambda i: charts.grouped_bars(
            ["tangibles", "reliability", "responsiveness", "assurance", "empathy"],
            {"expectation": [6.1, 6.5, 6.2, 6.0, 5.9], "perception": [5.5, 5.8, 5.1, 5.7, 5.2]},
            f"Bars {i}"),
        "interval_chart": lambda i: charts.interval_chart(
            [f"T{k}" for k in range(22)], [-0.5 + k / 40 for k in range(22)],
            [-0.9 + k / 40 for k in range(22)], [-0.1 + k / 40 for k in range(22)],
            f"Items {i}"),
        "quadrant_chart": lambda i: charts.quadrant_chart(
            [(f"T{k}", k / 22, 4 + k / 10) for k in range(22)], 0.5, 5.0, f"Grid {i}"),
        "age_bars": lambda i: charts.age_bars([3, 45, 61, 120, 7, 33], f"Ages {i}"),
        "no_data": lambda i: charts.no_data(f"Empty {i}"),
    }


def main() -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    repeat = parser.parse_args().repeat
    print("| chart | ms per chart | bytes |\n| --- | ---: | ---: |")
    for name, draw in cases().items():
        size = len(draw(0).encode())  # the first draw also loads what the chart needs
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            for i in range(repeat):
                draw(i)
            best = min(best, (time.process_time() - start) / repeat)
        print(f"| {name} | {1000 * best:.2f} | {size:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
