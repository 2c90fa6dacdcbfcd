"""The sample QMS's year of evidence: reproducible from its generator, and worth measuring."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import ROOT

GENERATOR = ROOT / "bench" / "make_sample_evidence.py"
DIMENSIONS = {"tangibles": (1, 2, 3, 4), "reliability": (5, 6, 7, 8, 9),
              "responsiveness": (10, 11, 12, 13), "assurance": (14, 15, 16, 17),
              "empathy": (18, 19, 20, 21, 22)}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _series(standard: str, measure: str, site: str) -> list[float]:
    rows = _rows(ROOT / "audits" / "measurements" / "kpi-2026.csv")
    picked = sorted((r["date"], float(r["value"])) for r in rows
                    if (r["standard"], r["measure"], r["site"]) == (standard, measure, site))
    return [value for _, value in picked]


def test_generator_writes_the_committed_evidence_byte_for_byte(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(GENERATOR), str(tmp_path)], check=True,
                   capture_output=True)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.csv"))
    assert len(written) == 1 + 13 + 3  # KPI year, 13 monthly SQI files, three survey waves
    for relative in written:
        assert (tmp_path / relative).read_bytes() == (ROOT / relative).read_bytes(), relative


def test_tel_001_shows_an_xmr_signal_computed_as_the_docs_describe() -> None:
    values = _series("TEL-001", "answered-in-3-rings", "Customer Service Centre")
    baseline = values[:20]
    centre = sum(baseline) / 20
    moving = [abs(b - a) for a, b in zip(baseline, baseline[1:], strict=False)]
    lower = centre - 2.66 * sum(moving) / len(moving)
    assert len(values) == 47  # every week of the year to 22 November
    assert any(value < lower for value in values[20:])
    longest = run = 0
    for value in values:
        run = run + 1 if value < centre else 0
        longest = max(longest, run)
    assert longest >= 8


def test_some_measures_end_the_year_off_target_and_every_approved_measure_has_readings() -> None:
    assert _series("DLV-005", "pickups-in-slot", "Delivery Service")[-1] < 98
    assert _series("GRT-001", "greeted-within-30s", "Nanjing Road store")[-1] < 95
    read = {(r["standard"], r["measure"])
            for r in _rows(ROOT / "audits" / "measurements" / "kpi-2026.csv")}
    for path in (ROOT / "standards").rglob("*.yaml"):
        standard = yaml.safe_load(path.read_text(encoding="utf-8"))
        if standard.get("status") == "approved":
            for measure in standard.get("measures") or []:
                assert (standard["id"], measure["id"]) in read, (standard["id"], measure["id"])


def test_sqi_holds_a_year_of_days_with_every_category_and_one_volume_a_day() -> None:
    weights = yaml.safe_load((ROOT / "qms.yaml").read_text(encoding="utf-8"))["sqi"]["weights"]
    volumes: dict[str, set[str]] = {}
    categories = set()
    for path in (ROOT / "audits" / "sqi").glob("*.csv"):
        for row in _rows(path):
            volumes.setdefault(row["date"], set()).add(row["volume"])
            categories.add(row["category"])
    assert len(volumes) == 365
    assert all(len(day) == 1 and int(next(iter(day))) > 0 for day in volumes.values())
    assert categories == set(weights)
    assert max(volumes) <= "2026-11-30"


def _reliability_gap(path: Path) -> float:
    gaps = []
    for row in _rows(path):
        items = [int(row[f"P{i}"]) - int(row[f"E{i}"]) for i in DIMENSIONS["reliability"]
                 if row[f"P{i}"] and row[f"E{i}"]]
        if items:
            gaps.append(sum(items) / len(items))
    return sum(gaps) / len(gaps)


def test_four_quarterly_waves_narrow_the_reliability_gap_with_blanks_and_importance() -> None:
    waves = sorted((ROOT / "audits" / "surveys").glob("2026-q*.csv"))
    assert [w.stem for w in waves] == ["2026-q1", "2026-q2", "2026-q3", "2026-q4"]
    gaps = [_reliability_gap(w) for w in waves]
    assert gaps == sorted(gaps) and gaps[-1] - gaps[0] > 0.5
    for wave in waves:
        rows = _rows(wave)
        answers = [v for row in rows for k, v in row.items() if k[0] in "EP" and k != "respondent"]
        assert "" in answers  # some answers are missing, as in a real survey
        assert all(1 <= int(v) <= 7 for v in answers if v)
        assert all(sum(float(row[f"W_{d}"]) for d in DIMENSIONS) == 100 for row in rows)


def test_check_reports_nothing_about_the_evidence(run, sample_repo: Path) -> None:
    result = run("check", str(sample_repo))
    assert result.exit_code == 0, result.output
    assert "audits/measurements" not in result.output
    assert "audits/sqi" not in result.output and "audits/surveys" not in result.output
