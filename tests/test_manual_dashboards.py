"""Where service quality stands, in the manual: the home page's figures, the audit charts
(compliance per site and quarter, findings by grade and site, CAPA ageing) and the five gaps,
each table holding what the libraries return, and only the pages a reading changes rewritten."""

from __future__ import annotations

import html as htmllib
import re
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qms.format.listing import finding_is_open, finding_is_overdue
from qms.format.load import load_project
from qms.format.project import Project
from qms.manual.auditcharts import AuditFigures
from qms.manual.charts import age_buckets
from qms.manual.dashpages import HomeFigures, quarter_compliance
from qms.manual.derive import Compliance, derive
from qms.manual.measurepages import Measurement
from qms.manual.pages import Docs, service_figures
from qms.measurement.gaps import GapQuery, five_gaps, table_rows
from qms.measurement.kpi import KpiQuery, figure, kpi_rows
from qms.measurement.servqual import score_waves
from qms.measurement.sqi import sqi_report

from .conftest import TODAY
from .manual_helpers import build_once, built, html, pinned_env

_CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)
_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
_TAG = re.compile(r"<[^>]*>")
READING = "2026-11-23,APP-001,uniform-compliance,0,Nanjing Road store,\n"  # APP-001: gap 3


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample, built once for this module."""
    with pinned_env():
        return built(tmp_path_factory.mktemp("dashboards"), "sample")


def _project(repo: Path) -> Project:
    project, _ = load_project(repo, date.fromisoformat(TODAY))
    return project


def _rows(page: str, cls: str) -> list[list[str]]:
    # The body cells of the table with the given class, as text.
    table = re.search(rf'<table[^>]*class="[^"]*\b{cls}\b.*?</table>', page, re.S)
    assert table is not None, cls
    body = table.group(0).split("<tbody>", 1)[1]
    return [[htmllib.unescape(_TAG.sub("", c)).strip() for c in _CELL.findall(row)]
            for row in _ROW.findall(body)]


def _charts(page: str) -> list[str]:
    return re.findall(r'<figure class="qms-chart ([a-z-]+)">\s*<svg\b.*?</svg>', page, re.S)


def _expected_home(project: Project) -> dict[str, tuple[str, str]]:
    """Each home figure as (now, before), worked out here from the libraries."""
    latest: dict[tuple[str, str, str], list[dict]] = {}
    no_data = 0
    for row in kpi_rows(project, KpiQuery(period="month")):
        if row["period"] is None:
            no_data += 1
        else:
            latest.setdefault((row["standard"], row["measure"], row["site"]), []).append(row)
    now, before = Counter[str](), Counter[str]()
    for found in latest.values():
        found.sort(key=lambda r: r["period"])
        for counts, row in [(now, found[-1])] + ([(before, found[-2])] if found[1:] else []):
            counts[row["state"]] += 1
            counts["signal"] += bool(row["signals"])
    expected = {f"KPIs {label}": (str(now[state]), str(before[state])) for label, state in
                (("on target", "on-target"), ("off target", "off-target"),
                 ("with a signal", "signal"))}
    expected["KPIs without data"] = (str(no_data), "—")
    periods = list(sqi_report(project.sqi, project.config.sqi.weights, "month").periods.values())
    expected["SQI per 100 units"] = (figure(periods[-1].index_percent),
                                     figure(periods[-2].index_percent))
    wave = score_waves(project.surveys, project.config.servqual)[-1]
    assert wave.unweighted is not None and wave.change_unweighted is not None
    expected["SERVQUAL score"] = (figure(wave.unweighted),
                                  figure(wave.unweighted - wave.change_unweighted))
    # 30 days before: the CAPAs of audits begun by then that were not yet closed (the sample
    # dates no closing: a closed CAPA closed with its verification)
    day = date.fromisoformat(TODAY) - timedelta(days=30)
    assert not [ref for ref in project.findings if ref.finding.capa and ref.finding.capa.history]
    was_open = [ref.finding.capa for ref in project.findings
                if ref.finding.capa and ref.audit.started.date() <= day
                and (ref.finding.capa.status != "closed"
                     or (ref.finding.capa.verification and ref.finding.capa.verification.on > day))]
    assert was_open  # the sample has CAPAs open a month ago
    expected["Open CAPAs"] = (str(sum(map(finding_is_open, project.findings))),
                              str(len(was_open)))
    expected["Overdue CAPAs"] = (str(sum(finding_is_overdue(ref, project)
                                         for ref in project.findings)),
                                 str(sum(1 for capa in was_open if capa.due and capa.due < day)))
    by_quarter: dict[str, list[int]] = {}
    for audit in project.audits.values():
        quarter = f"{audit.started.year}-Q{(audit.started.month - 1) // 3 + 1}"
        questions = {q.id for q in project.checklists[audit.checklist].questions}
        answered = [a.result for a in audit.answers
                    if a.question in questions and a.result != "not-applicable"]
        counts = by_quarter.setdefault(quarter, [0, 0])
        counts[0] += answered.count("conform")
        counts[1] += len(answered)
    rates = [f"{c / n * 100:.0f} %" if n else "—" for _, (c, n) in sorted(by_quarter.items())]
    expected["Compliance"] = (rates[-1], rates[-2] if len(rates) > 1 else "—")
    return expected


def _shown_home(repo: Path) -> dict[str, tuple[str, str]]:
    return {row[0]: (row[1], row[3]) for row in _rows(html(repo, "index"), "qms-standing")}


def test_the_home_page_shows_where_we_stand_as_the_libraries_say(sample: Path) -> None:
    page = html(sample, "index")
    assert page.index("Where we stand") < page.index("Find your encounter")  # staff text below
    assert _shown_home(sample) == _expected_home(_project(sample))
    for doc in ("measurement/index", "measurement/sqi", "measurement/capa",
                "measurement/compliance", "gaps/index"):
        assert f'href="{doc}.html"' in page, doc
        assert (sample / "build" / "html" / f"{doc}.html").is_file(), doc


def test_the_audit_charts_hold_the_audit_figures(sample: Path) -> None:
    project = _project(sample)
    derived = derive(project, None)
    page = html(sample, "measurement/compliance")
    assert _charts(page) == ["qms-compliance-line"]
    assert _rows(page, "qms-compliance") == [
        [site, *(f"{found[p].rate * 100:.0f} %" if p in found and found[p].rate is not None
                 else "" for p in derived.periods), f"{found['all'].rate * 100:.0f} %"]
        for site, found in derived.site_compliance.items()]
    page = html(sample, "measurement/findings")
    assert _charts(page) == ["qms-findings-bars"]
    counts = Counter((ref.audit.site, ref.finding.grade) for ref in project.findings)
    grades = [g.id for g in project.config.grades if any(g.id == k[1] for k in counts)]
    shown = _rows(page, "qms-findings-counts")
    assert shown[:-1] == [[site, *(str(counts[site, g]) for g in grades),
                           str(sum(counts[site, g] for g in grades))]
                          for site in sorted({site for site, _ in counts})]
    assert shown[-1][-1] == str(len(project.findings))
    page = html(sample, "measurement/capa")
    assert _charts(page) == ["qms-capa-bars"]
    ages = [(project.today - ref.audit.started.date()).days for ref in project.findings
            if finding_is_open(ref)]
    assert [row[1] for row in _rows(page, "qms-capa-ages")] == [
        *(str(count) for _, count in age_buckets(ages)), str(len(ages))]
    assert 'href="../measurement/capa.html"' in html(sample, "measurement/index")


def test_each_gap_page_shows_what_qms_gaps_shows(sample: Path) -> None:
    project = _project(sample)
    gaps = five_gaps(project, GapQuery())
    index = html(sample, "gaps/index")
    counted = [[str(r["gap"]), str(r["standards"]), str(r["plans"]), str(r["overdue_actions"]),
                str(r["open_findings"]), str(r["off_target"])]
               for r in table_rows(gaps) if r["gap"] != 5]
    assert [[row[0], *row[2:7]] for row in _rows(index, "qms-gaps")][:4] == counted
    diagram = re.search(r'<svg[^>]*class="qms-gap-diagram".*?</svg>', index, re.S)
    assert diagram is not None
    svg = diagram.group(0)
    assert "<title" in svg and "<desc" in svg and "currentColor" in svg
    for gap in gaps:
        number = gap["gap"]
        assert f'href="../gaps/gap{number}.html"' in svg, number
        if number != 5:
            assert re.search(rf"<tspan[^>]*>{len(gap['off_target'])} KPIs off target<", svg)
        page = html(sample, f"gaps/gap{number}")
        if number == 5:
            assert [r[0] for r in _rows(page, "qms-gap-survey")] == list(gap["dimensions"])
            continue
        if gap["off_target"]:
            assert [[r[0], r[1], r[3], r[4]] for r in _rows(page, "qms-gap-kpis")] == [
                [k["standard"], k["measure"], k["period"], figure(k["mean"])]
                for k in gap["off_target"]]
        if gap["open_findings"]:
            assert [r[0] for r in _rows(page, "qms-gap-findings")] == [
                f["id"] for f in gap["open_findings"]]
        assert [r[0] for r in _rows(page, "qms-standards")] == gap["standards"]


def _page_mtimes(source: Path) -> dict[str, int]:
    found = {p.relative_to(source).as_posix()[:-len(".rst")]: p.stat().st_mtime_ns
             for p in source.rglob("*.rst")}
    items = source / "_items"
    found.update({p.relative_to(items).as_posix()[:-len(".json")]: p.stat().st_mtime_ns
                  for p in items.rglob("*.json")})
    return found


def test_one_reading_updates_its_measure_the_home_figures_and_its_gap_alone(
        tmp_path: Path) -> None:
    repo = built(tmp_path, "sample")
    source = repo / "build" / "source"
    before = _page_mtimes(source)
    shown_before = _shown_home(repo)
    measure_before = html(repo, "measures/APP-001-uniform-compliance")
    with (repo / "audits" / "measurements" / "kpi-2026.csv").open("a", encoding="utf-8") as out:
        out.write(READING)
    result, _ = build_once(repo, strict=True)
    # Charts are drawn while their page renders: the pages rendered (written or not), so a
    # chart drawn again to the same bytes is seen too
    rendered = [name for each in (result, *result.others) for name in each.rendered]
    after = _page_mtimes(source)
    rewritten = {name for name in after if after[name] != before.get(name)}
    assert {"measures/APP-001-uniform-compliance", "index", "gaps/gap3",
            "standards/APP-001"} <= rewritten
    allowed = {"measures/APP-001-uniform-compliance", "index", "gaps/gap3", "gaps/index",
               "standards/APP-001", "measurement/index"}
    assert rewritten <= allowed, rewritten - allowed
    assert set(result.written) <= allowed
    drawn = set(rendered)  # in each language the manual is built in
    assert "measures/APP-001-uniform-compliance" in drawn
    assert drawn <= allowed, drawn - allowed  # no other chart drawn again
    project = _project(repo)
    values = [r.value for r in sorted((r for r in project.kpis if (r.standard, r.measure) == (
        "APP-001", "uniform-compliance")), key=lambda r: (r.date, r.value))]
    measure = html(repo, "measures/APP-001-uniform-compliance")
    assert measure != measure_before
    xmr = re.search(r'<figure class="qms-chart qms-xmr">.*?<desc>(.*?)</desc>', measure, re.S)
    assert xmr is not None
    assert xmr.group(1).startswith(f"{len(values)} readings from ")
    assert ", latest 0;" in xmr.group(1) and " to 2026-11-23, " in xmr.group(1)
    assert f"{len(values) - 1} readings from " in measure_before
    shown = _shown_home(repo)
    assert shown != shown_before
    assert shown == _expected_home(_project(repo))
    gap = five_gaps(_project(repo), GapQuery())[2]
    assert [[r[0], r[1], r[2], r[4]] for r in _rows(html(repo, "gaps/gap3"), "qms-gap-kpis")] \
        == [[k["standard"], k["measure"], k["site"], figure(k["mean"])]
            for k in gap["off_target"]]


def test_a_chinese_manual_shows_its_figures_and_gaps_in_chinese(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("zh-sample")
    build_once(repo, strict=True)
    home = html(repo, "index")
    assert "当前状况" in home and "达标的指标" in home
    diagram = html(repo, "gaps/index")
    assert re.search(r"<tspan[^>]*>期望的服务</tspan>", diagram)
    assert re.search(r"<tspan[^>]*font-weight=\"bold\">差距 3 · 传递差距</tspan>", diagram)
    assert "按等级和站点统计的发现" in html(repo, "measurement/findings")


def test_a_standard_page_shows_each_measure_latest_month_against_target(sample: Path) -> None:
    project = _project(sample)
    for standard in ("APP-001", "TEL-001"):
        rows = [r for r in kpi_rows(project, KpiQuery(standard=standard, period="month"))
                if r["period"] is not None]
        latest: dict[tuple[str, str], dict] = {}
        for row in rows:
            latest[row["measure"], row["site"]] = row  # kpi_rows is in period order
        metric = {m.id: m.metric for m in project.standards[standard].measures}
        page = html(sample, f"standards/{standard}")
        shown = _rows(page, "qms-results")
        assert [row[:6] for row in shown] == [
            [metric[m], site or "—", r["period"], figure(r["mean"]), r["target"] or "—",
             r["state"]] for (m, site), r in sorted(latest.items(), key=lambda item: (
                list(metric).index(item[0][0]), item[0][1]))]  # as the standard lists them
        assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="qms-sparkline"') \
            == len(latest)
        for measure in {m for m, _ in latest}:
            assert f'href="../measures/{standard}-{measure}.html"' in page


def test_an_audit_page_sums_up_its_answers(sample: Path) -> None:
    project = _project(sample)
    for audit in project.audits.values():
        results = [a.result for a in audit.answers]
        answered = [r for r in results if r != "not-applicable"]
        score = f"{answered.count('conform') / len(answered) * 100:.0f} %" if answered else "—"
        line = re.search(r'<p class="qms-audit-summary">(.*?)</p>',
                         html(sample, f"audits/{audit.id}"))
        assert line is not None
        assert htmllib.unescape(line.group(1)) == (
            f"{results.count('conform')} conform, {results.count('nonconform')} nonconform, "
            f"{results.count('not-applicable')} not applicable; score {score}")


def test_the_sqi_page_shows_the_index_by_week_and_day_too(sample: Path) -> None:
    project = _project(sample)
    page = html(sample, "measurement/sqi")
    for by in ("week", "day"):
        report = sqi_report(project.sqi, project.config.sqi.weights, by)  # type: ignore[arg-type]
        assert [[row[0], row[4]] for row in _rows(page, f"qms-sqi-by-{by}")] == [
            [name, figure(f.index_percent)] for name, f in report.periods.items()]
        assert f'<figure class="qms-chart qms-sqi-{by}">' in page


def test_an_edition_without_audit_figures_leaves_capas_and_compliance_out(sample: Path) -> None:
    project = _project(sample)
    derived = derive(project, None)
    home = HomeFigures(project, derived, Measurement(project), service_figures(project))
    audit_labels = {"Open CAPAs", "Overdue CAPAs", "Compliance"}
    assert audit_labels <= {f.label for f in home.figures()}
    staff = [row[0] for row in home.table(audit_figures=False).rows]
    assert staff and not audit_labels & {cell["t"] for cell in staff}
    assert {cell["t"] for cell in staff} == {f.label for f in home.figures()} - audit_labels


def test_an_edit_of_a_measured_standard_leaves_the_measurement_overview_alone(
        tmp_path: Path) -> None:
    repo = built(tmp_path, "sample")
    path = next((repo / "standards").rglob("APP-001*.yaml"))
    path.write_text(path.read_text(encoding="utf-8") + "# reworded later\n", encoding="utf-8")
    result, _ = build_once(repo, strict=True)
    rendered = [name for each in (result, *result.others) for name in each.rendered]
    assert {"standards/APP-001", "measures/APP-001-uniform-compliance"} <= set(rendered)
    assert not {"measurement/index", "index", "gaps/index"} & set(rendered), rendered


def test_compliance_of_many_sites_draws_all_sites_and_the_lowest(sample: Path) -> None:
    project = _project(sample)
    derived = derive(project, None)
    # nine sites audited in two quarters, site k conforming k of 10 answers in the second
    derived.periods = ["2026-Q2", "2026-Q3"]
    derived.site_compliance = {
        f"Store {k}": {"2026-Q2": Compliance(conform=5, answered=10),
                       "2026-Q3": Compliance(conform=k, answered=10),
                       "all": Compliance(conform=5 + k, answered=20)} for k in range(1, 10)}
    chart = AuditFigures(project, derived, Docs(project)).compliance_line()
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", str(chart))
    drawn = [label for label in labels if label.startswith(("Store", "All sites"))]
    assert drawn == ["All sites", "Store 1", "Store 2", "Store 3", "Store 4", "Store 5"]
    assert "the 5 sites lowest" in str(chart)
    # the overall line: (9 x 5) / 90 and (1 + ... + 9) / 90 conforming
    assert [c.rate for _, c in quarter_compliance(derived)] == [45 / 90, 45 / 90]
    few = dict(list(derived.site_compliance.items())[:3])
    derived.site_compliance = few
    labels = re.findall(r"<text[^>]*>([^<]*)</text>",
                        str(AuditFigures(project, derived, Docs(project)).compliance_line()))
    assert [label for label in labels if label.startswith(("Store", "All"))] == [
        "Store 1", "Store 2", "Store 3"]


@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=30),
       st.one_of(st.none(), st.floats(-1e3, 1e3)))
def test_a_sparkline_stands_its_points_where_the_months_fall(
        means: list[float], target: float | None) -> None:
    """The points across a sparkline (worked out once per number of months) are at PAD + i
    steps, rounded to 0.01, and up it as the means are, from the last month's dot."""
    from qms.manual.standardresults import PAD, SPARK_H, SPARK_W, sparkline

    svg = str(sparkline(means, target, "t"))
    points = re.search(r'points="([^"]*)"', svg).group(1).split(" ")  # type: ignore[union-attr]
    step = (SPARK_W - 2 * PAD) / max(len(means) - 1, 1)
    values = [*means, *([target] if target is not None else [])]
    low, span = min(values), (max(values) - min(values)) or 1.0
    ups = [round(SPARK_H - PAD - (v - low) / span * (SPARK_H - 2 * PAD), 2) for v in means]
    assert points == [f"{round(PAD + i * step, 2)},{up}" for i, up in enumerate(ups)]
    assert f'<circle cx="{round(PAD + (len(means) - 1) * step, 2)}" cy="{ups[-1]}"' in svg
