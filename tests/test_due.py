"""`qms due`: CAPAs, standard reviews and plan actions that are overdue or fall due soon."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from qms.audits.due import Period, parse_period

from .conftest import counting_reads

Run = Callable[..., Any]

OVERDUE_IDS = ["APP-002", "PLN-EXP-001 action 3", "AUD-20261015-NJR-7F3A-F3"]


def due(repo: Path, run: Run, *args: str) -> Any:
    return run("due", "-C", str(repo), *args)


def ids(result: Any) -> list[str]:
    return [row["id"] for row in json.loads(result.stdout)]


def test_the_sample_lists_what_is_overdue_within_30_days(sample_repo: Path, run: Run) -> None:
    result = due(sample_repo, run)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "DUE         DAYS  STATE    KIND    ID                        STATUS    OWNER"
        "                        WHAT",
        "2026-09-01  -83   overdue  review  APP-002                   approved  HR and Training"
        "              Wear the name badge and keep grooming neat",
        "2026-09-30  -54   overdue  action  PLN-EXP-001 action 3      open      IT"
        "                           Show the real delivery date at checkout from the courier's …",
        "2026-10-31  -23   overdue  capa    AUD-20261015-NJR-7F3A-F3  open      Store manager, "
        "Nanjing Road  minor finding on APP-001 at Nanjing Road store: Two associa…",
    ]
    assert result.stderr == ("3 item(s) overdue or due within 30d; 3 overdue on 2026-11-23: "
                             "1 capa(s), 1 review(s), 1 action(s)\n")


def test_a_wider_window_adds_what_falls_due_sorted_by_date(sample_repo: Path, run: Run) -> None:
    result = due(sample_repo, run, "--within", "90d", "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == OVERDUE_IDS + [
        "PLN-TAN-001 action 2", "AUD-20261102-CSC-19B4-F1", "TEL-001", "TEL-002",
        "PLN-CUS-001 action 2", "PLN-INT-001 action 3", "PLN-OUT-001 action 3",
        "AUD-20261015-NJR-7F3A-F2", "PRES-002", "PLN-IT-001 action 3",
        "AUD-20261102-CSC-19B4-F2"]
    assert [r["due"] for r in rows] == sorted(r["due"] for r in rows)
    assert rows[4] == {
        "due": "2027-01-15", "days": 53, "state": "due", "kind": "capa",
        "id": "AUD-20261102-CSC-19B4-F1", "status": "implemented",
        "owner": "Customer Service Centre supervisor",
        "what": "minor finding on TEL-001 at Customer Service Centre: Calls are not answered "
                "within three rings at the midday peak: 85 % of mystery calls and 91.2 % of all "
                "calls in week 44 against a target of 95 %. Callers waiting past the fifth ring "
                "received no apology."}
    assert {r["kind"] for r in rows} == {"capa", "review", "action"}


def test_closed_capas_and_done_actions_are_not_due(sample_repo: Path, run: Run) -> None:
    rows = json.loads(due(sample_repo, run, "--within", "52w", "--format", "json").stdout)
    assert "AUD-20261015-NJR-7F3A-F1" not in [r["id"] for r in rows]  # closed
    assert all(r["status"] not in ("closed", "done", "dropped") for r in rows)


@pytest.mark.parametrize(("text", "period", "end"), [
    ("30d", Period(30, "d"), date(2026, 12, 23)),
    ("4w", Period(4, "w"), date(2026, 12, 21)),
    ("3m", Period(3, "m"), date(2027, 2, 23)),
    ("0d", Period(0, "d"), date(2026, 11, 23)),
])
def test_periods(text: str, period: Period, end: date) -> None:
    assert parse_period(text) == period
    assert period.end(date(2026, 11, 23)) == end


def test_a_month_ends_on_the_last_day_when_it_is_shorter() -> None:
    assert Period(1, "m").end(date(2027, 1, 31)) == date(2027, 2, 28)


@pytest.mark.parametrize("text", ["30", "3x", "d", "-1d", "1.5w", "30 days"])
def test_a_bad_period_is_a_usage_error(sample_repo: Path, run: Run, text: str) -> None:
    result = due(sample_repo, run, "--within", text)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '--within': {text!r} is not a period; write Nd, Nw or Nm "
        "(days, weeks, months), e.g. 30d")


def test_fail_exits_1_when_anything_is_overdue(sample_repo: Path, run: Run) -> None:
    result = due(sample_repo, run, "--fail")
    assert result.exit_code == 1
    assert result.stdout.count("overdue") == 3


def test_fail_exits_0_when_nothing_is_overdue(sample_repo: Path, run: Run) -> None:
    result = due(sample_repo, run, "--fail", "--today", "2026-08-15", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "due,days,state,kind,id,status,owner,what",
        "2026-09-01,17,due,review,APP-002,approved,HR and Training,"
        "Wear the name badge and keep grooming neat",
    ]
    assert result.stderr == ("1 item(s) overdue or due within 30d; 0 overdue on 2026-08-15\n")


def test_closing_the_overdue_capa_takes_it_off_the_list(sample_repo: Path, run: Run) -> None:
    finding = "AUD-20261015-NJR-7F3A-F3"
    for step in (("--status", "implemented", "--action", "Uniform check at opening."),
                 ("--verify", "effective", "--by", "Li Wei", "--status", "closed")):
        assert run("capa", finding, *step, "-C", str(sample_repo)).exit_code == 0
    result = due(sample_repo, run, "--format", "json")
    assert ids(result) == OVERDUE_IDS[:2]


def test_xlsx_needs_an_output_file(sample_repo: Path, run: Run, tmp_path: Path) -> None:
    result = due(sample_repo, run, "--format", "xlsx")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "Error: --format xlsx needs -o FILE.xlsx"
    target = tmp_path / "due.xlsx"
    assert due(sample_repo, run, "--format", "xlsx", "-o", str(target)).exit_code == 0
    from openpyxl import load_workbook

    sheet = load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("due", "days", "state", "kind", "id", "status", "owner", "what")
    assert [r[4] for r in rows[1:]] == OVERDUE_IDS
    assert rows[1][0].date() == date(2026, 9, 1) and rows[1][1] == -83


def test_a_broken_record_stops_it_with_the_checks_message(sample_repo: Path, run: Run) -> None:
    path = sample_repo / "audits/records/2026/AUD-20261102-CSC-19B4.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("site:", "sight:", 1),
                    encoding="utf-8")
    result = due(sample_repo, run)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "qms: error: the repository has errors; fix them first (`qms check` lists them):\n"
        "audits/records/2026/AUD-20261102-CSC-19B4.yaml:")


def test_a_second_run_reads_only_the_files_that_changed(
        sample_repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    read = counting_reads(monkeypatch)
    first = ids(due(sample_repo, run, "--format", "json"))
    assert (sample_repo / "build/.qms/cache").is_dir()
    assert len(read[0]) > 40  # every standard, plan and record
    standard = sample_repo / "standards/appearance/APP-002.yaml"
    standard.write_text(standard.read_text(encoding="utf-8").replace(
        "last_reviewed: 2025-09-01", "last_reviewed: 2025-10-01"), encoding="utf-8")
    result = due(sample_repo, run, "--format", "json")
    assert read[1] == ["standards/appearance/APP-002.yaml"]
    # The edit moved the review into the window: the cache did not hide it.
    assert first == OVERDUE_IDS
    review = [row for row in json.loads(result.stdout) if row["id"] == "APP-002"]
    assert [row["due"] for row in review] == ["2026-10-01"]


def test_a_duplicate_of_a_cached_file_is_named_with_its_line(sample_repo: Path, run: Run) -> None:
    source = sample_repo / "standards/appearance/APP-002.yaml"
    source.write_text("# moved down a line\n" + source.read_text(encoding="utf-8"),
                      encoding="utf-8")
    assert due(sample_repo, run).exit_code == 0  # every file is now cached
    (sample_repo / "standards/appearance/APP-002-copy.yaml").write_bytes(source.read_bytes())
    result = due(sample_repo, run)
    assert result.exit_code == 1
    line = source.read_text(encoding="utf-8").splitlines().index("id: APP-002") + 1
    assert line > 1
    # The copy sorts first ("-" before "."), so the cached original is the duplicate.
    assert result.stderr.splitlines()[1] == (
        f"standards/appearance/APP-002.yaml:{line}: error [duplicate-id] the id APP-002 is "
        "already used by standards/appearance/APP-002-copy.yaml")


def test_a_damaged_cache_is_read_as_no_cache(sample_repo: Path, run: Run) -> None:
    expected = due(sample_repo, run, "--format", "json").stdout
    for shard in (sample_repo / "build/.qms/cache").iterdir():
        shard.write_bytes(b"not a pickle")
    assert due(sample_repo, run, "--format", "json").stdout == expected


def test_the_cache_follows_content_not_file_times(
        sample_repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os
    import shutil

    read = counting_reads(monkeypatch)
    assert due(sample_repo, run).exit_code == 0
    # A copy (a fresh clone, a CI job keeping build/.qms/cache) has new file times: no parsing.
    copy = tmp_path / "copy"
    shutil.copytree(sample_repo, copy)
    assert due(copy, run).exit_code == 0
    assert read[-1] == []
    # An edit of the same size with the old modification time restored is still seen.
    standard = copy / "standards/appearance/APP-002.yaml"
    before = standard.stat()
    text = standard.read_text(encoding="utf-8")
    standard.write_text(text.replace("2025-09-01", "2025-10-01", 1), encoding="utf-8")
    os.utime(standard, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert standard.stat().st_size == before.st_size
    result = due(copy, run, "--format", "json")
    assert read[-1] == ["standards/appearance/APP-002.yaml"]
    review = [row["due"] for row in json.loads(result.stdout) if row["id"] == "APP-002"]
    assert review == ["2026-10-01"]  # was 2026-09-01: the new review date was read
