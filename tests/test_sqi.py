"""`qms sqi`: FedEx's weighted failure index per period, normalised per unit of work."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .conftest import make_git_repo

# FedEx's Service Quality Indicator: twelve failure categories weighted by how much each annoys
# a customer (Fitzsimmons & Fitzsimmons, "Service Management", ch. "Service Quality", and
# FedEx's 1990 Malcolm Baldrige application summary).
FEDEX_WEIGHTS = {
    "right-day-late": 1, "wrong-day-late": 5, "traced-not-found": 3, "complaint-reopened": 5,
    "missing-proof-of-delivery": 1, "overcharge": 1, "lost": 10, "damaged": 10,
    "missed-pickup": 10, "abandoned-call": 1, "international": 1, "invoice-adjustment": 1,
}

# The exercise: three days of a small depot, every category on some day (day, category, count),
# with the day's packages handled (volume). Expected figures are worked out below by hand.
COUNTS = [
    ("2027-03-01", "right-day-late", 40), ("2027-03-01", "wrong-day-late", 6),
    ("2027-03-01", "traced-not-found", 9), ("2027-03-01", "lost", 1),
    ("2027-03-01", "abandoned-call", 25), ("2027-03-01", "overcharge", 4),
    ("2027-03-02", "right-day-late", 35), ("2027-03-02", "complaint-reopened", 2),
    ("2027-03-02", "missing-proof-of-delivery", 12), ("2027-03-02", "damaged", 2),
    ("2027-03-02", "missed-pickup", 1), ("2027-03-02", "international", 3),
    ("2027-03-08", "right-day-late", 52), ("2027-03-08", "invoice-adjustment", 7),
    ("2027-03-08", "wrong-day-late", 4), ("2027-03-08", "lost", 2),
]
VOLUMES = {"2027-03-01": 12_000, "2027-03-02": 11_500, "2027-03-08": 13_250}


def sqi_repo(tmp_path: Path, rows: list[str], weights: dict[str, int] = FEDEX_WEIGHTS) -> Path:
    """A repository with these SQI weights and one SQI file holding these CSV rows."""
    repo = tmp_path / "depot"
    (repo / "audits" / "sqi").mkdir(parents=True)
    weight_text = ", ".join(f"{k}: {v}" for k, v in weights.items())
    (repo / "qms.yaml").write_text(f"organisation: Depot\nsqi:\n  weights: {{{weight_text}}}\n",
                                   encoding="utf-8")
    (repo / "audits" / "sqi" / "depot.csv").write_text(
        "date,category,count,volume\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return make_git_repo(repo)


def fedex_rows() -> list[str]:
    return [f"{d},{c},{n},{VOLUMES[d]}" for d, c, n in COUNTS]


def sqi_json(run: Callable[..., Any], repo: Path, *args: str) -> Any:
    result = run("sqi", "-C", str(repo), "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_fedex_exercise_normalised_by_volume(tmp_path: Path, run: Callable[..., Any]) -> None:
    data = sqi_json(run, sqi_repo(tmp_path, fedex_rows()), "--by", "week")
    # By hand: points per category = count × weight, summed over the three days.
    right_day_late = (40 + 35 + 52) * 1  # 127
    wrong_day_late = (6 + 4) * 5  # 50
    lost = (1 + 2) * 10  # 30
    expected_points = (right_day_late + wrong_day_late + 9 * 3 + lost + 25 * 1 + 4 * 1
                       + 2 * 5 + 12 * 1 + 2 * 10 + 1 * 10 + 3 * 1 + 7 * 1)
    assert expected_points == 325
    volume = 12_000 + 11_500 + 13_250  # each day once, although its rows repeat it
    assert data["points"] == 325 and data["volume"] == 36_750
    assert abs(data["index_percent"] - 325 / 36_750 * 100) < 1e-6  # 0.884354 %
    assert round(data["index_percent"], 4) == 0.8844
    assert abs(data["per_1000"] - 325 / volume * 1000) < 1e-6
    # The Pareto: every FedEx category, heaviest first, shares summing to one.
    categories = data["categories"]
    assert [c["category"] for c in categories[:4]] == ["right-day-late", "wrong-day-late",
                                                        "lost", "traced-not-found"]
    assert len(categories) == 12
    assert [(c["category"], c["points"]) for c in categories[-4:]] == [
        ("missed-pickup", 10), ("invoice-adjustment", 7), ("overcharge", 4),
        ("international", 3)]  # missed-pickup ties complaint-reopened on points, has fewer
    assert abs(categories[0]["share"] - 127 / 325) < 1e-6
    assert abs(categories[1]["cumulative"] - (127 + 50) / 325) < 1e-6
    assert abs(categories[-1]["cumulative"] - 1.0) < 1e-6
    # ISO weeks: 1 and 2 March 2027 are in W09, 8 March in W10.
    weeks = {p["period"]: p for p in data["periods"]}
    assert list(weeks) == ["2027-W09", "2027-W10"]
    w09_points = 40 + 30 + 27 + 10 + 25 + 4 + 35 + 10 + 12 + 20 + 10 + 3
    assert weeks["2027-W09"]["points"] == w09_points and weeks["2027-W09"]["volume"] == 23_500
    assert abs(weeks["2027-W09"]["index_percent"] - w09_points / 23_500 * 100) < 1e-6
    assert weeks["2027-W10"]["points"] == 52 + 7 + 20 + 20
    lost_w10 = next(c for c in weeks["2027-W10"]["categories"] if c["category"] == "lost")
    assert lost_w10 == {"category": "lost", "count": 2, "weight": 10, "points": 20}


def test_a_day_without_volume_makes_its_period_index_unavailable(
        tmp_path: Path, run: Callable[..., Any]) -> None:
    rows = fedex_rows()
    rows.append("2027-03-09,lost,1,")  # W10 gains a day with failures but no volume
    repo = sqi_repo(tmp_path, rows)
    data = sqi_json(run, repo, "--by", "week")
    weeks = {p["period"]: p for p in data["periods"]}
    assert weeks["2027-W09"]["volume"] == 23_500  # untouched: all its days have a volume
    w10 = weeks["2027-W10"]
    assert w10["volume"] is None and w10["index_percent"] is None and w10["per_1000"] is None
    assert w10["days_without_volume"] == 1 and w10["points"] == 52 + 7 + 20 + 20 + 10
    assert data["volume"] is None and data["index_percent"] is None
    table = run("sqi", "-C", str(repo), "--by", "week")
    assert table.exit_code == 0
    assert "no normalised index for 2027-W10: 1 day(s) without a volume" in table.output
    assert "index unavailable" in table.output


def test_from_and_to_select_days_inclusively(tmp_path: Path, run: Callable[..., Any]) -> None:
    repo = sqi_repo(tmp_path, fedex_rows())
    data = sqi_json(run, repo, "--by", "day", "--from", "2027-03-02", "--to", "2027-03-08")
    assert [p["period"] for p in data["periods"]] == ["2027-03-02", "2027-03-08"]
    assert data["volume"] == 11_500 + 13_250


def test_table_and_csv_show_each_category_and_the_period_total(
        tmp_path: Path, run: Callable[..., Any]) -> None:
    repo = sqi_repo(tmp_path, fedex_rows())
    result = run("sqi", "-C", str(repo), "--format", "csv")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == ("period,category,count,weight,points,volume,index_percent,per_1000,"
                        "days_without_volume")
    assert "2027-03,lost,3,10,30,,,," in lines
    assert any(line.startswith("2027-03,(all),205,,325,36750,0.884354,") for line in lines)


def test_an_unknown_category_is_a_file_problem_not_a_traceback(
        tmp_path: Path, run: Callable[..., Any]) -> None:
    repo = sqi_repo(tmp_path, ["2027-03-01,lsot,1,100"])
    result = run("sqi", "-C", str(repo))
    assert result.exit_code == 1
    assert "audits/sqi/depot.csv:2" in result.output and "lsot" in result.output


def test_the_report_reads_only_qms_yaml_and_the_sqi_files(
        tmp_path: Path, run: Callable[..., Any]) -> None:
    # A broken standard does not hold up the SQI (only qms.yaml and audits/sqi/ are read, so
    # the report stays fast at 5,000 standards); qms check still reports the standard.
    repo = sqi_repo(tmp_path, fedex_rows())
    (repo / "standards").mkdir()
    (repo / "standards" / "TEL-001.yaml").write_text("id: TEL-001\nownr: x\n", encoding="utf-8")
    assert run("check", str(repo)).exit_code == 1
    assert sqi_json(run, repo)["points"] == 325
