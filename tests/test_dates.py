"""Dates near the end of the calendar: every date sum stops at 9999-12-31 instead of crashing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from qms.format.schedule import add_days, add_months

TEL_001 = Path("standards") / "telephone" / "TEL-001.yaml"


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(9999, 6, 1), 12, date.max),
    (date(9998, 12, 31), 12, date(9999, 12, 31)),
    (date(9999, 1, 31), 1, date(9999, 2, 28)),
    (date(2026, 1, 1), 120_000, date.max),
])
def test_months_past_the_last_date_end_on_it(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(("start", "days", "expected"), [
    (date.max, 30, date.max),
    (date(9999, 12, 1), 30, date(9999, 12, 31)),
    (date(9999, 12, 1), 31, date.max),
    (date(2026, 11, 23), 30, date(2026, 12, 23)),
])
def test_days_past_the_last_date_end_on_it(start: date, days: int, expected: date) -> None:
    assert add_days(start, days) == expected


def test_a_review_due_after_9999_is_no_crash(sample_repo: Path,
                                              run: Callable[..., object]) -> None:
    path = sample_repo / TEL_001
    text = path.read_text(encoding="utf-8")
    assert "  last_reviewed: 2026-01-19\n" in text
    path.write_text(text.replace("last_reviewed: 2026-01-19", "last_reviewed: 9999-06-01"),
                    encoding="utf-8")
    checked = run("check", str(sample_repo))
    assert checked.exit_code == 0, checked.output
    assert "TEL-001 was due for review" not in checked.output
    shown = run("show", "TEL-001", "-C", str(sample_repo))
    assert shown.exit_code == 0, shown.output
    assert "review due:   9999-12-31" in shown.output
    due = run("due", "-C", str(sample_repo), "--today", "9999-12-31", "--format", "csv")
    assert due.exit_code == 0, due.output
    assert "9999-12-31,0,due,review,TEL-001," in due.output


@pytest.mark.parametrize("within", ["30d", "52w", "9999m"])
def test_due_on_the_last_day_there_is(sample_repo: Path, run: Callable[..., object],
                                      within: str) -> None:
    result = run("due", "-C", str(sample_repo), "--today", "9999-12-31", "--within", within,
                 "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "2026-09-01,-2912199,overdue,review,APP-002," in result.output
