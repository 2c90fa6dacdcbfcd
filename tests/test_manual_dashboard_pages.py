"""Issue 12 in real builds of the sample: every page it lists is built and reached by links from
the home page; every chart is a valid SVG with a title, alt text, its labels as <text> and a
table beside it; the charts say what the measurement library says; a zh_CN build labels every
chart in Chinese; and two clean builds draw the same bytes."""

from __future__ import annotations

import html as htmllib
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from qms.format.load import load_project
from qms.format.project import Project
from qms.manual.itemdata import link_targets
from qms.measurement.kpi import KpiQuery, figure, kpi_rows, xmr_limits, xmr_signals
from qms.measurement.servqual import score_waves

from .conftest import TODAY, make_git_repo
from .manual_helpers import build_once, built, copy_sample, html, pinned_env

SVG = "{http://www.w3.org/2000/svg}"
# a chart as the pages hold it: the figure, its class and the SVG inside
FIGURE = re.compile(r'<figure class="qms-chart ([a-z-]+)">\s*(<svg\b.*?</svg>)', re.S)
# every SVG qms draws (charts, the gap diagram, sparklines); furo's own icons have no qms- class
QMS_SVG = re.compile(r'<svg\b[^>]*class="qms-[^"]*".*?</svg>', re.S)
HREF = re.compile(r'href="([^"#?]+\.html)[^"]*"')
ENGLISH = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample, built once for this module."""
    with pinned_env():
        return built(tmp_path_factory.mktemp("dashboard-pages"), "sample")


@pytest.fixture(scope="module")
def chinese(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample shown in Chinese (manual.language zh_CN), built."""
    with pinned_env():
        repo = copy_sample(tmp_path_factory.mktemp("dashboard-pages-zh") / "sample")
        config = repo / "qms.yaml"
        text = config.read_text(encoding="utf-8")
        assert "\n  language: en\n" in text
        config.write_text(text.replace("\n  language: en\n", "\n  language: zh_CN\n"),
                          encoding="utf-8")
        make_git_repo(repo)
        build_once(repo, strict=True)
        return repo


def _project(repo: Path) -> Project:
    project, _ = load_project(repo, date.fromisoformat(TODAY))
    return project


def _issue_pages(project: Project) -> list[str]:
    """The pages issue 12 lists, named from the project's own data."""
    waves = [w.id for w in project.surveys]
    assert waves and all(re.fullmatch(r"[a-z0-9-]+", w) for w in waves)  # their slugs
    measured = sorted({(r.standard, r.measure) for r in project.kpis})
    return ["index", "measurement/index", *(f"measures/{s}-{m}" for s, m in measured),
            "measurement/sqi", "measurement/servqual",
            *(f"measurement/waves/{w}" for w in waves), "measurement/compliance",
            "measurement/findings", "measurement/capa", "gaps/index",
            *(f"gaps/gap{n}" for n in range(1, 6)),
            *sorted(f"standards/{s}" for s, _ in measured),
            *sorted(f"audits/{a}" for a in project.audits)]


def _reached(out: Path) -> set[str]:
    # Every page reached by following links from the home page.
    seen, todo = set(), ["index.html"]
    while todo:
        page = todo.pop()
        if page in seen or not (out / page).is_file():
            continue
        seen.add(page)
        folder = Path(page).parent
        for href in HREF.findall((out / page).read_text(encoding="utf-8")):
            if "://" not in href:
                todo.append(os.path.normpath(folder / htmllib.unescape(href)))
    return {page[:-len(".html")] for page in seen}


def _qms_svgs(repo: Path, lang: str | None = None) -> dict[str, list[str]]:
    # Every page's SVGs drawn by qms (of the pages in one language, when given).
    out, found = repo / "build" / "html", {}
    for path in sorted(out.rglob("*.html")):
        page = path.read_text(encoding="utf-8")
        if lang is None or f' lang="{lang}"' in page[:300]:
            found[path.relative_to(out).as_posix()] = QMS_SVG.findall(page)
    return found


def _texts(root: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def test_every_page_of_the_issue_is_built_and_reached_from_the_home_page(sample: Path) -> None:
    pages = _issue_pages(_project(sample))
    assert len([p for p in pages if p.startswith("measures/")]) > 20
    reached = _reached(sample / "build" / "html")
    missing = [page for page in pages if page not in reached]
    assert missing == []


def test_every_chart_is_a_titled_described_svg_with_text_labels_and_a_table(
        sample: Path) -> None:
    out = sample / "build" / "html"
    charted = 0
    for path in sorted(out.rglob("*.html")):
        page = path.read_text(encoding="utf-8")
        for found in FIGURE.finditer(page):
            name = f"{path.relative_to(out)} {found.group(1)}"
            root = ET.fromstring(found.group(2))  # well-formed XML, or the test fails here
            assert root.tag == f"{SVG}svg" and root.get("viewBox"), name
            title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
            assert title is not None and title.text and title.text.strip(), name
            assert desc is not None and desc.text and len(desc.text) > 10, name  # the alt text
            spans = [*_texts(root), *("".join(t.itertext()) for t in root.iter(f"{SVG}tspan"))]
            assert len(spans) >= 3, name
            # the title is drawn as text (shortened with … when it is wider than the chart)
            assert any(title.text.startswith(t.rstrip("…")) for t in spans if t), name
            for node in root.iter():
                assert node.tag not in (f"{SVG}image", f"{SVG}script", f"{SVG}foreignObject")
                link = node.get("href")
                assert link is None or link.startswith("#") or (
                    link.endswith(".html") and "//" not in link), (name, link)
            # its numbers in a table beside it: a table follows the figure on its page
            assert "<table" in page[found.end():], name
            charted += 1
    assert charted > 60
    for path, svgs in _qms_svgs(sample).items():
        for svg in svgs:
            root = ET.fromstring(svg)
            title = root.find(f"{SVG}title")
            assert title is not None and title.text, path  # sparklines too


def test_no_page_holds_an_id_twice(sample: Path) -> None:
    # HTML allows an id once per page; a measure's page inlines several charts, each with its
    # markers and patterns (and a reference to one must find that chart's own)
    out = sample / "build" / "html"
    charted = 0
    for path in sorted(out.rglob("*.html")):
        page = path.read_text(encoding="utf-8")
        ids = re.findall(r'\sid="([^"]+)"', page)
        repeated = sorted({name for name in ids if ids.count(name) > 1})
        assert not repeated, (path.relative_to(out).as_posix(), repeated[:3])
        charted += len(FIGURE.findall(page)) > 1 and any(
            name.startswith("qms-") for name in ids)
    assert charted > 10  # (pages with several charts that define ids)


def test_each_xmr_chart_says_what_the_library_computes(sample: Path) -> None:
    project = _project(sample)
    by_measure: dict[tuple[str, str], list[tuple[date, float]]] = defaultdict(list)
    for reading in project.kpis:
        by_measure[reading.standard, reading.measure].append((reading.date, reading.value))
    assert len(by_measure) > 20
    for (standard, measure), readings in sorted(by_measure.items()):
        values = [value for _, value in sorted(readings)]
        limits = xmr_limits(values)
        page = html(sample, f"measures/{standard}-{measure}")
        charts = dict(FIGURE.findall(page))
        desc = htmllib.unescape(ET.fromstring(charts["qms-xmr"]).findtext(f"{SVG}desc") or "")
        assert desc.startswith(f"{len(values)} readings from {min(readings)[0]} to "
                               f"{max(readings)[0]}"), (standard, measure, desc)
        if limits is not None:
            signals = sum(bool(rules) for rules in xmr_signals(values, limits))
            assert f"centre line {figure(limits.centre)}" in desc
            assert (f"natural process limits {figure(limits.lower)} to "
                    f"{figure(limits.upper)}") in desc
            assert f"; {signals} signals" in desc, (standard, measure, desc)
        table = _kpi_table(page)
        expected = [[r["site"] or "—", r["period"], str(r["n"]), figure(r["mean"]),
                     figure(r["last"]), r["state"], figure(r["centre"]),
                     "" if r["lower_limit"] is None else
                     f"{figure(r['lower_limit'])} – {figure(r['upper_limit'])}",
                     str(len(r["signals"]))]
                    for r in kpi_rows(project, KpiQuery(standard=standard, measure=measure))
                    if r["period"] is not None]
        assert table == expected, (standard, measure)


def test_each_wave_grid_has_its_figures_in_a_table_beside_it(sample: Path) -> None:
    project = _project(sample)
    for score in score_waves(project.surveys, project.config.servqual):
        page = html(sample, f"measurement/waves/{score.wave}")
        grid = page.index('<figure class="qms-chart qms-wave-grid">')
        assert page.index('class="qms-table qms-servqual-grid', grid) > grid
        assert _table(page, "qms-servqual-grid") == [
            [d.dimension, figure(d.importance), figure(d.perception), d.quadrant or ""]
            for d in score.dimensions.values()]


def _kpi_table(page: str) -> list[list[str]]:
    return _table(page, "qms-kpi")


def _table(page: str, cls: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*class="[^"]*\b{cls}\b.*?</table>', page, re.S)
    assert table is not None
    body = table.group(0).split("<tbody>", 1)[1]
    return [[htmllib.unescape(re.sub(r"<[^>]*>", "", cell)).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_a_chinese_build_labels_every_chart_in_chinese(chinese: Path) -> None:
    project = _project(chinese)
    # English left in a chart may only be the repository's own data: ids, sites, categories
    data = " ".join([*project.standards, *(a.site for a in project.audits.values()),
                     *(r.site for r in project.kpis), *(r.category for r in project.sqi)])
    allowed = set(ENGLISH.findall(data))
    english: dict[str, str] = {}
    chinese_labels = 0
    shown = _qms_svgs(chinese, "zh-CN")
    assert "measures/APP-001-uniform-compliance.html" in shown
    for path, svgs in shown.items():
        for svg in svgs:
            root = ET.fromstring(svg)
            for text in [*_texts(root), root.findtext(f"{SVG}desc") or "",
                         root.findtext(f"{SVG}title") or ""]:
                chinese_labels += bool(re.search(r"[\u4e00-\u9fff]", text))
                for word in ENGLISH.findall(text):
                    if word not in allowed:
                        english.setdefault(word, path)
    assert english == {}
    assert chinese_labels > 200
    page = html(chinese, "measures/APP-001-uniform-compliance")
    assert re.search(r"<text\b[^>]*>中心线</text>", page)


def test_two_clean_builds_draw_the_same_chart_bytes(sample: Path, tmp_path: Path) -> None:
    other = make_git_repo(copy_sample(tmp_path / "elsewhere"))
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "QMS_TODAY": TODAY}
    subprocess.run([str(Path(sys.executable).parent / "qms"), "build", "--clean", "-q",
                    "--today", TODAY, str(other)], env=env, check=True, capture_output=True)
    first, second = _qms_svgs(sample), _qms_svgs(other)
    assert sum(map(len, first.values())) > 100
    assert first == second


def test_a_page_links_are_found_by_whole_attribute_names_only() -> None:
    body = ('<a href="../standards/A-1.html#x">a</a><a data-href="b.html">b</a>'
            '<a xhref="c.html">c</a><svg><a href="../gaps/gap3.html"><text>3</text></a></svg>'
            '<a href="https://example.org/">d</a><a\nhref="e.html">e</a>href="f.html"')
    assert link_targets("measures/M-1", body) == [
        "gaps/gap3", "measures/b", "measures/e", "measures/f", "standards/A-1"]
