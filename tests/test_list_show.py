"""`qms list`, `qms show` and `qms approve` on the sample QMS."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import ROOT


def ids(run: Callable[..., object], *args: str) -> list[str]:
    result = run("list", *args, "-C", str(ROOT), "--format", "json")
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.stdout)]


def test_list_standards_filters(run: Callable[..., object]) -> None:
    assert ids(run, "standards", "--status", "retired") == ["GRT-000"]
    assert ids(run, "standards", "--encounter", "telephone enquiry", "--status", "approved") == [
        "TEL-001", "TEL-002", "TEL-003"]
    assert set(ids(run, "standards", "--gap", "1")) == {"CMP-004"}
    tangibles = ids(run, "standards", "--dimension", "tangibles")
    assert "PRM-001" in tangibles and "TEL-001" not in tangibles
    by_owner = ids(run, "standards", "--owner", "delivery service")
    assert by_owner and all(i.startswith("DLV-") for i in by_owner)


def test_list_findings_by_state_and_grade(run: Callable[..., object]) -> None:
    assert ids(run, "findings", "--overdue") == ["AUD-20261015-NJR-7F3A-F3"]
    assert ids(run, "findings", "--grade", "major") == ["AUD-20261015-NJR-7F3A-F2"]
    closed = ids(run, "findings", "--closed")
    assert "AUD-20261015-NJR-7F3A-F1" in closed
    assert not set(closed) & set(ids(run, "findings", "--open"))


def test_list_plans_by_category(run: Callable[..., object]) -> None:
    assert ids(run, "plans", "--category", "information-technology") == ["PLN-IT-001"]
    assert ids(run, "plans", "--overdue") == ["PLN-EXP-001"]


def test_list_audits_and_checklists(run: Callable[..., object]) -> None:
    assert ids(run, "audits", "--site", "Nanjing Road store") == ["AUD-20261015-NJR-7F3A"]
    assert ids(run, "checklists", "--standard", "TEL-001") == ["CL-TELEPHONE"]


def test_table_and_csv_formats(run: Callable[..., object]) -> None:
    table = run("list", "checklists", "-C", str(ROOT)).stdout.splitlines()
    assert table[0].split() == ["ID", "TITLE", "METHOD", "QUESTIONS"]
    assert len(table) == 6
    rows = list(csv.DictReader(io.StringIO(
        run("list", "checklists", "-C", str(ROOT), "--format", "csv").stdout)))
    assert {r["id"] for r in rows} == {"CL-STORE-FLOOR", "CL-PREMISES", "CL-TELEPHONE",
                                       "CL-COMPLAINTS", "CL-DELIVERY"}


def test_bad_filter_value_is_a_usage_error(run: Callable[..., object]) -> None:
    result = run("list", "standards", "--dimension", "speed", "-C", str(ROOT))
    assert result.exit_code == 2
    assert "'speed' is not one of" in result.stderr


def test_show_a_standard_links_everything(run: Callable[..., object]) -> None:
    out = run("show", "APP-001", "-C", str(ROOT)).stdout
    assert out.splitlines()[0].startswith("APP-001  ")
    assert "Audited by: CL-STORE-FLOOR" in out
    assert "AUD-20261015-NJR-7F3A-F3 [minor] open OVERDUE" in out
    assert out.rstrip().endswith("file: standards/appearance/APP-001.yaml")


@pytest.mark.parametrize("item", ["PLN-EXP-001", "CL-TELEPHONE", "AUD-20261102-CSC-19B4",
                                  "AUD-20261015-NJR-7F3A-F1"])
def test_show_every_kind(item: str, run: Callable[..., object]) -> None:
    result = run("show", item, "-C", str(ROOT))
    assert result.exit_code == 0
    assert result.stdout.startswith(item)


def test_show_unknown_id_suggests(run: Callable[..., object]) -> None:
    result = run("show", "TEL-01", "-C", str(ROOT))
    assert result.exit_code == 1
    assert "no standard, plan, checklist, audit or finding has the id TEL-01" in result.stderr
    assert "did you mean" in result.stderr


def test_commands_that_write_refuse_a_broken_repository(sample_repo: Path,
                                                         run: Callable[..., object]) -> None:
    (sample_repo / "standards" / "floor" / "GRT-001.yaml").write_text("id: GRT-001\n")
    result = run("approve", "FAR-001", "--by", "Quality Director", "-C", str(sample_repo))
    assert result.exit_code == 1
    assert "the repository has errors; fix them first" in result.stderr
    assert "standards/floor/GRT-001.yaml:1: error [missing-field] 'title' is required" in (
        result.stderr)


def test_approve_records_fingerprint_and_keeps_comments(
    sample_repo: Path, run: Callable[..., object]
) -> None:
    path = sample_repo / "standards" / "floor" / "FAR-001.yaml"
    before = path.read_text()
    assert "changed-since-approval" in run("check", str(sample_repo)).stdout
    result = run("approve", "FAR-001", "--by", "Quality Director", "--on", "2026-11-23",
                 "-C", str(sample_repo))
    assert result.exit_code == 0, result.output
    after = path.read_text()
    assert "# Added after approval on purpose" in after
    assert after.startswith(before.split("approval:")[0])
    assert "  by: Quality Director\n  on: 2026-11-23\n" in after
    assert "changed-since-approval" not in run("check", str(sample_repo)).stdout


def test_approve_refuses_a_retired_standard(sample_repo: Path, run: Callable[..., object]) -> None:
    result = run("approve", "GRT-000", "--by", "X", "-C", str(sample_repo))
    assert result.exit_code == 1
    assert "GRT-000 is retired" in result.stderr
