"""`qms kpi`: targets, attainment per period, XmR limits and signals, --fail, the JSON contract."""

from __future__ import annotations

import csv
import json
import statistics
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qms.format.check import load_valid
from qms.measurement.kpi import KPI_KEYS, KpiQuery, kpi_rows, xmr_limits, xmr_signals
from qms.measurement.targets import parse_target

from .conftest import make_git_repo

STANDARD = """\
id: {id}
title: Standard {id}
status: {status}
owner: Quality
encounter: Delivery
type: {type}
statement: What staff do.
measures:
{measures}"""
MEASURE = "  - id: {id}\n    metric: Metric {id}\n    unit: percent\n{target}"
QMS_YAML = """\
organisation: Test Co
sqi:
  weights: {late: 1}
servqual:
  scale: [1, 7]
"""
HEADER = ["date", "standard", "measure", "value", "site"]


def _standard(folder: Path, sid: str, kind: str, measures: dict[str, str | None],
              status: str = "approved") -> None:
    text = "".join(MEASURE.format(id=m, target=f'    target: "{t}"\n' if t else "")
                   for m, t in measures.items())
    (folder / f"{sid}.yaml").write_text(
        STANDARD.format(id=sid, status=status, type=kind, measures=text), encoding="utf-8")


def _write_readings(repo: Path, rows: list[list[str]]) -> None:
    with (repo / "audits" / "measurements" / "kpi.csv").open("w", encoding="utf-8",
                                                              newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


def _make_repo(path: Path, rows: list[list[str]]) -> Path:
    """A repository with four standards (targets >= 95 and <= 3, a hard measure never read, a
    soft measure without target, a retired hard standard) and the given readings."""
    folder = path / "standards" / "delivery"
    folder.mkdir(parents=True)
    (path / "audits" / "measurements").mkdir(parents=True)
    (path / "qms.yaml").write_text(QMS_YAML, encoding="utf-8")
    _standard(folder, "DLV-001", "hard", {"on-time": ">= 95", "complaints": "<= 3"})
    _standard(folder, "DLV-002", "hard", {"coded": "== 100"})
    _standard(folder, "DLV-003", "soft", {"mood": None})
    _standard(folder, "DLV-004", "hard", {"old": ">= 1"}, status="retired")
    _write_readings(path, rows)
    return make_git_repo(path)


READINGS = [
    ["2026-01-05", "DLV-001", "on-time", "96", "North"],
    ["2026-01-20", "DLV-001", "on-time", "98", "North"],
    ["2026-02-03", "DLV-001", "on-time", "93", "North"],
    ["2026-03-02", "DLV-001", "on-time", "94", "North"],
    ["2026-03-31", "DLV-001", "on-time", "95", "North"],
    ["2026-01-10", "DLV-001", "on-time", "90", "South"],
    ["2026-01-10", "DLV-001", "complaints", "2", "North"],
    ["2026-02-10", "DLV-001", "complaints", "3", "North"],
    ["2026-01-12", "DLV-003", "mood", "4.5", ""],
]


@pytest.fixture
def kpi_repo(tmp_path: Path) -> Path:
    """A real git repository with the standards and readings above."""
    return _make_repo(tmp_path / "kpi", READINGS)


def _json(run: Callable[..., Any], repo: Path, *args: str) -> list[dict[str, Any]]:
    result = run("kpi", "-C", str(repo), "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _find(rows: list[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


# ---------------------------------------------------------------- targets


@pytest.mark.parametrize(("text", "meets", "misses"), [
    (">= 95", [95, 95.5, 100], [94.99]),
    ("> 3", [3.01, 10], [3, 2]),
    ("<= 3", [3, 0, -1], [3.01]),
    ("< 2", [1.99, -4], [2, 2.5]),
    ("== 100", [100, 100.0], [99.99, 100.01]),
    ("  >=  -1.5 ", [-1.5, 0], [-1.51]),
    (">=0.5", [0.5], [0.49]),
])
def test_every_target_form_is_parsed_and_judged(text: str, meets: list[float],
                                                misses: list[float]) -> None:
    target = parse_target(text)
    assert target is not None
    assert all(target.met(v) for v in meets)
    assert not any(target.met(v) for v in misses)


def test_a_mean_that_meets_the_target_in_exact_arithmetic_meets_it() -> None:
    # 95.1 three times sums to 285.29999999999995 in floating point: its mean is below 95.1
    mean = sum([95.1, 95.1, 95.1]) / 3
    assert mean < 95.1
    target = parse_target(">= 95.1")
    assert target is not None and target.met(mean)
    assert parse_target("== 95.1").met(mean)  # type: ignore[union-attr]
    assert not parse_target("> 95.1").met(mean)  # type: ignore[union-attr]


def test_no_target_and_a_malformed_target() -> None:
    assert parse_target(None) is None
    with pytest.raises(ValueError, match="comparator"):
        parse_target("about 95")


# ---------------------------------------------------------------- XmR

# Montgomery, Introduction to Statistical Quality Control, 6th ed., Example 6.5: the viscosity
# of 15 batches of aircraft primer paint; published x-bar = 33.52, MR-bar = 0.48,
# UCL = 34.80, LCL = 32.24 (limits x-bar ± 3 MR-bar / 1.128).
VISCOSITY = [33.75, 33.05, 34.00, 33.81, 33.46, 34.02, 33.68, 33.27, 33.49, 33.20, 33.62, 33.00,
             33.54, 33.12, 33.84]


def test_xmr_limits_reproduce_montgomerys_viscosity_example() -> None:
    limits = xmr_limits(VISCOSITY)
    assert limits is not None
    assert round(limits.centre, 2) == 33.52
    assert round(limits.mean_moving_range, 2) == 0.48
    assert round(limits.upper, 2) == 34.80
    assert round(limits.lower, 2) == 32.24
    assert limits.baseline == 15 and not limits.provisional
    assert xmr_signals(VISCOSITY, limits) == [[]] * 15  # the example's process is in control


def test_xmr_limits_match_an_independent_computation() -> None:
    # centre = mean of the values; moving range i = |x_i - x_(i-1)|; limits = centre ± 2.66 mR
    total = 0.0
    for value in VISCOSITY:
        total += value
    centre = total / len(VISCOSITY)
    ranges = [abs(b - a) for a, b in zip(VISCOSITY, VISCOSITY[1:], strict=False)]
    mean_range = statistics.fmean(ranges)
    limits = xmr_limits(VISCOSITY)
    assert limits is not None
    assert limits.centre == pytest.approx(centre, rel=1e-12)
    assert limits.upper == pytest.approx(centre + 2.66 * mean_range, rel=1e-12)
    assert limits.lower == pytest.approx(centre - 2.66 * mean_range, rel=1e-12)


def test_the_baseline_is_the_first_20_readings() -> None:
    values = [10.0, 12.0] * 10 + [500.0] * 5  # the last five would move the centre if used
    limits = xmr_limits(values)
    assert limits is not None
    assert limits.centre == pytest.approx(11.0) and limits.baseline == 20
    assert limits.mean_moving_range == pytest.approx(2.0)
    assert [bool(found) for found in xmr_signals(values, limits)] == [False] * 20 + [True] * 5


@pytest.mark.parametrize(("count", "provisional"), [(2, True), (7, True), (8, False),
                                                    (20, False)])
def test_limits_are_provisional_under_8_readings(count: int, provisional: bool) -> None:
    limits = xmr_limits(([10.0, 11.0, 13.0] * 10)[:count])
    assert limits is not None and limits.provisional is provisional
    assert limits.baseline == count


def test_one_reading_has_no_limits() -> None:
    assert xmr_limits([5.0]) is None


def test_a_point_beyond_either_limit_signals() -> None:
    values = [10.0, 11.0] * 6 + [30.0, 10.0, -20.0]  # centre 11.x, mean range ~3.6: both beyond
    limits = xmr_limits(values)
    assert limits is not None
    flags = xmr_signals(values, limits)
    assert [i for i, f in enumerate(flags) if "beyond-limits" in f] == [12, 14]
    assert values[12] > limits.upper and values[14] < limits.lower


def test_eight_in_a_row_on_one_side_signal_and_seven_do_not() -> None:
    alternating = [11.0, 9.0] * 6  # ends below the centre line
    eight = alternating + [10.5] * 8
    # centre = (6*9 + 6*11 + 8*10.5) / 20 = 10.2: the last eight lie above it
    limits = xmr_limits(eight)
    assert limits is not None and limits.centre == pytest.approx(10.2)
    flags = xmr_signals(eight, limits)
    assert [i for i, f in enumerate(flags) if "run-of-8" in f] == list(range(12, 20))
    assert not any("beyond-limits" in f for f in flags)
    seven = alternating + [10.5] * 7 + [9.0]
    limits = xmr_limits(seven)
    assert limits is not None
    assert not any("run-of-8" in f for f in xmr_signals(seven, limits))


def test_a_value_on_the_centre_line_ends_a_run() -> None:
    limits = xmr_limits([8.0, 12.0] * 5)  # centre line 10.0, limits 10 ± 2.66 × 4
    assert limits is not None and limits.centre == 10.0
    broken = [11.0] * 4 + [10.0] + [11.0] * 4  # nine values, but no eight in a row above
    assert not any("run-of-8" in f for f in xmr_signals(broken, limits))
    assert all("run-of-8" in f for f in xmr_signals([11.0] * 8, limits))


# ---------------------------------------------------------------- the command


def test_attainment_per_site_and_period(run: Callable[..., Any], kpi_repo: Path) -> None:
    rows = _json(run, kpi_repo)
    north = _find(rows, standard="DLV-001", measure="on-time", site="North")
    assert [r["period"] for r in north] == ["2026-01", "2026-02", "2026-03"]
    january, february, march = north
    assert (january["n"], january["mean"], january["last"]) == (2, 97.0, 98.0)
    assert [r["on_target"] for r in north] == [True, False, False]  # March: (94 + 95) / 2
    assert march["mean"] == pytest.approx(94.5)
    assert [r["share_on_target"] for r in north] == pytest.approx([1, 1 / 2, 1 / 3])
    assert [r["streak"] for r in north] == [1, 1, 2]
    assert february["change"] == pytest.approx(93 - 97) and january["change"] is None
    assert march["target"] == ">= 95" and march["state"] == "off-target"
    south = _find(rows, standard="DLV-001", measure="on-time", site="South")
    assert [(r["n"], r["on_target"], r["centre"]) for r in south] == [(1, False, None)]
    complaints = _find(rows, measure="complaints")
    assert [r["on_target"] for r in complaints] == [True, True]  # <= 3 holds at 3
    mood = _find(rows, measure="mood")
    assert [(r["state"], r["on_target"], r["target"]) for r in mood] == [("no-target", None,
                                                                           None)]


def test_xmr_fields_in_every_row_of_a_series(run: Callable[..., Any], kpi_repo: Path) -> None:
    north = _find(_json(run, kpi_repo), measure="on-time", site="North")
    values = [96, 98, 93, 94, 95]
    ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    centre, mean_range = sum(values) / 5, sum(ranges) / 4
    for row in north:
        assert row["centre"] == pytest.approx(centre)
        assert row["upper_limit"] == pytest.approx(centre + 2.66 * mean_range)
        assert row["lower_limit"] == pytest.approx(centre - 2.66 * mean_range)
        assert (row["baseline"], row["provisional"]) == (5, True)


def test_a_hard_measure_without_readings_is_no_data(run: Callable[..., Any],
                                                    kpi_repo: Path) -> None:
    rows = _json(run, kpi_repo)
    (coded,) = _find(rows, standard="DLV-002")
    assert (coded["measure"], coded["state"], coded["n"], coded["period"]) == ("coded",
                                                                              "no-data", 0, None)
    assert coded["target"] == "== 100" and coded["on_target"] is None
    assert not _find(rows, standard="DLV-004")  # retired: no longer measured
    # a measure read only outside --from/--to has no data in that range
    ranged = _json(run, kpi_repo, "--from", "2026-04-01")
    assert {(r["standard"], r["measure"], r["state"]) for r in ranged} == {
        ("DLV-001", "on-time", "no-data"), ("DLV-001", "complaints", "no-data"),
        ("DLV-002", "coded", "no-data")}


def test_from_and_to_include_both_days(run: Callable[..., Any], kpi_repo: Path) -> None:
    rows = _json(run, kpi_repo, "--from", "2026-01-20", "--to", "2026-03-02",
                 "--measure", "on-time", "--site", "North")
    assert [(r["period"], r["n"]) for r in rows] == [("2026-01", 1), ("2026-02", 1),
                                                     ("2026-03", 1)]
    assert rows[0]["mean"] == 98 and rows[2]["mean"] == 94


def test_json_keys_are_the_documented_contract(run: Callable[..., Any], kpi_repo: Path) -> None:
    rows = _json(run, kpi_repo)
    assert rows and all(list(r) == list(KPI_KEYS) for r in rows)
    required = {"standard", "measure", "site", "period", "n", "mean", "target", "on_target"}
    assert required <= set(KPI_KEYS)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert all(f"`{key}`" in readme for key in KPI_KEYS)


def test_fail_exits_1_when_a_latest_period_is_off_target(run: Callable[..., Any],
                                                         kpi_repo: Path) -> None:
    result = run("kpi", "-C", str(kpi_repo), "--fail")
    assert result.exit_code == 1
    assert "DLV-001 on-time at North 2026-03: mean 94.5, target >= 95" in result.stderr
    assert "at South" in result.stderr and "complaints" not in result.stderr
    # January alone was on target at North: its latest period there is on target
    passing = run("kpi", "-C", str(kpi_repo), "--fail", "--site", "North", "--to", "2026-01-31")
    assert passing.exit_code == 0, passing.output
    without = run("kpi", "-C", str(kpi_repo))
    assert without.exit_code == 0


def test_table_and_csv(run: Callable[..., Any], kpi_repo: Path) -> None:
    table = run("kpi", "-C", str(kpi_repo), "--period", "quarter")
    assert table.exit_code == 0
    lines = table.output.splitlines()
    assert lines[0].split()[:5] == ["STANDARD", "MEASURE", "SITE", "PERIOD", "N"]
    # the quarter's mean at North is (96 + 98 + 93 + 94 + 95) / 5 = 95.2, at South 90
    assert any("2026-Q1" in line and "on-target" in line and "North" in line for line in lines)
    assert any("2026-Q1" in line and "off-target" in line and "South" in line for line in lines)
    assert any("coded" in line and "no-data" in line for line in lines)
    text = run("kpi", "-C", str(kpi_repo), "--format", "csv").output
    header, *body = list(csv.reader(text.splitlines()))
    assert header == list(KPI_KEYS) and len(body) == len(_json(run, kpi_repo))


def test_unknown_standard_or_measure_is_a_usage_error(run: Callable[..., Any],
                                                      kpi_repo: Path) -> None:
    result = run("kpi", "-C", str(kpi_repo), "--standard", "DLV-01")
    assert result.exit_code == 2 and "there is no standard DLV-01" in result.stderr
    result = run("kpi", "-C", str(kpi_repo), "--standard", "DLV-002", "--measure", "on-time")
    assert result.exit_code == 2 and "DLV-002 has no measure on-time" in result.stderr
    result = run("kpi", "-C", str(kpi_repo), "--measure", "on-tme")
    assert result.exit_code == 2
    assert "--measure: no standard has a measure on-tme (did you mean 'on-time'?)" in result.stderr


def test_signals_name_their_readings(run: Callable[..., Any], tmp_path: Path) -> None:
    # centre line (6 × 99 + 6 × 95 + 8 × 99) / 20 = 97.8: the first twelve alternate around it,
    # the last eight lie above it; limits 97.8 ± 2.66 × 48 / 19 hold every value
    values = [99.0, 95.0] * 6 + [99.0] * 8
    days = [date(2026, 1, 1 + i).isoformat() for i in range(len(values))]
    repo = _make_repo(tmp_path / "signals", [[d, "DLV-001", "on-time", str(v), "North"]
                                             for d, v in zip(days, values, strict=True)])
    (row,) = _json(run, repo, "--measure", "on-time")
    assert row["signals"] == [{"date": d, "value": 99.0, "rules": ["run-of-8"]}
                              for d in days[12:]]


# ---------------------------------------------------------------- reordering rows


SHUFFLED = [
    *READINGS,
    ["2026-01-05", "DLV-001", "on-time", "91", "North"],  # a second reading of the same day
    ["2026-02-03", "DLV-001", "on-time", "99.5", "North"],
    ["2026-01-10", "DLV-001", "complaints", "1", "North"],
]


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(len(SHUFFLED))))
def test_reordering_the_rows_changes_nothing(tmp_path: Path, order: list[int]) -> None:
    repo = tmp_path / "shuffled"
    if not repo.exists():
        _make_repo(repo, SHUFFLED)
    query = KpiQuery(period="week")
    _write_readings(repo, SHUFFLED)
    expected = kpi_rows(load_valid(repo, date(2026, 11, 23)), query)
    _write_readings(repo, [SHUFFLED[i] for i in order])
    assert kpi_rows(load_valid(repo, date(2026, 11, 23)), query) == expected


def test_the_report_reads_standards_and_readings_only(kpi_repo: Path, run) -> None:
    # qms kpi reads qms.yaml, the standards and the readings (5,000 standards and 100,000
    # readings stay under 2 s); a broken checklist is qms check's to report, a broken reading
    # or standard stops the report with qms check's message.
    checklists = kpi_repo / "audits" / "checklists"
    checklists.mkdir(parents=True, exist_ok=True)
    (checklists / "CL-X.yaml").write_text("id: CL-X\ntitel: x\n", encoding="utf-8")
    assert run("check", str(kpi_repo)).exit_code == 1
    assert {r["measure"] for r in _json(run, kpi_repo)} >= {"on-time", "complaints"}
    with (kpi_repo / "audits" / "measurements" / "kpi.csv").open("a", encoding="utf-8") as out:
        out.write("2026-04-01,DLV-001,on-tme,97,North\n")
    broken = run("kpi", "-C", str(kpi_repo))
    assert broken.exit_code == 1
    assert "audits/measurements/kpi.csv:" in broken.stderr
    assert "DLV-001 has no measure 'on-tme' (did you mean 'on-time'?)" in broken.stderr


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.sampled_from([9.0, 9.5, 10.0, 10.5, 11.0, 14.0, 6.0]), min_size=2,
                       max_size=40))
def test_signals_are_the_array_formulation(values: list[float]) -> None:
    # xmr_signals compares plain floats; the same rules on numpy arrays give the same flags
    # (values on the centre line, beyond either limit, runs cut by the centre line).
    import numpy as np

    limits = xmr_limits(values)
    assert limits is not None
    data = np.asarray(values)
    beyond = ((data > limits.upper) | (data < limits.lower)).tolist()
    sides = np.sign(data - limits.centre).tolist()
    expected: list[list[str]] = [["beyond-limits"] if out else [] for out in beyond]
    start = 0
    for index in range(1, len(sides) + 1):
        if index == len(sides) or sides[index] != sides[start]:
            if sides[start] != 0 and index - start >= 8:
                for member in range(start, index):
                    expected[member].append("run-of-8")
            start = index
    assert xmr_signals(values, limits) == expected


def test_a_duplicate_id_on_a_fresh_clone_is_named_with_its_line(kpi_repo: Path, run) -> None:
    # Without a cache the standards are read and validated in one go (models, no line marks):
    # a duplicate id is read again with its lines, as qms check names it.
    folder = kpi_repo / "standards" / "delivery"
    (folder / "DLV-001-copy.yaml").write_bytes((folder / "DLV-001.yaml").read_bytes())
    result = run("kpi", "-C", str(kpi_repo))
    assert result.exit_code == 1
    line = (folder / "DLV-001.yaml").read_text(encoding="utf-8").splitlines().index(
        "id: DLV-001") + 1
    assert (f"standards/delivery/DLV-001.yaml:{line}: error [duplicate-id] the id DLV-001 is "
            "already used by standards/delivery/DLV-001-copy.yaml") in result.stderr


def test_a_reading_must_be_a_finite_number(run: Callable[..., Any], tmp_path: Path) -> None:
    # float() reads "nan", "inf" and 1e400 (infinite): none is a reading
    bad = ["nan", "inf", "-Infinity", "1e400", "9,5"]
    repo = _make_repo(tmp_path / "bad", [["2026-01-05", "DLV-001", "on-time", v, "North"]
                                         for v in [*bad, "96.5"]])
    result = run("kpi", "-C", str(repo))
    assert result.exit_code == 1
    for line, value in enumerate(bad, start=2):
        assert (f"audits/measurements/kpi.csv:{line}: error [csv-value] column 'value': "
                f"{value!r} is not a number") in result.stderr
    assert "kpi.csv:7:" not in result.stderr


def test_the_collector_is_on_again_after_the_report(run: Callable[..., Any],
                                                     kpi_repo: Path) -> None:
    # qms kpi builds its rows without the cyclic collector; in process (a library caller, a
    # test runner) it must be back on afterwards, also when the command fails
    import gc

    assert gc.isenabled()
    assert run("kpi", "-C", str(kpi_repo), "--fail").exit_code == 1
    assert gc.isenabled()
    assert run("kpi", "-C", str(kpi_repo)).exit_code == 0
    assert gc.isenabled()


def test_one_standards_rows_from_its_readings_alone_are_its_rows_of_every_reading(
        kpi_repo: Path) -> None:
    # The manual hands kpi_rows a standard's readings it keeps by measure (a serve edit at
    # 5,000 standards does not look through 400,000 readings): the rows are the same, the
    # measure never read and a month filter included.
    project = load_valid(kpi_repo, date(2026, 11, 23))
    for standard in ("DLV-001", "DLV-002", "DLV-003", "DLV-004"):
        for query in (KpiQuery(standard=standard, period="month"),
                      KpiQuery(standard=standard, period="week", since=date(2026, 2, 1))):
            own = [r for r in project.kpis if r.standard == standard]
            every = kpi_rows(project, query)
            assert kpi_rows(project, query, own) == every
    assert [r["state"] for r in kpi_rows(project, KpiQuery(standard="DLV-002"), [])] == \
        ["no-data"]
    assert kpi_rows(project, KpiQuery(standard="DLV-004"), []) == []  # retired: no row
    with pytest.raises(ValueError):
        kpi_rows(project, KpiQuery(), project.kpis)
