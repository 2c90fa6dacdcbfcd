"""KPI attainment and process behaviour: each measure's readings per site and period against its
target, and its XmR chart (Wheeler, Understanding Variation). docs/measurement.md defines each
figure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from operator import attrgetter
from typing import Any

from qms.base.errors import UsageError
from qms.format.models import Standard
from qms.format.project import Project
from qms.format.schema import did_you_mean
from qms.format.tables import KpiReading
from qms.measurement.periods import Period, period_of, within
from qms.measurement.targets import Target, parse_target

Row = dict[str, Any]

# The JSON keys, in order: a contract (README, "qms kpi").
KPI_KEYS = ("standard", "measure", "site", "period", "n", "mean", "last", "unit", "target",
            "on_target", "state", "share_on_target", "streak", "change", "centre", "lower_limit",
            "upper_limit", "mean_moving_range", "baseline", "provisional", "signals")
BASELINE_READINGS = 20  # Wheeler: limits from the first 20 or so values of a stable stretch
PROVISIONAL_UNDER = 8  # fewer baseline values than this give limits that are only provisional
SCALING_FACTOR = 2.66  # 3 / d2, d2 = 1.128 for moving ranges of two values (3 / 1.128 = 2.66)
RUN_LENGTH = 8  # this many values in a row on one side of the centre line are a signal
BEYOND = "beyond-limits"
RUN = "run-of-8"


@dataclass(frozen=True)
class KpiQuery:
    """What `qms kpi` reports on: filters, the period length and the inclusive range of days."""

    standard: str | None = None
    measure: str | None = None
    site: str | None = None
    period: Period = "month"
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Limits:
    """An XmR chart's centre line and natural process limits, and the baseline they rest on."""

    centre: float
    lower: float
    upper: float
    mean_moving_range: float
    baseline: int
    provisional: bool


def xmr_limits(values: Sequence[float], baseline: int = BASELINE_READINGS) -> Limits | None:
    """The limits of the values in time order (None under two values: no moving range)."""
    if len(values) < 2:
        return None
    base = list(values[:baseline])
    centre = pairwise_sum(base) / len(base)
    ranges = [abs(later - earlier) for earlier, later in zip(base, base[1:], strict=False)]
    mean_range = pairwise_sum(ranges) / len(ranges)
    spread = SCALING_FACTOR * mean_range
    return Limits(centre, centre - spread, centre + spread, mean_range, len(base),
                  len(base) < PROVISIONAL_UNDER)


def pairwise_sum(values: Sequence[float]) -> float:
    """The sum in numpy's order (pairwise: eight running sums in blocks of up to 128 values).

    Plain Python, not numpy: a baseline has 20 values, and importing numpy took longer than
    every chart of a 5,000-standard `qms kpi`. The order is numpy's own (2.x, `ndarray.sum`),
    so the figures are those to the last bit that the reports gave when numpy summed them.
    """
    count = len(values)
    if count < 8:
        total = 0.0
        for value in values:
            total += value
        return total
    if count <= 128:
        sums = list(values[:8])
        whole = count - count % 8
        for start in range(8, whole, 8):
            for lane in range(8):
                sums[lane] += values[start + lane]
        total = ((sums[0] + sums[1]) + (sums[2] + sums[3])) + ((sums[4] + sums[5])
                                                              + (sums[6] + sums[7]))
        for value in values[whole:]:
            total += value
        return total
    half = count // 2
    half -= half % 8
    return pairwise_sum(values[:half]) + pairwise_sum(values[half:])


def xmr_signals(values: Sequence[float], limits: Limits) -> list[list[str]]:
    """For each value in time order, the rules it signals by: beyond the limits, run of 8."""
    # Plain comparisons, not numpy: for a few dozen values per series the arrays cost more
    # than they save, and for floats the side of x - centre is the side of x (no underflow).
    lower, upper, centre = limits.lower, limits.upper, limits.centre
    found: list[list[str]] = [[BEYOND] if value > upper or value < lower else []
                              for value in values]
    # a value on the centre line is on neither side: it ends a run
    sides = [(value > centre) - (value < centre) for value in values]
    start = 0
    for side, run in groupby(sides):
        end = start + len(list(run))
        if side != 0 and end - start >= RUN_LENGTH:
            for member in range(start, end):
                found[member].append(RUN)
        start = end
    return found


def kpi_rows(project: Project, query: KpiQuery,
             readings: Sequence[KpiReading] | None = None) -> list[Row]:
    """One row per standard, measure, site and period (and one per measure without readings).

    `readings`, where a caller has them at hand, are the project's readings of the query's
    standard (the manual keeps them by measure): the others are not looked through."""
    _refuse_unknown(project, query)
    filtered = any(v is not None for v in (query.standard, query.measure, query.site,
                                           query.since, query.until))
    if readings is not None and query.standard is None:
        raise ValueError("readings are given for one standard's rows only")
    kpis = project.kpis if readings is None else readings
    if filtered:
        kpis = [r for r in kpis if _selected(r, query)]
    series: dict[tuple[str, str, str], list[KpiReading]] = defaultdict(list)
    for reading, key in zip(kpis, map(_SERIES, kpis), strict=True):
        series[key].append(reading)
    standards = (project.standards.values() if query.standard is None
                 else [project.standards[query.standard]])
    measures = {(s.id, m.id): m for s in standards for m in s.measures}
    targets = {key: parse_target(m.target) for key, m in measures.items()}
    # each day's period name, worked out once (100,000 readings fall on a few hundred days)
    period_names = {day: period_of(day, query.period) for day in set(map(_DAY, kpis))}
    rows: list[Row] = []
    for (standard_id, measure_id, site), readings in series.items():
        rows += _series_rows(standard_id, measure_id, site, measures[standard_id, measure_id].unit,
                             targets[standard_id, measure_id], readings, period_names)
    measured = {(s, m) for s, m, _ in series}
    rows += _no_data_rows(project.current_standards() if query.standard is None else
                          [s for s in standards if s.status != "retired"], measured, query)
    rows.sort(key=lambda r: (r["standard"], r["measure"], r["site"], r["period"] or ""))
    return rows


def _selected(reading: KpiReading, query: KpiQuery) -> bool:
    return ((query.standard is None or reading.standard == query.standard)
            and (query.measure is None or reading.measure == query.measure)
            and (query.site is None or reading.site == query.site)
            and within(reading.date, query.since, query.until))


def _refuse_unknown(project: Project, query: KpiQuery) -> None:
    if query.standard is not None and query.standard not in project.standards:
        raise UsageError(f"--standard: there is no standard {query.standard}"
                         f"{did_you_mean(query.standard, list(project.standards))}")
    if query.measure is None:
        return
    standards = ([project.standards[query.standard]] if query.standard is not None
                 else list(project.standards.values()))
    measures = sorted({m.id for s in standards for m in s.measures})
    if query.measure not in measures:
        where = f"{query.standard} has no measure" if query.standard else \
            "no standard has a measure"
        raise UsageError(f"--measure: {where} {query.measure}"
                         f"{did_you_mean(query.measure, measures)}")


_BY_TIME = attrgetter("date", "value")
_SERIES = attrgetter("standard", "measure", "site")
_DAY = attrgetter("date")
_VALUE = attrgetter("value")


def _series_rows(standard: str, measure: str, site: str, unit: str | None,
                 target: Target | None, readings: list[KpiReading],
                 period_names: dict[date, str]) -> list[Row]:
    # Readings of one day have no time order between them in the files: taking them by value
    # makes the result independent of the order of the rows.
    readings = sorted(readings, key=_BY_TIME)
    values = list(map(_VALUE, readings))
    limits = xmr_limits(values)
    rules = xmr_signals(values, limits) if limits else [[] for _ in values]
    # a series' rows share its limits (the same objects: table_rows words them once)
    centre, lower, upper, mean_range, baseline, provisional = (
        (limits.centre, limits.lower, limits.upper, limits.mean_moving_range, limits.baseline,
         limits.provisional) if limits else (None,) * 6)
    shown_target = str(target) if target else None
    names = list(map(period_names.__getitem__, map(_DAY, readings)))
    flagged = [i for i, found in enumerate(rules) if found]  # few: the signals of the series
    rows: list[Row] = []
    judged = on = streak = 0
    on_target: bool | None = None
    mean: float | None = None
    start = signal = 0
    for name, members in groupby(names):  # the readings of one period follow each other
        end = start + len(list(members))
        figures = values[start:end]
        before, was_on = mean, on_target
        mean = sum(figures) / len(figures)  # the arithmetic mean of the period's readings
        on_target = target.met(mean) if target else None
        if on_target is not None:  # (a series has a target in every period or in none)
            judged += 1
            on += on_target
            streak = streak + 1 if before is not None and was_on == on_target else 1
        signals = []
        while signal < len(flagged) and flagged[signal] < end:
            i = flagged[signal]
            signals.append({"date": readings[i].date.isoformat(), "value": values[i],
                            "rules": rules[i]})
            signal += 1
        rows.append({
            "standard": standard, "measure": measure, "site": site, "period": name,
            "n": len(figures), "mean": mean, "last": figures[-1], "unit": unit,
            "target": shown_target, "on_target": on_target, "state": _STATES[on_target],
            "share_on_target": on / judged if judged else None,
            "streak": streak if on_target is not None else None,
            "change": mean - before if before is not None else None, "signals": signals,
            "centre": centre, "lower_limit": lower, "upper_limit": upper,
            "mean_moving_range": mean_range, "baseline": baseline, "provisional": provisional,
        })
        start = end
    return rows


_STATES = {None: "no-target", True: "on-target", False: "off-target"}


def _no_data_rows(standards: Iterable[Standard], measured: set[tuple[str, str]],
                  query: KpiQuery) -> list[Row]:
    rows = []
    for standard in standards:
        if standard.type != "hard" or query.standard not in (None, standard.id):
            continue
        for measure in standard.measures:
            if query.measure in (None, measure.id) and (standard.id, measure.id) not in measured:
                target = parse_target(measure.target)
                row: Row = dict.fromkeys(KPI_KEYS)
                row.update(standard=standard.id, measure=measure.id, site=query.site or "", n=0,
                           unit=measure.unit, target=str(target) if target else None,
                           state="no-data", signals=[])
                rows.append(row)
    return rows


def off_target_now(rows: Iterable[Row]) -> list[Row]:
    """The latest period's row of each measure and site whose mean is off target."""
    latest: dict[tuple[str, str, str], Row] = {}
    for row in rows:
        if row["period"] is not None:
            key = (row["standard"], row["measure"], row["site"])
            if key not in latest or row["period"] > latest[key]["period"]:
                latest[key] = row
    return [row for _, row in sorted(latest.items()) if row["on_target"] is False]


# ---------------------------------------------------------------- flat rows for tables and CSV

TABLE_COLUMNS = ("standard", "measure", "site", "period", "n", "mean", "last", "target", "state",
                 "share", "streak", "change", "limits", "signals")


def flat_rows(rows: Iterable[Row]) -> list[Row]:
    """The rows with their signals as text (CSV, workbooks): every JSON key, one cell each."""
    return [{**row, "signals": signal_text(row["signals"])} for row in rows]


def table_rows(rows: Iterable[Row]) -> list[Row]:
    """The rows for a terminal table: rounded figures, the limits and the streak in words."""
    shown = []
    limits, last = "", (None, None, None)
    for row in rows:
        bounds = (row["lower_limit"], row["upper_limit"], row["provisional"])
        # a series' rows share their limits (the same objects): worded once per series
        if bounds[0] is not last[0] or bounds[1] is not last[1] or bounds[2] is not last[2]:
            limits, last = "", bounds
            if bounds[0] is not None:
                limits = f"{figure(bounds[0])} to {figure(bounds[1])}"
                limits += " (provisional)" if bounds[2] else ""
        streak, share, change = row["streak"], row["share_on_target"], row["change"]
        shown.append({
            "standard": row["standard"], "measure": row["measure"], "site": row["site"],
            "period": row["period"], "target": row["target"], "state": row["state"],
            "n": row["n"], "mean": figure(row["mean"]), "last": figure(row["last"]),
            "share": "" if share is None else f"{round(100 * share)} %",
            "streak": "" if streak is None else f"{streak} {'on' if row['on_target'] else 'off'}",
            "change": "" if change is None else f"{change:+.2f}".rstrip("0").rstrip("."),
            "limits": limits, "signals": signal_summary(row["signals"]) if row["signals"] else "",
        })
    return shown


def signal_text(signals: Sequence[Row]) -> str:
    """'2026-10-04 93.1 beyond-limits; ...': which readings signal, and by which rules."""
    return "; ".join(f"{s['date']} {figure(s['value'])} {'+'.join(s['rules'])}" for s in signals)


def signal_summary(signals: Sequence[Row]) -> str:
    """'beyond 2026-07-01 86.7; run-of-8 ×12': the readings beyond the limits, runs counted."""
    beyond = [f"{s['date']} {figure(s['value'])}" for s in signals if BEYOND in s["rules"]]
    runs = sum(1 for s in signals if RUN in s["rules"])
    parts = [f"beyond {', '.join(beyond)}"] if beyond else []
    return "; ".join(parts + ([f"run-of-8 ×{runs}"] if runs else []))


def figure(value: float | None) -> str:
    """A figure rounded for reading: two decimals (three significant digits under 1)."""
    if value is None:
        return ""
    if value == 0 or abs(value) >= 1:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"
