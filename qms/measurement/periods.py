"""Periods a date falls in (day, ISO week, month, quarter), named so that they sort in time."""

from __future__ import annotations

from datetime import date
from typing import Literal

Period = Literal["day", "week", "month", "quarter"]
PERIODS: tuple[Period, ...] = ("day", "week", "month", "quarter")


def period_of(day: date, period: Period) -> str:
    """The name of the period holding day: 2026-11-30, 2026-W49 (ISO week), 2026-11, 2026-Q4."""
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()  # ISO 8601: the week's year can differ from the day's
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def within(day: date, since: date | None, until: date | None) -> bool:
    """Whether day lies in the inclusive range (an open end is no limit)."""
    return (since is None or day >= since) and (until is None or day <= until)
