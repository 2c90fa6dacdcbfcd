"""`qms findings`: every finding with its CAPA state and age, filtered, in four formats."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from qms.format.listing import finding_was_open
from qms.format.models import Audit, Finding
from qms.format.project import FindingRef

Run = Callable[..., Any]

NJR = "AUD-20261015-NJR-7F3A"
CSC = "AUD-20261102-CSC-19B4"
ALL = [f"{NJR}-F{n}" for n in range(1, 6)] + [f"{CSC}-F{n}" for n in range(1, 4)]


def findings(repo: Path, run: Run, *args: str) -> Any:
    return run("findings", "-C", str(repo), *args)


def listed(repo: Path, run: Run, *args: str) -> list[str]:
    result = findings(repo, run, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.stdout)]


def test_every_finding_with_its_capa_state_and_age(sample_repo: Path, run: Run) -> None:
    result = findings(sample_repo, run, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == ALL
    assert [r["capa_status"] for r in rows] == [
        "closed", "action-planned", "open", "no capa", "no capa", "implemented", "open",
        "no capa"]
    assert rows[2] == {
        "id": f"{NJR}-F3", "audit": NJR, "site": "Nanjing Road store", "standard": "APP-001",
        "grade": "minor", "capa_status": "open", "owner": "Store manager, Nanjing Road",
        "due": "2026-10-31", "age_days": 39, "overdue": "yes",
        "statement": "Two associates wore another brand's cardigans over the uniform; one "
                     "associate's shoes were scuffed."}


def test_the_table(sample_repo: Path, run: Run) -> None:
    result = findings(sample_repo, run, "--overdue")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "ID                        AUDIT                  SITE                STANDARD  GRADE  "
        "CAPA_STATUS  OWNER                        DUE         AGE_DAYS  OVERDUE  STATEMENT",
        "AUD-20261015-NJR-7F3A-F3  AUD-20261015-NJR-7F3A  Nanjing Road store  APP-001   minor  "
        "open         Store manager, Nanjing Road  2026-10-31  39        yes      Two associates "
        "wore another brand's cardigans over the unif…",
    ]


@pytest.mark.parametrize(("args", "expected"), [
    (("--open",), [f"{NJR}-F2", f"{NJR}-F3", f"{CSC}-F1", f"{CSC}-F2"]),
    (("--overdue",), [f"{NJR}-F3"]),
    (("--open", "--overdue"), [f"{NJR}-F3"]),
    (("--standard", "TEL-001"), [f"{CSC}-F1"]),
    (("--site", "customer service centre"), [f"{CSC}-F{n}" for n in range(1, 4)]),
    (("--grade", "minor"), [f"{NJR}-F1", f"{NJR}-F3", f"{CSC}-F1"]),
    (("--grade", "minor", "--open", "--site", "Nanjing Road store"), [f"{NJR}-F3"]),
    (("--owner", "Head of Retail Operations"), [f"{NJR}-F2"]),
    (("--grade", "ofi"), []),
])
def test_filters_combine(sample_repo: Path, run: Run, args: tuple[str, ...],
                         expected: list[str]) -> None:
    assert listed(sample_repo, run, *args) == expected


def test_csv_has_one_line_per_finding_even_for_folded_statements(sample_repo: Path,
                                                                 run: Run) -> None:
    result = findings(sample_repo, run, "--format", "csv", "--standard", "TEL-001")
    assert result.stdout.splitlines() == [
        "id,audit,site,standard,grade,capa_status,owner,due,age_days,overdue,statement",
        f"{CSC}-F1,{CSC},Customer Service Centre,TEL-001,minor,implemented,"
        "Customer Service Centre supervisor,2027-01-15,21,,Calls are not answered within three "
        "rings at the midday peak: 85 % of mystery calls and 91.2 % of all calls in week 44 "
        "against a target of 95 %. Callers waiting past the fifth ring received no apology.",
    ]


def test_xlsx(sample_repo: Path, run: Run, tmp_path: Path) -> None:
    target = tmp_path / "out" / "findings.xlsx"
    result = findings(sample_repo, run, "--format", "xlsx", "-o", str(target), "--open")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote 4 row(s) to {target}\n"
    from openpyxl import load_workbook

    sheet = load_workbook(target).active
    assert sheet.title == "Findings"
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("id", "audit", "site", "standard", "grade", "capa_status")
    assert [r[0] for r in rows[1:]] == [f"{NJR}-F2", f"{NJR}-F3", f"{CSC}-F1", f"{CSC}-F2"]
    assert rows[2][7].date() == date(2026, 10, 31)


def test_xlsx_needs_an_output_file(sample_repo: Path, run: Run) -> None:
    result = findings(sample_repo, run, "--format", "xlsx")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "Error: --format xlsx needs -o FILE.xlsx"


def test_a_capa_change_shows_at_once(sample_repo: Path, run: Run) -> None:
    finding = f"{NJR}-F3"
    assert run("capa", finding, "--status", "contained", "-C", str(sample_repo)).exit_code == 0
    rows = json.loads(findings(sample_repo, run, "--format", "json", "--overdue").stdout)
    assert [(r["id"], r["capa_status"]) for r in rows] == [(finding, "contained")]


def test_not_a_repository(tmp_path: Path, run: Run) -> None:
    result = findings(tmp_path, run)
    assert result.exit_code == 1
    assert result.stderr == (
        f"qms: error: {tmp_path}: not a QMS repository (no qms.yaml here or in any parent "
        "folder); run `qms init PATH` to create one\n")


def test_a_capa_was_open_until_its_dated_closing() -> None:
    def ref(capa: dict) -> FindingRef:
        finding = Finding.model_validate({"id": "AUD-1-F1", "question": "Q1", "standard": "S-1",
                                          "grade": "minor", "statement": "x", "capa": capa})
        audit = Audit.model_validate({"id": "AUD-1", "checklist": "CL-1", "site": "A",
                                      "auditors": ["B"], "started": datetime(2026, 3, 2, 9),
                                      "answers": [], "findings": []})
        return FindingRef(audit, finding)

    closed = ref({"status": "closed", "history": [
        {"on": datetime(2026, 4, 1, 10), "status": "verified"},
        {"on": datetime(2026, 4, 20, 10), "status": "closed"}],
        "verification": {"by": "Q", "on": date(2026, 4, 1), "result": "effective"}})
    assert not finding_was_open(closed, date(2026, 3, 1))  # before the audit
    assert finding_was_open(closed, date(2026, 3, 2))
    assert finding_was_open(closed, date(2026, 4, 19))  # verified, not yet closed
    assert not finding_was_open(closed, date(2026, 4, 20))
    undated = ref({"status": "closed",
                   "verification": {"by": "Q", "on": date(2026, 4, 1), "result": "effective"}})
    assert finding_was_open(undated, date(2026, 3, 31))
    assert not finding_was_open(undated, date(2026, 4, 1))
    assert finding_was_open(ref({"status": "action-planned"}), date(2027, 1, 1))
