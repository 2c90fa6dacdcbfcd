"""`qms servqual`: gap scores as Parasuraman, Zeithaml & Berry define them; alpha; intervals."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qms.format.config import DEFAULT_INSTRUMENT, ServqualConfig
from qms.format.tables import read_survey
from qms.measurement.servqual import score_wave
from qms.measurement.stats import cronbach_alpha, t_critical_95

from .conftest import make_git_repo

DIMENSIONS = tuple(DEFAULT_INSTRUMENT)
ITEMS = 22
Row = dict[str, object]


def wave_csv(rows: Sequence[Row], weights: bool = False, columns: Sequence[str] = ()) -> str:
    """A wave file: respondent, E1..E22, P1..P22 (and W_ columns), in the given column order."""
    header = list(columns) or ["respondent", *(f"E{i}" for i in range(1, ITEMS + 1)),
                               *(f"P{i}" for i in range(1, ITEMS + 1)),
                               *([f"W_{d}" for d in DIMENSIONS] if weights else [])]
    lines = [",".join(header)]
    lines += [",".join("" if row.get(c) is None else str(row.get(c)) for c in header)
              for row in rows]
    return "\n".join(lines) + "\n"


def respondent(name: str, expectation: int, gaps: dict[str, int], **extra: object) -> Row:
    """A respondent answering E = expectation and P = E + the dimension's gap on every item."""
    row: Row = {"respondent": name}
    for dimension, items in DEFAULT_INSTRUMENT.items():
        for item in items:
            row[f"E{item}"] = expectation
            row[f"P{item}"] = expectation + gaps.get(dimension, 0)
    row.update(extra)
    return row


def survey_repo(tmp_path: Path, waves: dict[str, str], servqual: str = "") -> Path:
    repo = tmp_path / "surveyed"
    (repo / "audits" / "surveys").mkdir(parents=True)
    (repo / "qms.yaml").write_text(f"organisation: Surveyed\n{servqual}", encoding="utf-8")
    for name, text in waves.items():
        (repo / "audits" / "surveys" / f"{name}.csv").write_text(text, encoding="utf-8")
    return make_git_repo(repo)


def servqual_json(run: Callable[..., Any], repo: Path, *args: str) -> Any:
    result = run("servqual", "-C", str(repo), "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def published_wave() -> list[Row]:
    """100 respondents whose dimension gaps average to the published example's:
    tangibles −0.65, reliability −1.10, responsiveness −0.83, assurance −0.70, empathy −1.01."""
    rows = []
    for k in range(100):
        gaps = {"tangibles": -1 if k < 65 else 0,
                "reliability": -2 if k < 10 else -1,
                "responsiveness": -1 if k < 83 else 0,
                "assurance": -1 if k < 70 else 0,
                "empathy": -2 if k < 1 else -1}
        rows.append(respondent(f"R{k:03d}", 6, gaps))
    return rows


def test_the_published_unweighted_and_weighted_example(
        tmp_path: Path, run: Callable[..., Any]) -> None:
    # 12manage, "Weighted and Unweighted Average SERVQUAL Scores?" (J. de Jonge's worked
    # example of the procedure of Zeithaml, Parasuraman & Berry, "Delivering Quality Service",
    # 1990): dimension gaps −0.65, −1.10, −0.83, −0.70, −1.01 give the unweighted score
    # (−0.65 − 1.10 − 0.83 − 0.70 − 1.01) ÷ 5 = −0.86 (published to two places). The weighted
    # score applies the importance weights of docs/format.md (11, 32, 22, 19, 16 of 100).
    weights = "servqual:\n  weights: {tangibles: 11, reliability: 32, responsiveness: 22, " \
              "assurance: 19, empathy: 16}\n"
    repo = survey_repo(tmp_path, {"2027-q1": wave_csv(published_wave())}, weights)
    [wave] = servqual_json(run, repo)
    gaps = {d: round(v["gap"], 2) for d, v in wave["dimensions"].items()}
    assert gaps == {"tangibles": -0.65, "reliability": -1.10, "responsiveness": -0.83,
                    "assurance": -0.70, "empathy": -1.01}
    assert round(wave["unweighted"], 2) == -0.86
    by_hand = (-0.65 * 11 - 1.10 * 32 - 0.83 * 22 - 0.70 * 19 - 1.01 * 16) / 100  # −0.9007
    assert abs(wave["weighted"] - by_hand) < 1e-9
    assert wave["weighting"] == "configured" and wave["respondents"] == 100
    assert wave["dimensions"]["reliability"]["expectation"] == 6.0
    assert abs(wave["dimensions"]["reliability"]["perception"] - 4.9) < 1e-9


def test_respondents_own_importance_points_weight_their_own_gaps(
        tmp_path: Path, run: Callable[..., Any]) -> None:
    # PZB 1991 ("Refinement and Reassessment of the SERVQUAL Scale"): each respondent shares 100
    # points among the dimensions; the weighted score is the mean of Σ W/100 × their gap.
    people = [
        respondent("A", 6, {"reliability": -2, "empathy": -1}, W_tangibles=10,
                   W_reliability=50, W_responsiveness=20, W_assurance=10, W_empathy=10),
        respondent("B", 5, {"tangibles": 1, "reliability": -1}, W_tangibles=40,
                   W_reliability=20, W_responsiveness=20, W_assurance=10, W_empathy=10),
    ]
    repo = survey_repo(tmp_path, {"w": wave_csv(people, weights=True)})
    [wave] = servqual_json(run, repo)
    a = (50 * -2 + 10 * -1) / 100  # −1.1
    b = (40 * 1 + 20 * -1) / 100  # +0.2
    assert wave["weighting"] == "respondents"
    assert abs(wave["weighted"] - (a + b) / 2) < 1e-9
    assert abs(wave["dimensions"]["tangibles"]["importance"] - 25) < 1e-9  # mean W points


def test_the_score_is_the_mean_of_dimension_gaps_not_of_all_item_gaps(
        tmp_path: Path, run: Callable[..., Any]) -> None:
    # Only tangibles (4 of 22 items) falls short, by 2: the dimension gaps are −2, 0, 0, 0, 0.
    repo = survey_repo(tmp_path, {"w": wave_csv([respondent("A", 5, {"tangibles": -2})])})
    [wave] = servqual_json(run, repo)
    mean_of_dimensions = (-2 + 0 + 0 + 0 + 0) / 5  # −0.4
    mean_of_items = 4 * -2 / 22  # −0.3636…: what the score must not be
    assert abs(wave["unweighted"] - mean_of_dimensions) < 1e-9
    assert abs(wave["unweighted"] - mean_of_items) > 0.03


def test_a_dimension_gap_averages_each_respondents_own_mean(
        tmp_path: Path, run: Callable[..., Any]) -> None:
    # A answered one tangibles pair (gap −3), B all four (gap 0): (−3 + 0) ÷ 2 = −1.5, where
    # pooling the five item gaps would give −0.6. C answered no tangibles pair: left out there.
    a = respondent("A", 4, {})
    a.update({"P1": 1, "E2": None, "P3": None, "E4": None})
    c = respondent("C", 5, {"reliability": 1})
    c.update({f"E{i}": None for i in (1, 2, 3, 4)})
    repo = survey_repo(tmp_path, {"w": wave_csv([a, respondent("B", 4, {}), c])})
    [wave] = servqual_json(run, repo)
    tangibles = wave["dimensions"]["tangibles"]
    assert tangibles["gap"] == -1.5 and tangibles["n"] == 2
    assert tangibles["perception"] - tangibles["expectation"] == tangibles["gap"]
    assert wave["respondents"] == 3 and wave["complete"] == 1
    assert wave["missing"] == {"E1": 1, "E2": 2, "E3": 1, "E4": 2, "P3": 1}


def test_reverse_scored_items_count_max_plus_min_minus_the_answer(
        tmp_path: Path, run: Callable[..., Any]) -> None:
    row = respondent("A", 6, {})
    row.update({"E2": 2, "P2": 1})  # negatively worded: scored 7 + 1 − 2 = 6 and 7 + 1 − 1 = 7
    repo = survey_repo(tmp_path, {"w": wave_csv([row])}, "servqual:\n  reverse: [2]\n")
    [wave] = servqual_json(run, repo, "--items")
    item2 = next(i for i in wave["items"] if i["item"] == 2)
    assert (item2["expectation"], item2["perception"], item2["gap"]) == (6, 7, 1)
    assert item2["reverse"] is True
    assert abs(wave["dimensions"]["tangibles"]["gap"] - 1 / 4) < 1e-9


def covariance_alpha(matrix: list[list[float]]) -> float:
    """Cronbach's alpha from the mean variance v and mean covariance c of the items, in plain
    Python: alpha = k·c / (v + (k − 1)·c), an algebraically equal form (Cronbach 1951)."""
    n, k = len(matrix), len(matrix[0])
    means = [sum(r[j] for r in matrix) / n for j in range(k)]

    def cov(a: int, b: int) -> float:
        return sum((r[a] - means[a]) * (r[b] - means[b]) for r in matrix) / (n - 1)

    v = sum(cov(j, j) for j in range(k)) / k
    c = sum(cov(a, b) for a in range(k) for b in range(k) if a != b) / (k * (k - 1))
    return k * c / (v + (k - 1) * c)


def test_cronbach_alpha_matches_the_covariance_form_and_spearman_brown() -> None:
    scores = [[4, 5, 4, 3], [6, 6, 7, 6], [3, 4, 2, 3], [5, 5, 6, 4], [7, 6, 6, 7], [2, 3, 3, 2]]
    assert abs(cronbach_alpha(np.array(scores, float)) - covariance_alpha(scores)) < 1e-12
    # Two items of equal variance correlating r: alpha = 2r / (1 + r) (Spearman–Brown).
    pair = [[1, 2], [2, 1], [3, 3], [4, 5], [5, 4]]  # r = 0.8, both variances 2.5
    assert abs(cronbach_alpha(np.array(pair, float)) - 2 * 0.8 / 1.8) < 1e-12


def test_alpha_under_070_is_flagged(tmp_path: Path, run: Callable[..., Any]) -> None:
    rng = random.Random(7)  # unrelated answers: a low alpha
    rows = [{"respondent": f"R{k}", **{f"{s}{i}": rng.randint(1, 7) for s in "EP"
                                       for i in range(1, 23)}} for k in range(40)]
    repo = survey_repo(tmp_path, {"w": wave_csv(rows)})
    [wave] = servqual_json(run, repo)
    tangibles = wave["dimensions"]["tangibles"]
    matrix = [[float(r[f"E{i}"]) for i in (1, 2, 3, 4)] for r in rows]
    assert abs(tangibles["alpha_expectation"] - covariance_alpha(matrix)) < 1e-6
    assert tangibles["alpha_expectation"] < 0.70 and tangibles["reliable"] is False
    table = run("servqual", "-C", str(repo))
    assert "alpha under 0.70: tangibles" in table.output


def t_tail(t: float, df: int, steps: int = 20000) -> float:
    """P(T ≤ t) for Student's t, by Simpson's rule over the density (written independently)."""
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

    def density(x: float) -> float:
        return math.exp(log_c - (df + 1) / 2 * math.log1p(x * x / df))

    h = t / steps
    total = density(0) + density(t) + sum((4 if i % 2 else 2) * density(i * h)
                                          for i in range(1, steps))
    return 0.5 + total * h / 3


def test_t_quantiles_from_the_table_and_beyond() -> None:
    # Printed tables (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2): 12.706, 2.776, 2.042, 2.021,
    # 2.000, 1.980 for df 1, 4, 30, 40, 60, 120.
    for df, printed in ((1, 12.706), (4, 2.776), (30, 2.042), (40, 2.021), (60, 2.000),
                        (120, 1.980)):
        assert round(t_critical_95(df), 3) == printed
    for df in (1, 2, 7, 29, 31, 45, 100, 400):
        assert abs(t_tail(t_critical_95(df), df) - 0.975) < 1e-7


def test_item_gap_interval_is_t_based_on_paired_differences(
        tmp_path: Path, run: Callable[..., Any]) -> None:
    e1, p1 = [5, 6, 7, 4, 6], [4, 6, 5, 4, 3]  # differences −1, 0, −2, 0, −3
    rows = [respondent(f"R{k}", 4, {}) for k in range(5)]
    for row, e, p in zip(rows, e1, p1, strict=True):
        row.update({"E1": e, "P1": p})
    repo = survey_repo(tmp_path, {"w": wave_csv(rows)})
    [wave] = servqual_json(run, repo, "--items")
    item = wave["items"][0]
    d = [p - e for e, p in zip(e1, p1, strict=True)]
    mean = sum(d) / 5
    sd = math.sqrt(sum((x - mean) ** 2 for x in d) / 4)
    half = 2.776445 * sd / math.sqrt(5)  # t(0.975; 4)
    assert abs(item["gap"] - mean) < 1e-9
    assert abs(item["gap_ci95"][0] - (mean - half)) < 1e-5
    assert abs(item["gap_ci95"][1] - (mean + half)) < 1e-5


def test_change_against_the_previous_wave_by_name(tmp_path: Path, run: Callable[..., Any]) -> None:
    early = wave_csv([respondent("A", 6, {"reliability": -2})])
    late = wave_csv([respondent("A", 6, {"reliability": -1})])
    repo = survey_repo(tmp_path, {"2027-q1": early, "2027-q2": late})
    [wave] = servqual_json(run, repo, "2027-q2")  # the earlier wave is still compared with
    assert wave["previous"] == "2027-q1"
    assert wave["dimensions"]["reliability"]["change"] == 1.0
    assert abs(wave["change_unweighted"] - 0.2) < 1e-9
    result = run("servqual", "-C", str(repo), "2027-q9")
    assert result.exit_code == 1 and "no survey wave '2027-q9'" in result.output


def test_the_json_contract_keys(tmp_path: Path, run: Callable[..., Any]) -> None:
    repo = survey_repo(tmp_path, {"w": wave_csv(published_wave()[:10])})
    [wave] = servqual_json(run, repo)
    assert {"wave", "respondents", "dimensions", "unweighted", "weighted", "weighting"} <= set(wave)
    assert set(wave["dimensions"]) == set(DIMENSIONS)
    assert {"expectation", "perception", "gap", "alpha_expectation", "alpha_perception"} <= set(
        wave["dimensions"]["empathy"])


def test_an_answer_off_the_scale_is_a_file_problem(tmp_path: Path, run: Callable[..., Any]) -> None:
    row = respondent("A", 6, {})
    row["P7"] = 9
    repo = survey_repo(tmp_path, {"w": wave_csv([row])})
    result = run("servqual", "-C", str(repo))
    assert result.exit_code == 1
    assert "audits/surveys/w.csv:2" in result.output and "P7" in result.output


answers = st.one_of(st.none(), st.integers(1, 7))
waves = st.lists(st.fixed_dictionaries({f"{s}{i}": answers for s in "EP"
                                        for i in range(1, ITEMS + 1)}), min_size=2, max_size=8)


def score(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "w.csv"
    path.write_text(text, encoding="utf-8")
    wave, issues = read_survey(path, "w.csv", ITEMS, (1, 7), DIMENSIONS)
    assert wave is not None and not issues
    return score_wave(wave, ServqualConfig())


def figures(result: Any) -> list[Any]:
    return [result.unweighted, result.weighted, result.missing,
            [(d.n, d.expectation, d.perception, d.gap, d.alpha_expectation, d.alpha_perception)
             for d in result.dimensions.values()],
            [(i.n, i.expectation, i.perception, i.gap, i.gap_interval) for i in result.items]]


def close(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(rows=waves, seed=st.integers(0, 2**16))
def test_reordering_respondents_or_columns_changes_nothing(tmp_path: Path, rows: list[Row],
                                                           seed: int) -> None:
    named = [{"respondent": f"R{k}", **row} for k, row in enumerate(rows)]
    before = score(tmp_path, wave_csv(named))
    rng = random.Random(seed)
    shuffled_rows, columns = list(named), ["respondent", *sorted(named[0].keys() - {"respondent"})]
    rng.shuffle(shuffled_rows)
    rng.shuffle(columns)
    after = score(tmp_path, wave_csv(shuffled_rows, columns=columns))
    assert close(figures(before), figures(after))


@PROPERTY
@given(rows=waves, item=st.integers(1, ITEMS))
def test_a_blank_answer_is_never_a_zero(tmp_path: Path, rows: list[Row], item: int) -> None:
    named = [{"respondent": f"R{k}", **row} for k, row in enumerate(rows)]
    blanked = [dict(r) for r in named]
    blanked[0][f"E{item}"] = None
    result = score(tmp_path, wave_csv(blanked))
    # The item's figures are those of the other respondents alone: the blank is left out.
    others = [r for r in named[1:] if r[f"E{item}"] is not None and r[f"P{item}"] is not None]
    scored = next(i for i in result.items if i.item == item)
    assert scored.n == len(others)
    if others:
        expected = sum(int(r[f"E{item}"]) for r in others) / len(others)
        assert math.isclose(scored.expectation, expected)
    assert result.missing.get(f"E{item}", 0) == sum(1 for r in blanked if r[f"E{item}"] is None)
    # A respondent with no answer at all changes no gap.
    empty = score(tmp_path, wave_csv([*blanked, {"respondent": "Z"}]))
    assert close(figures(empty)[:1] + figures(empty)[3:], figures(result)[:1] + figures(result)[3:])


def test_wave_names_date_their_waves() -> None:
    from datetime import date

    from qms.measurement.servqual import wave_date

    assert wave_date("2026-q3") == date(2026, 9, 30)
    assert wave_date("2026-Q4-stores") == date(2026, 12, 31)
    assert wave_date("2024-02") == date(2024, 2, 29)  # a leap year's February
    assert wave_date("2026-09-15") == date(2026, 9, 15)
    assert wave_date("2026") == date(2026, 12, 31)
    assert [wave_date(n) for n in ("autumn", "2026-13", "20261", "w2026-q1")] == [None] * 4


def test_from_and_to_select_waves_by_the_date_their_name_gives(
        tmp_path: Path, run: Callable[..., Any]) -> None:
    rows = wave_csv([respondent("A", 6, {"reliability": -2})])
    repo = survey_repo(tmp_path, {"2026-q1": rows, "2026-q2": rows, "2026-q3": rows,
                                  "pilot": rows})
    ranged = run("servqual", "-C", str(repo), "--format", "json",
                 "--from", "2026-06-30", "--to", "2026-09-30")
    assert ranged.exit_code == 0, ranged.output
    chosen = json.loads(ranged.stdout)
    assert [w["wave"] for w in chosen] == ["2026-q2", "2026-q3"]  # both ends included
    assert chosen[0]["previous"] == "2026-q1"  # the change still looks before the range
    result = run("servqual", "-C", str(repo), "--from", "2026-07-01")
    assert "left out by --from/--to: pilot (the name carries no date" in result.stderr
    assert [w["wave"] for w in servqual_json(run, repo)] == [
        "2026-q1", "2026-q2", "2026-q3", "pilot"]  # no range: every wave
