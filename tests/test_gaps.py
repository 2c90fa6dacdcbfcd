"""`qms gaps`: the five-gap picture of a repository whose evidence is known row by row."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., Any]
INSTRUMENT = {"tangibles": range(1, 5), "reliability": range(5, 10),
              "responsiveness": range(10, 14), "assurance": range(14, 18),
              "empathy": range(18, 23)}
PLAN = """id: PLN-DEL-001
category: outcome-management
title: Deliver what the standards promise
owner: Operations
gap: 3
actions:
  - action: Retrain the hotline team.
    due: 2026-10-01
    status: open
  - action: Publish the call report.
    due: 2026-09-01
    status: done
  - action: Review the rota.
    owner: Hotline lead
    due: 2027-03-01
    status: open
"""


def dimension_gaps(path: Path) -> dict[str, float]:
    """Each dimension's gap worked out by hand: per respondent the mean item gap, then the mean."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    result = {}
    for name, items in INSTRUMENT.items():
        per_respondent = []
        for row in rows:
            pairs = [(row[f"E{i}"], row[f"P{i}"]) for i in items]
            gaps = [int(p) - int(e) for e, p in pairs if e and p]
            if gaps:
                per_respondent.append(sum(gaps) / len(gaps))
        result[name] = sum(per_respondent) / len(per_respondent)
    return result


@pytest.fixture
def repo(fixture_repo: Callable[[str], Path]) -> Path:
    root = fixture_repo("minimal")
    (root / "standards" / "planning" / "PLN-DEL-001.yaml").write_text(PLAN, encoding="utf-8")
    (root / "audits" / "measurements" / "kpi.csv").write_text(
        "date,standard,measure,value,site\n"
        "2026-10-05,TEL-001,answered-in-3-rings,98,Hotline\n"
        "2026-11-02,TEL-001,answered-in-3-rings,90,Hotline\n"
        "2026-11-09,TEL-001,answered-in-3-rings,92,Hotline\n", encoding="utf-8")
    header = ["respondent", *(f"E{i}" for i in range(1, 23)), *(f"P{i}" for i in range(1, 23))]
    (root / "audits" / "surveys" / "wave-2.csv").write_text(
        ",".join(header) + "\n" + "A," + ",".join(["6"] * 44) + "\n", encoding="utf-8")
    return root


def gaps_json(run: Run, repo: Path, *args: str) -> list[dict[str, Any]]:
    result = run("gaps", "-C", str(repo), "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_each_gap_gathers_its_own_evidence(run: Run, repo: Path) -> None:
    found = gaps_json(run, repo)
    assert [g["gap"] for g in found] == [1, 2, 3, 4, 5]
    for empty in found[:2]:
        assert (empty["standards"], empty["plans"], empty["open_findings"],
                empty["off_target"]) == ([], [], [], [])
    delivery = found[2]
    assert delivery["standards"] == ["TEL-001"]
    assert delivery["plans"] == [{"id": "PLN-DEL-001",
                                  "title": "Deliver what the standards promise",
                                  "overdue_actions": [{"action": "Retrain the hotline team.",
                                                       "due": "2026-10-01",
                                                       "owner": "Operations"}]}]
    assert delivery["open_findings"] == [{"id": "AUD-20261101-CSC-0A1B-F1", "standard": "TEL-001",
                                          "grade": "minor", "capa_status": "open",
                                          "due": "2027-01-31"}]
    # November's readings 90 and 92 average 91, under the target of 95; October's 98 was on it
    assert delivery["off_target"] == [{"standard": "TEL-001", "measure": "answered-in-3-rings",
                                       "site": "Hotline", "period": "2026-11",
                                       "mean": (90 + 92) / 2, "target": ">= 95"}]
    communication = found[3]
    assert communication["plans"] == [{"id": "PLN-EXP-001",
                                       "title": "Promise only response times we keep",
                                       "overdue_actions": []}]  # its action is due in 2027
    assert communication["standards"] == communication["open_findings"] == []


def test_the_customer_gap_is_the_latest_wave_and_its_change(run: Run, repo: Path) -> None:
    customer = gaps_json(run, repo)[4]
    before = dimension_gaps(repo / "audits" / "surveys" / "wave-1.csv")
    assert customer["wave"] == "wave-2" and customer["previous"] == "wave-1"
    assert set(customer["dimensions"]) == set(INSTRUMENT)
    for name, figures in customer["dimensions"].items():
        assert figures["gap"] == pytest.approx(0.0)  # every answer of wave-2 is 6 and 6
        assert figures["change"] == pytest.approx(0.0 - before[name])
    assert customer["unweighted"] == pytest.approx(0.0)
    assert customer["change_unweighted"] == pytest.approx(-sum(before.values()) / 5)


def test_from_and_to_limit_the_readings_and_audits(run: Run, repo: Path) -> None:
    delivery = gaps_json(run, repo, "--from", "2026-11-05")[2]
    assert delivery["open_findings"] == []  # its audit started on 2026-11-01
    assert [k["mean"] for k in delivery["off_target"]] == [92]
    delivery = gaps_json(run, repo, "--to", "2026-10-31")[2]
    assert delivery["off_target"] == []  # October alone is on target


def test_a_closed_finding_is_no_longer_open(run: Run, repo: Path) -> None:
    record = repo / "audits" / "records" / "AUD-20261101-CSC-0A1B.yaml"
    text = record.read_text(encoding="utf-8")
    closed = ("status: closed\n      root_cause: Rota gap.\n      action: Rota fixed.\n"
              "      verification: {by: Auditor, on: 2026-11-20, result: effective}")
    record.write_text(text.replace("status: open", closed), encoding="utf-8")
    assert gaps_json(run, repo)[2]["open_findings"] == []


def test_the_table(run: Run, repo: Path) -> None:
    result = run("gaps", "-C", str(repo), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert [(r["gap"], r["standards"], r["plans"], r["overdue_actions"], r["open_findings"],
             r["off_target"]) for r in rows[:4]] == [
        ("1", "0", "0", "0", "0", "0"), ("2", "0", "0", "0", "0", "0"),
        ("3", "1", "1", "1", "1", "1"), ("4", "0", "1", "0", "0", "0")]
    before = dimension_gaps(repo / "audits" / "surveys" / "wave-1.csv")
    change = -sum(before.values()) / 5
    assert rows[4]["survey"] == f"wave-2: +0.00 ({change:+.2f} on wave-1)"
    assert [r["name"].strip() for r in rows[5:]] == list(INSTRUMENT)


def test_no_waves_is_said(run: Run, repo: Path) -> None:
    for wave in (repo / "audits" / "surveys").iterdir():
        wave.unlink()
    assert gaps_json(run, repo)[4]["wave"] is None
    result = run("gaps", "-C", str(repo))
    assert result.exit_code == 0
    assert "no survey waves" in result.stdout.splitlines()[5]


def test_gaps_read_only_what_they_report(run: Run, repo: Path) -> None:
    # qms gaps reads qms.yaml, standards, plans, audits, readings and waves: a broken checklist
    # or SQI file is qms check's to report; a broken reading stops it with check's message.
    (repo / "audits" / "checklists" / "CL-X.yaml").write_text("id: CL-X\ntitel: x\n",
                                                              encoding="utf-8")
    (repo / "audits" / "sqi").mkdir(parents=True, exist_ok=True)
    (repo / "audits" / "sqi" / "broken.csv").write_text("date,category\n", encoding="utf-8")
    assert run("check", str(repo)).exit_code == 1
    assert [g["gap"] for g in gaps_json(run, repo)] == [1, 2, 3, 4, 5]
    with (repo / "audits" / "measurements" / "kpi.csv").open("a", encoding="utf-8") as out:
        out.write("2026-11-16,TEL-001,answered-in-3-ring,97,Hotline\n")
    broken = run("gaps", "-C", str(repo))
    assert broken.exit_code == 1
    assert "audits/measurements/kpi.csv:5: error [unknown-reference] TEL-001 has no measure " \
           "'answered-in-3-ring'" in broken.stderr
