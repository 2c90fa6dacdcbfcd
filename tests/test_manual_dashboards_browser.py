"""The home page's figures and the five-gap diagram in a real browser (Debian's chromium),
offline: see test_manual_browser.py for the watched tab."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import make_git_repo
from .manual_helpers import build_once, built, copy_sample, pinned_env
from .test_manual_browser import Watched, browser, tab  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def manual(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's manual, built."""
    with pinned_env():
        return built(tmp_path_factory.mktemp("dash-browser"), "sample") / "build" / "html"


@pytest.fixture(scope="module")
def chinese(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Chinese sample's manual, built."""
    with pinned_env():
        return built(tmp_path_factory.mktemp("dash-browser-zh"), "zh-sample") / "build" / "html"


def test_the_home_figures_are_visible_and_lead_to_their_pages(tab: Watched,  # noqa: F811
                                                              manual: Path) -> None:
    page = tab.page
    page.goto((manual / "index.html").as_uri())
    figures = page.locator("article table.qms-standing")
    assert figures.is_visible()
    box = figures.bounding_box()
    heading = page.get_by_role("heading", name="Find your encounter").bounding_box()
    assert box is not None and heading is not None and box["y"] < heading["y"]  # above
    for label in ("KPIs on target", "KPIs off target", "SQI per 100 units", "SERVQUAL score",
                  "Open CAPAs", "Compliance"):
        assert figures.get_by_role("link", name=label, exact=True).is_visible(), label
    now = figures.locator(".qms-standing-now")
    assert now.count() == 9 and all(text.strip() for text in now.all_inner_texts())
    figures.get_by_role("link", name="Open CAPAs", exact=True).click()
    chart = page.locator("article figure.qms-capa-bars svg")
    chart.wait_for()
    assert page.url.endswith("/measurement/capa.html") and chart.is_visible()


def test_the_gap_diagram_links_each_gap(tab: Watched, manual: Path) -> None:  # noqa: F811
    page = tab.page
    page.goto((manual / "gaps" / "index.html").as_uri())
    diagram = page.locator("article svg.qms-gap-diagram")
    assert diagram.is_visible()
    page.locator("svg.qms-gap-diagram a[href='../gaps/gap3.html']").click()
    page.wait_for_url("**/gaps/gap3.html")
    assert "delivery gap" in page.locator("h1").inner_text()


def test_a_chinese_manual_shows_its_figures_and_diagram_in_chinese(
        tab: Watched, chinese: Path) -> None:  # noqa: F811
    page = tab.page
    page.goto((chinese / "index.html").as_uri())
    figures = page.locator("article table.qms-standing")
    assert figures.is_visible()
    assert figures.get_by_role("link", name="达标的指标", exact=True).is_visible()
    page.goto((chinese / "gaps" / "index.html").as_uri())
    for text in ("期望的服务", "感知的服务", "差距 5 · 顾客差距"):
        label = page.locator("svg.qms-gap-diagram tspan", has_text=text).first
        assert label.is_visible(), text


@pytest.fixture(scope="module")
def sample_in_chinese(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample shown in Chinese (manual.language zh_CN), built."""
    with pinned_env():
        repo = copy_sample(tmp_path_factory.mktemp("dash-browser-sample-zh") / "sample")
        config = repo / "qms.yaml"
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("\n  language: en\n", "\n  language: zh_CN\n"),
                          encoding="utf-8")
        make_git_repo(repo)
        build_once(repo, strict=True)
        return repo / "build" / "html"


def test_a_chinese_measure_page_draws_its_chart_labels_in_chinese(
        tab: Watched, sample_in_chinese: Path) -> None:  # noqa: F811
    page = tab.page
    page.goto((sample_in_chinese / "measures" / "APP-001-uniform-compliance.html").as_uri())
    chart = page.locator("article figure.qms-xmr svg")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 100
    for label in ("读数", "中心线", "自然过程界限"):  # the legend: readings, centre line, limits
        text = chart.locator("text", has_text=label).first
        assert text.is_visible(), label
        drawn = text.bounding_box()
        assert drawn is not None and drawn["width"] > 0, label
    page.goto((sample_in_chinese / "measurement" / "sqi.html").as_uri())
    assert page.locator("article figure.qms-pareto svg text", has_text="累计").first.is_visible()
