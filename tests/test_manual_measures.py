"""The measurement section of the manual: one page per measure with readings, its charts drawn
from the measurement library's figures, and pages rewritten only when their readings change."""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from qms.format.load import load_project
from qms.manual.measurepages import Measurement, measure_pages, readings_input
from qms.manual.pages import service_figures
from qms.measurement.kpi import KpiQuery, figure, kpi_rows
from qms.measurement.servqual import score_waves
from qms.measurement.sqi import sqi_report

from .conftest import TODAY
from .manual_helpers import EXTERNAL, build_once, built, html, pinned_env

TWO_SITES = ("APP-001", "uniform-compliance")  # measured at two stores in the sample
_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
_TAG = re.compile(r"<[^>]*>")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample, built once for this module."""
    with pinned_env():
        return built(tmp_path_factory.mktemp("measures"), "sample")


def _charts(page: str) -> list[str]:
    # The classes of the page's inline SVG charts, in order.
    return re.findall(r'<figure class="qms-chart ([a-z-]+)">\s*<svg\b.*?</svg>', page, re.S)


def _table_rows(page: str, cls: str) -> list[list[str]]:
    # The cells of the table with the given class, as text.
    table = re.search(rf'<table[^>]*class="[^"]*\b{cls}\b.*?</table>', page, re.S)
    assert table is not None, cls
    return [[htmllib.unescape(_TAG.sub("", c)).strip() for c in _CELL.findall(row)]
            for row in _ROW.findall(table.group(0)) if "<td" in row]


def test_a_measure_page_shows_the_library_figures_and_its_charts(sample: Path) -> None:
    project, _ = load_project(sample, date.fromisoformat(TODAY))
    page = html(sample, "measures/APP-001-uniform-compliance")
    expected = [[r["site"], r["period"], str(r["n"]), figure(r["mean"]), figure(r["last"])]
                for r in kpi_rows(project, KpiQuery(standard=TWO_SITES[0], measure=TWO_SITES[1]))
                if r["period"] is not None]
    shown = [row[:5] for row in _table_rows(page, "qms-kpi")]
    assert len(expected) > 12  # a year at two stores
    assert shown == expected
    assert _charts(page) == ["qms-xmr", "qms-multiples"]  # all readings, then each site
    multiples = page[page.index('<figure class="qms-chart qms-multiples">'):]
    for site in ("Nanjing Road store", "Xujiahui store"):  # panel titles are SVG text
        assert re.search(rf"<text\b[^>]*>{site}", multiples), site
    assert not EXTERNAL.search(page)


def test_each_row_of_a_measure_table_words_its_own_series_figures(sample: Path) -> None:
    """Every column of every row is the library's figure for that site and month: a second
    site's rows carry its own centre line and limits, not the first site's."""
    project, _ = load_project(sample, date.fromisoformat(TODAY))
    page = html(sample, "measures/APP-001-uniform-compliance")
    rows = [r for r in kpi_rows(project, KpiQuery(standard=TWO_SITES[0], measure=TWO_SITES[1]))
            if r["period"] is not None]
    expected = [[r["site"], r["period"], str(r["n"]), figure(r["mean"]), figure(r["last"]),
                 r["state"], figure(r["centre"]),
                 f"{figure(r['lower_limit'])} – {figure(r['upper_limit'])}",
                 str(len(r["signals"]))] for r in rows]
    assert len({(row[0], row[6], row[7]) for row in expected}) == 2  # two sites, two series
    assert _table_rows(page, "qms-kpi") == expected


def test_every_measure_with_readings_has_a_page_linked_from_its_standard(sample: Path) -> None:
    project, _ = load_project(sample, date.fromisoformat(TODAY))
    measured = sorted({(r.standard, r.measure) for r in project.kpis})
    overview = html(sample, "measurement/index")
    for standard, measure in measured:
        doc = f"measures/{standard}-{measure}"
        assert (sample / "build" / "html" / f"{doc}.html").is_file(), doc
        assert f'href="../{doc}.html"' in html(sample, f"standards/{standard}"), doc
        assert f'href="../{doc}.html"' in overview, doc
    unmeasured = [(s.id, m.id) for s in project.standards.values() for m in s.measures
                  if (s.id, m.id) not in set(measured)]
    for standard, measure in unmeasured:
        assert not (sample / "build" / "html" / f"measures/{standard}-{measure}.html").exists()
    assert 'href="measurement/index.html"' in html(sample, "index")


def test_a_reading_edit_rewrites_that_measure_page_only(tmp_path: Path) -> None:
    repo = built(tmp_path, "sample")
    source = repo / "build" / "source" / "_items" / "measures"
    before = {p.name: p.read_text(encoding="utf-8") for p in source.iterdir()}
    readings = repo / "audits" / "measurements" / "kpi-2026.csv"
    with readings.open("a", encoding="utf-8") as out:
        out.write("2026-11-20,APP-001,uniform-compliance,12.5,Xujiahui store,\n")
    result, _ = build_once(repo, strict=True)
    measure_docs = sorted(d for d in result.written if d.startswith("measures/"))
    assert measure_docs == ["measures/APP-001-uniform-compliance"]
    after = {p.name: p.read_text(encoding="utf-8") for p in source.iterdir()}
    changed = sorted(name for name in after if after[name] != before[name])
    assert changed == ["APP-001-uniform-compliance.json"]
    assert "12.5" in html(repo, "measures/APP-001-uniform-compliance")


def _write_readings(repo: Path) -> None:
    # Ten months of readings at two stores for the zh fixture's measured standard.
    folder = repo / "audits" / "measurements"
    folder.mkdir(parents=True, exist_ok=True)
    rows = [f"2026-{month:02d}-01,DH-001,answered-in-3-rings,{90 + month % 7},{site},"
            for month in range(1, 11) for site in ("南京路店", "徐家汇店")]
    (folder / "kpi.csv").write_text("date,standard,measure,value,site,note\n"
                                    + "\n".join(rows) + "\n", encoding="utf-8")


def test_a_chinese_manual_labels_the_measure_charts_in_chinese(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("zh-sample")
    _write_readings(repo)
    build_once(repo, strict=True)
    page = html(repo, "measures/DH-001-answered-in-3-rings")
    assert "三声之内接听的电话比例" in page
    assert re.search(r"<text\b[^>]*>中心线", page)  # the chart's legend, as text
    assert "按门店与站点和月份" in page
    assert "徐家汇店" in page
    assert 'href="measurement/index.html"' in html(repo, "index")


def test_the_sqi_page_shows_the_library_index_and_pareto(sample: Path) -> None:
    project, _ = load_project(sample, date.fromisoformat(TODAY))
    report = sqi_report(project.sqi, project.config.sqi.weights, "month")
    page = html(sample, "measurement/sqi")
    assert _charts(page) == ["qms-sqi-line", "qms-sqi-week", "qms-sqi-day", "qms-pareto"]
    assert [row[0::4] for row in _table_rows(page, "qms-sqi")] == [
        [name, figure(f.index_percent)] for name, f in report.periods.items()]
    # categories by the names qms.yaml gives them (manual.names), the sample's in English
    shown = project.config.manual.shown_name
    assert shown("lost") == "Lost"
    assert [[row[0], row[3]] for row in _table_rows(page, "qms-pareto-table")] == [
        [shown(c.category), figure(c.points)] for c in report.pareto]
    heaviest = shown(report.pareto[0].category)
    assert re.search(rf"<text\b[^>]*>{heaviest}</text>", page)  # a bar's label, as text
    assert 'href="../measurement/sqi.html"' in html(sample, "measurement/index")


def test_each_wave_page_shows_its_gaps_intervals_and_alpha(sample: Path) -> None:
    project, _ = load_project(sample, date.fromisoformat(TODAY))
    scores = score_waves(project.surveys, project.config.servqual)
    assert len(scores) == 4
    for score in scores:
        page = html(sample, f"measurement/waves/{score.wave}")
        assert _charts(page) == ["qms-wave-bars", "qms-wave-items", "qms-wave-grid"]
        assert [[r[0], r[4], r[6], r[7]] for r in _table_rows(page, "qms-servqual")] == [
            [d.dimension, figure(d.gap), figure(d.alpha_expectation),
             figure(d.alpha_perception)] for d in score.dimensions.values()]
        assert [r[6] for r in _table_rows(page, "qms-servqual-items")] == [
            f"{figure(i.gap_interval[0])} – {figure(i.gap_interval[1])}" if i.gap_interval
            else "" for i in score.items]
    trend = html(sample, "measurement/servqual")
    assert _charts(trend) == ["qms-trend"]
    assert [row[0] for row in _table_rows(trend, "qms-trend")] == [s.wave for s in scores]
    assert [row[-2] for row in _table_rows(trend, "qms-trend")] == [
        figure(s.unweighted) for s in scores]


def test_an_sqi_edit_rewrites_the_sqi_page_and_no_measure_or_wave_page(tmp_path: Path) -> None:
    repo = built(tmp_path, "sample")
    counts = repo / "audits" / "sqi" / "sqi-2026-11.csv"
    with counts.open("a", encoding="utf-8") as out:
        out.write("2026-11-01,lost,40,2698\n")
    result, _ = build_once(repo, strict=True)
    assert "measurement/sqi" in result.written
    assert [d for d in result.written if d.startswith(("measures/", "measurement/waves/"))] == []


def test_measure_text_is_escaped_on_its_page_and_in_its_chart(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("zh-sample")
    standard = repo / "standards" / "DH-001.yaml"
    standard.write_text(standard.read_text(encoding="utf-8").replace(
        "metric: 三声之内接听的电话比例", "metric: <script>alert(1)</script>"), encoding="utf-8")
    _write_readings(repo)
    build_once(repo, strict=True)
    page = html(repo, "measures/DH-001-answered-in-3-rings")
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert re.search(r"<text\b[^>]*>DH-001 &lt;script&gt;alert", page)  # the chart's title


@pytest.mark.parametrize("serving", [False, True])
def test_a_measure_readings_version_follows_each_reading_and_no_other(
        sample_repo: Path, serving: bool) -> None:
    project, _ = load_project(sample_repo, date.fromisoformat(TODAY))
    key = ("APP-001", "uniform-compliance")
    kept: dict[str, Any] | None = {} if serving else None  # `qms serve` keeps the digests

    def versions_of(project: Any) -> dict[str, str]:
        return Measurement(project, kept).versions()

    base = versions_of(project)
    assert versions_of(project) == base  # the same readings, the same versions
    at = next(i for i, r in enumerate(project.kpis) if (r.standard, r.measure) == key)
    first = project.kpis[at]
    other_site = next(r.site for r in project.kpis if (r.standard, r.measure) == key
                      and r.site != first.site)
    for changed in (first._replace(value=first.value + 1e-9), first._replace(site=other_site),
                    first._replace(date=first.date - timedelta(days=1))):
        project.kpis[at] = changed
        versions = versions_of(project)
        assert versions[readings_input(key)] != base[readings_input(key)], changed
        assert {k: v for k, v in versions.items() if k != readings_input(key)} == {
            k: v for k, v in base.items() if k != readings_input(key)}
    project.kpis[at] = first
    assert versions_of(project) == base


def test_an_edit_works_out_its_own_standard_rows_alone_and_the_same(sample_repo: Path) -> None:
    project, _ = load_project(sample_repo, date.fromisoformat(TODAY))
    edited = Measurement(project)
    # an edit of a measured standard renders its page and its measure pages only
    planned = list(measure_pages(project, edited, service_figures(project)))
    assert edited._sites == {}  # every measure page planned, no measure's sites worked out
    pages = [page for page in planned if page.docname.startswith("measures/APP-001-")]
    assert pages
    edited.prepare(pages)
    assert "rows" not in edited.__dict__  # not every measure's rows for one standard's pages
    clean = Measurement(project)
    clean.prepare([*pages] * 30)  # a clean build's many pages: every measure at once
    assert "rows" in clean.__dict__
    for standard in project.standards:
        assert edited.rows_of(standard) == clean.rows_of(standard), standard
    assert edited.rows_of("APP-001") == [
        r for r in kpi_rows(project, KpiQuery(standard="APP-001")) if r["period"] is not None]
