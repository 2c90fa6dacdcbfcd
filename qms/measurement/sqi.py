"""The service quality indicator (FedEx's SQI): weighted daily failure points per period,
normalised per unit of work where the files give the day's volume, and a Pareto of categories."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from qms.format.tables import SqiCount
from qms.measurement.periods import period_of, within
from qms.measurement.stats import rounded

SqiPeriod = Literal["day", "week", "month"]
SQI_PERIODS: tuple[SqiPeriod, ...] = ("day", "week", "month")


@dataclass
class CategoryFigures:
    """One failure category's count, weight and points (count × weight); shares over a total."""

    category: str
    count: int = 0
    weight: float = 0.0
    points: float = 0.0
    share: float | None = None  # of all points of the selection (Pareto)
    cumulative: float | None = None  # this and every heavier category's share


@dataclass
class Figures:
    """Counts, points and volume over some days (a period, or the whole selection)."""

    categories: dict[str, CategoryFigures] = field(default_factory=dict)
    days: set[tuple[str, date]] = field(default_factory=set)  # (file, day): a day's volume once
    volumes: dict[tuple[str, date], int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """All failures."""
        return sum(c.count for c in self.categories.values())

    @property
    def points(self) -> float:
        """All weighted failure points."""
        return sum(c.points for c in self.categories.values())

    @property
    def days_without_volume(self) -> int:
        """Days (per file) that name no volume: while any is left, the volume is unknown."""
        return len(self.days) - len(self.volumes)

    @property
    def volume(self) -> int | None:
        """The sum of the days' volumes, or None when any day lacks one."""
        return sum(self.volumes.values()) if self.days and not self.days_without_volume else None

    @property
    def index_percent(self) -> float | None:
        """Points per 100 units of work (points ÷ volume × 100), or None without a volume."""
        volume = self.volume
        return self.points / volume * 100 if volume else None

    @property
    def index_per_1000(self) -> float | None:
        """Points per 1,000 units of work, or None without a volume."""
        volume = self.volume
        return self.points / volume * 1000 if volume else None

    def add(self, row: SqiCount, weight: float) -> None:
        """Count one row of an SQI file."""
        figures = self.categories.setdefault(row.category, CategoryFigures(row.category,
                                                                           weight=weight))
        figures.count += row.count
        figures.points += row.count * weight
        day = (row.path, row.date)
        self.days.add(day)
        if row.volume is not None:
            self.volumes[day] = row.volume  # every row of a day names the same volume (check)


@dataclass
class SqiReport:
    """The SQI of a selection of days: per period, in total, and the Pareto of categories."""

    by: SqiPeriod
    periods: dict[str, Figures]
    total: Figures
    pareto: list[CategoryFigures]


def sqi_report(rows: Iterable[SqiCount], weights: Mapping[str, float], by: SqiPeriod = "month",
               since: date | None = None, until: date | None = None) -> SqiReport:
    """Sum the failure points of the days in range per period and category (qms.yaml weights)."""
    periods: dict[str, Figures] = {}
    total = Figures({c: CategoryFigures(c, weight=w) for c, w in weights.items()})
    for row in rows:
        if not within(row.date, since, until):
            continue
        weight = weights[row.category]  # load_valid refuses a category qms.yaml lacks
        periods.setdefault(period_of(row.date, by), Figures()).add(row, weight)
        total.add(row, weight)
    return SqiReport(by, dict(sorted(periods.items())), total, pareto(total))


def pareto(figures: Figures) -> list[CategoryFigures]:
    """Categories by points, heaviest first, each with its share and the cumulative share."""
    ranked = sorted(figures.categories.values(),
                    key=lambda c: (-c.points, -c.count, c.category))
    points, running = figures.points, 0.0
    for category in ranked:
        running += category.points
        category.share = category.points / points if points else None
        category.cumulative = running / points if points else None
    return ranked


PERIOD_COLUMNS = ("period", "category", "count", "weight", "points", "volume", "index_percent",
                  "per_1000", "days_without_volume")
PARETO_COLUMNS = ("category", "count", "weight", "points", "share", "cumulative")
ALL = "(all)"  # the period's total row; no category key can be this (keys are slugs)


def period_rows(report: SqiReport) -> list[dict[str, object]]:
    """Per period: a row per category, then the period's total with its volume and index."""
    rows: list[dict[str, object]] = []
    for name, figures in report.periods.items():
        for category in sorted(figures.categories.values(), key=lambda c: c.category):
            rows.append({"period": name, **_category(category)})
        rows.append({"period": name, "category": ALL, **_totals(figures)})
    return rows


def pareto_rows(report: SqiReport) -> list[dict[str, object]]:
    """The Pareto of the selection: categories by points with their share and cumulative share."""
    return [{"category": c.category, "count": c.count, "weight": plain_number(c.weight),
             "points": plain_number(c.points), "share": rounded(c.share),
             "cumulative": rounded(c.cumulative)} for c in report.pareto]


def report_json(report: SqiReport) -> dict[str, object]:
    """The JSON contract: the selection's totals, its Pareto categories, and the periods."""
    return {
        **_totals(report.total),
        "by": report.by,
        "categories": pareto_rows(report),
        "periods": [{"period": name, **_totals(figures),
                     "categories": [_category(c) for c in sorted(figures.categories.values(),
                                                                 key=lambda c: c.category)]}
                    for name, figures in report.periods.items()],
    }


def unavailable(report: SqiReport) -> list[str]:
    """Periods whose normalised index cannot be given, each saying why."""
    return [f"{name}: {figures.days_without_volume} day(s) without a volume"
            for name, figures in report.periods.items() if figures.days_without_volume]


def _category(figures: CategoryFigures) -> dict[str, object]:
    return {"category": figures.category, "count": figures.count,
            "weight": plain_number(figures.weight), "points": plain_number(figures.points)}


def _totals(figures: Figures) -> dict[str, object]:
    return {"count": figures.count, "points": plain_number(figures.points),
            "volume": figures.volume,
            "index_percent": rounded(figures.index_percent),
            "per_1000": rounded(figures.index_per_1000),
            "days_without_volume": figures.days_without_volume}


def plain_number(value: float) -> float | int:
    """A whole number as an int (points of whole weights), any other rounded to six places."""
    return int(value) if float(value).is_integer() else round(value, 6)


