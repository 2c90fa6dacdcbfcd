"""Period names: ISO weeks at year ends, quarters, inclusive ranges."""

from __future__ import annotations

from datetime import date

from qms.measurement.periods import period_of, within


def test_iso_weeks_belong_to_the_year_of_their_thursday() -> None:
    # ISO 8601: 2026-12-31 (a Thursday) is in 2026-W53; 2027-01-01 is in it too.
    assert period_of(date(2026, 12, 31), "week") == "2026-W53"
    assert period_of(date(2027, 1, 1), "week") == "2026-W53"
    assert period_of(date(2027, 1, 4), "week") == "2027-W01"


def test_months_and_quarters_sort_in_time() -> None:
    days = [date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1), date(2026, 12, 31)]
    assert [period_of(d, "quarter") for d in days] == ["2026-Q1", "2026-Q1", "2026-Q2", "2026-Q4"]
    assert [period_of(d, "month") for d in days] == ["2026-01", "2026-03", "2026-04", "2026-12"]
    assert period_of(date(2026, 11, 30), "day") == "2026-11-30"


def test_ranges_include_both_ends() -> None:
    since, until = date(2026, 1, 1), date(2026, 1, 31)
    assert within(since, since, until) and within(until, since, until)
    assert not within(date(2026, 2, 1), since, until)
    assert within(date(1999, 1, 1), None, until) and within(date(2999, 1, 1), since, None)
