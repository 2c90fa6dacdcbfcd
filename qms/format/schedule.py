"""Dates that fall due: month arithmetic and when a standard's next review is due."""

from __future__ import annotations

import calendar
import functools
from datetime import date

from qms.format.project import Project


@functools.lru_cache(maxsize=4096)  # every build works out 5,000 standards' reviews from a
def add_months(day: date, months: int) -> date:  # few hundred days and a few intervals
    """The same day `months` later (the last day of the month where it is shorter).

    Past 9999-12-31, the last day a date can be, the answer is that day: nothing falls due
    before it.
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if year > date.max.year:
        return date.max
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_days(day: date, days: int) -> date:
    """The day `days` later, or 9999-12-31 if that is later than any date can be."""
    return date.fromordinal(min(day.toordinal() + days, date.max.toordinal()))


def review_due(project: Project, standard_id: str) -> date | None:
    """When a standard's next review falls due, if it has been reviewed (or approved) before."""
    standard = project.standards[standard_id]
    review = standard.review
    last = (review.last_reviewed if review else None) or (
        standard.approval.on if standard.approval else None
    )
    if last is None:
        return None
    interval = (review.interval_months if review else None) or (
        project.config.review.default_interval_months
    )
    return add_months(last, interval)
