"""The manual in each of manual.languages: one manual per language, the switcher between the
same page in each, the theme's and ISO 9001's words in Chinese, and one-language manuals as
they were. Real builds of a small bilingual fixture and of the (bilingual) sample."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from docutils.parsers.rst import directives, roles
from playwright.sync_api import sync_playwright

from qms.manual.build import BuildResult
from qms.manual.buildmemory import BuildMemory
from qms.manual.sphinx_build import SphinxSession

from .conftest import make_git_repo
from .manual_helpers import (
    build_once,
    copy_fixture,
    copy_sample,
    fetch,
    pinned_env,
    serving,
    wait_for,
)

NAV = re.compile(r'\n<nav class="qms-languages".*?</nav>', re.S)
SWITCHER_CSS = re.compile(r'\n\s*<link rel="stylesheet"[^>]*qms-languages\.css[^>]*>')
# furo's words (its templates' and those it writes untranslated), as an English page shows them
FURO_WORDS = ["Next", "Previous", "On this page", "Back to top", "Skip to content", "Contents",
              "Menu", "Expand", "Light mode", "Dark mode", "Made with", "Copyright", "Search",
              "Toggle site navigation sidebar", "Toggle table of contents sidebar",
              "Toggle Light / Dark / Auto color theme", "Toggle navigation of"]
CHROMIUM = Path("/usr/bin/chromium")
QMS = str(Path(sys.executable).parent / "qms")


class _Visible(HTMLParser):
    """A page's visible text and the texts a screen reader reads (aria-label, title, ...)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.texts += [value for name, value in attrs
                       if name in ("aria-label", "title", "placeholder", "alt") and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def visible_texts(page: Path) -> list[str]:
    """The texts of an HTML file a reader sees or hears."""
    parser = _Visible()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.texts


def switcher_links(page: Path) -> dict[str, Path]:
    """The pages the language switcher of a page leads to, by the language it names."""
    text = page.read_text(encoding="utf-8")
    nav = NAV.search(text)
    assert nav is not None, f"{page} has no language switcher"
    return {lang: (page.parent / href).resolve()
            for href, lang in re.findall(r'<a href="([^"]+)" lang="([^"]+)"', nav.group())}


def _bilingual(repo: Path, languages: str = "[en, zh_CN]") -> Path:
    # manual-small with a second language, and one standard's title in both.
    config = repo / "qms.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  title: Small Service Manual\n",
        f"  title: Small Service Manual\n  languages: {languages}\n"), encoding="utf-8")
    standard = repo / "standards" / "desk" / "DSK-001.yaml"
    text = standard.read_text(encoding="utf-8")
    title = re.search(r"^title: (.*)$", text, re.M)
    assert title is not None
    standard.write_text(text.replace(title.group(), f"title: {{en: {title.group(1)}, zh_CN: "
                                     "三十秒内招呼每位来访者}"), encoding="utf-8")
    return repo


def _every(result: BuildResult) -> list[BuildResult]:
    return [result, *result.others]


def test_each_language_is_built_and_the_switcher_leads_to_the_same_page(tmp_path: Path) -> None:
    repo = make_git_repo(_bilingual(copy_fixture("manual-small", tmp_path / "repo")))
    result, _ = build_once(repo)
    html = repo / "build" / "html"
    assert [(r.language, r.html) for r in _every(result)] == [("en", html),
                                                             ("zh_CN", html / "zh_CN")]
    assert not any(r.warnings for r in _every(result))
    english, chinese = html / "standards" / "DSK-001.html", html / "zh_CN/standards/DSK-001.html"
    assert switcher_links(english) == {"zh-CN": chinese}
    assert switcher_links(chinese) == {"en": english}
    assert "三十秒内招呼每位来访者" in chinese.read_text(encoding="utf-8")
    assert "三十秒内招呼每位来访者" not in english.read_text(encoding="utf-8")
    # every page of one manual has its counterpart, and its switcher leads there
    pages = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                   if "zh_CN" not in p.relative_to(html).parts)
    assert pages == sorted(p.relative_to(html / "zh_CN").as_posix()
                           for p in (html / "zh_CN").rglob("*.html"))
    for name in pages:
        assert switcher_links(html / name) == {"zh-CN": html / "zh_CN" / name}
    # each manual has its own source, doctrees and state
    assert (repo / "build/zh_CN/source/conf.py").is_file()
    assert (repo / "build/zh_CN/doctrees").is_dir() and (repo / "build/zh_CN/.qms").is_dir()
    again, _ = build_once(repo)
    assert all(r.up_to_date for r in _every(again))


def test_the_chinese_manual_has_no_english_theme_words(tmp_path: Path) -> None:
    repo = make_git_repo(_bilingual(copy_fixture("manual-small", tmp_path / "repo")))
    build_once(repo)
    html = repo / "build" / "html"
    english_home = visible_texts(html / "index.html")
    for word in ("Next", "On this page", "Toggle site navigation sidebar", "Contents"):
        assert any(word in text for text in english_home), word  # the check can see them
    for page in (html / "zh_CN").rglob("*.html"):
        texts = visible_texts(page)
        found = [word for word in FURO_WORDS if any(word in text for text in texts)]
        assert found == [], f"{page}: {found}"
    home = visible_texts(html / "zh_CN" / "index.html")
    assert "下一页" in home and "本页内容" in home and "回到顶部" in home
    clauses = (html / "zh_CN/traceability/iso9001.html").read_text(encoding="utf-8")
    for title in ("组织环境", "领导作用", "策划", "支持", "运行", "绩效评价", "改进",
                  "以顾客为关注焦点", "顾客满意", "内部审核", "不合格和纠正措施"):
        assert title in clauses, title
    assert "Context of the organization" not in clauses
    assert "Context of the organization" in (html / "traceability/iso9001.html").read_text(
        encoding="utf-8")


def test_a_one_language_manual_is_the_same_manual_without_the_switcher(tmp_path: Path) -> None:
    one = make_git_repo(copy_fixture("manual-small", tmp_path / "one"))
    # the same repository, commits included (pages show them), with a second language
    two = Path(shutil.copytree(one, tmp_path / "two"))
    config = two / "qms.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  title: Small Service Manual\n",
        "  title: Small Service Manual\n  languages: [en, zh_CN]\n"), encoding="utf-8")
    result, _ = build_once(one)
    build_once(two)
    assert result.others == []
    html, other = one / "build" / "html", two / "build" / "html"
    conf = (one / "build/source/conf.py").read_text(encoding="utf-8")
    assert "html_context" not in conf and "templates_path" not in conf
    assert not (one / "build/source/_templates").exists()
    compared = 0
    for page in html.rglob("*"):
        if not page.is_file() or page.name == ".buildinfo":  # .buildinfo: conf.py's hash
            continue
        mine, theirs = page.read_bytes(), (other / page.relative_to(html)).read_bytes()
        if page.suffix == ".html":
            assert b"qms-languages" not in mine
            stripped, count = NAV.subn("", theirs.decode("utf-8"))
            stripped, styles = SWITCHER_CSS.subn("", stripped)
            assert count == 1 and styles == 1, page
            theirs = stripped.encode("utf-8")
        assert mine == theirs, page.relative_to(html)
        compared += 1
    assert compared > 50
    assert sorted(p.name for p in html.iterdir() if p.is_dir()) == sorted(
        p.name for p in other.iterdir() if p.is_dir() and p.name != "zh_CN")


def test_adding_a_language_puts_the_switcher_on_every_page(tmp_path: Path) -> None:
    repo = make_git_repo(copy_fixture("manual-small", tmp_path / "repo"))
    build_once(repo)
    _bilingual(repo)
    build_once(repo)  # incremental: conf.py changed, item pages are drawn again
    html = repo / "build" / "html"
    for name in ("standards/DSK-001.html", "audits/AUD-20261001-MAIN-1A2B.html", "index.html"):
        assert switcher_links(html / name) == {"zh-CN": html / "zh_CN" / name}


def test_a_language_dropped_or_made_the_main_one_leaves_no_old_manual(tmp_path: Path) -> None:
    repo = make_git_repo(_bilingual(copy_fixture("manual-small", tmp_path / "repo")))
    build_once(repo)
    build, html = repo / "build", repo / "build" / "html"
    assert (html / "zh_CN/index.html").is_file() and (build / "zh_CN/.qms").is_dir()
    config = repo / "qms.yaml"
    both = config.read_text(encoding="utf-8")
    # the Chinese manual becomes the main one: the English one moves to html/en/
    config.write_text(both.replace("languages: [en, zh_CN]", "languages: [zh_CN, en]"),
                      encoding="utf-8")
    build_once(repo)
    assert 'lang="zh-CN"' in (html / "index.html").read_text(encoding="utf-8")
    assert (html / "en/index.html").is_file()
    assert not (html / "zh_CN").exists() and not (build / "zh_CN").exists()
    # English is dropped: its manual goes; what is not a manual qms made stays
    (build / "notes").mkdir()
    (build / "notes/keep.txt").write_text("mine", encoding="utf-8")
    config.write_text(both.replace("languages: [en, zh_CN]", "languages: [zh_CN]"),
                      encoding="utf-8")
    one, _ = build_once(repo)
    assert one.others == [] and not (html / "en").exists() and not (build / "en").exists()
    assert (build / "notes/keep.txt").read_text(encoding="utf-8") == "mine"
    assert (html / "standards/DSK-001.html").is_file()
    assert not [p for p in build.iterdir() if p.name.startswith(".qms-clean")]


def test_one_language_clean_and_both_editions(tmp_path: Path, run: object) -> None:
    repo = make_git_repo(_bilingual(copy_fixture("manual-small", tmp_path / "repo")))
    invoke = run  # type: ignore[assignment]
    built = invoke("build", str(repo), "--language", "zh_CN", "-q")  # type: ignore[operator]
    assert built.exit_code == 0, built.output
    html = repo / "build" / "html"
    assert (html / "zh_CN/index.html").is_file() and not (html / "index.html").exists()
    built = invoke("build", str(repo), "--clean", "--language", "en", "-q")  # type: ignore
    assert built.exit_code == 0, built.output
    # the main language's clean leaves the other languages' manuals in its folder
    assert (html / "index.html").is_file() and (html / "zh_CN/index.html").is_file()
    staff = invoke("build", str(repo), "--audience", "staff", "-q")  # type: ignore[operator]
    assert staff.exit_code == 0, staff.output
    assert "staff edition in en" in staff.output and "staff edition in zh_CN" in staff.output
    homes = [html / "index.html", html / "zh_CN/index.html",
             repo / "build/staff/html/index.html", repo / "build/staff/html/zh_CN/index.html"]
    assert len({home.read_bytes() for home in homes}) == 4
    wrong = invoke("build", str(repo), "--language", "fr")  # type: ignore[operator]
    assert wrong.exit_code == 2 and "manual.languages" in wrong.output


def test_serve_serves_and_rebuilds_each_language(tmp_path: Path) -> None:
    repo = make_git_repo(_bilingual(copy_fixture("manual-small", tmp_path / "repo")))
    with serving(repo) as server:
        address = server.address
        assert "三十秒内招呼每位来访者" in fetch(address + "zh_CN/standards/DSK-001.html")
        standard = repo / "standards" / "desk" / "DSK-001.yaml"
        standard.write_text(standard.read_text(encoding="utf-8").replace(
            "三十秒内招呼每位来访者", "三十秒内问候每位来访者").replace(
            "Greet every visitor", "Welcome every visitor"), encoding="utf-8")
        card = "standards/encounter/reception.html"  # a reST page: Sphinx's own words too
        chinese = wait_for(address + "zh_CN/" + card, "三十秒内问候每位来访者")
        english = wait_for(address + card, "Welcome every visitor")
        # each kept Sphinx application keeps its own language's words
        assert "三十秒内问候每位来访者" in chinese and "下一页" in chinese
        assert "Welcome every visitor" in english and "下一页" not in english
        assert "Link to this heading" in english and "Next" in english


def test_the_kept_applications_of_two_languages_report_no_warnings(tmp_path: Path) -> None:
    # `qms serve` keeps a Sphinx application per language in one process: the second one
    # registers the names the first did again, which Sphinx warns of (61 warnings), and which
    # are no warnings of the manual.
    repo = make_git_repo(_bilingual(copy_fixture("manual-small", tmp_path / "repo")))
    registered = (set(directives._directives), set(roles._roles))  # type: ignore[attr-defined]
    session = SphinxSession()
    try:
        with pinned_env():
            result, _ = build_once(repo, sphinx=session, memory=BuildMemory())
            assert [r.warnings for r in _every(result)] == [[], []]
            assert session.started == 1 and session.sibling("zh_CN").started == 1
            config = repo / "qms.yaml"  # a new title: both applications start again
            config.write_text(config.read_text(encoding="utf-8").replace(
                "title: Small Service Manual", "title: Small Service Handbook"), encoding="utf-8")
            result, _ = build_once(repo, sphinx=session, memory=BuildMemory())
            assert [r.warnings for r in _every(result)] == [[], []]
            assert session.started == 2 and session.sibling("zh_CN").started == 2
    finally:
        session.close()
    # and closed, they leave docutils' registry as they found it: a later build in this
    # process registers its names anew, without a warning
    assert (set(directives._directives), set(roles._roles)) == registered  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sample (zh_CN and en, shown in en), built in both languages."""
    repo = make_git_repo(copy_sample(tmp_path_factory.mktemp("languages") / "sample"))
    with pinned_env():
        result, _ = build_once(repo)
    assert [r.language for r in _every(result)] == ["en", "zh_CN"]
    assert not any(r.warnings for r in _every(result)), [r.warnings for r in _every(result)]
    yield repo / "build" / "html"


def test_the_sample_in_chinese(sample: Path) -> None:
    english, chinese = sample / "standards/GRT-001.html", sample / "zh_CN/standards/GRT-001.html"
    assert switcher_links(english) == {"zh-CN": chinese}
    assert "顾客进店30秒内打招呼" in chinese.read_text(encoding="utf-8")
    for page in (chinese, sample / "zh_CN/index.html", sample / "zh_CN/search.html"):
        texts = visible_texts(page)
        assert [word for word in FURO_WORDS if any(word in text for text in texts)] == []
    # a third Chinese build in this process (after the fixture's and the staff edition's)
    # splits Chinese words for search as the first did
    index = (sample / "zh_CN/searchindex.js").read_bytes()
    with pinned_env():
        build_once(sample.parent.parent, audience="staff", language="zh_CN")
        result, _ = build_once(sample.parent.parent, clean=True, language="zh_CN")
    assert result.sphinx_ran and (sample / "zh_CN/searchindex.js").read_bytes() == index


def test_the_chinese_manual_names_encounters_owners_and_sites_in_chinese(sample: Path) -> None:
    names = yaml.safe_load((sample.parent.parent / "qms.yaml").read_text("utf-8"))["manual"]
    names = names["names"]
    zh = {key: name["zh_CN"] for key, name in names.items()}
    pages = {page.relative_to(sample / "zh_CN") for page in (sample / "zh_CN").rglob("*.html")}
    # the same pages in each language: a name shown differently keeps its page's address
    english = {page.relative_to(sample) for page in sample.rglob("*.html")
               if page.parts[len(sample.parts)] != "zh_CN"}
    assert pages == english
    card, standard = "standards/encounter/greeting.html", "standards/GRT-001.html"
    site = next(p for p in pages if p.parts[0] == "audits" and "nanjing" in p.name)
    def heading(page: Path) -> str:
        return re.sub(r"<[^>]*>", "", re.search(r"<h1>(.*?)</h1>", page.read_text("utf-8"),
                                                re.S).group(1)).strip()

    assert heading(sample / "zh_CN" / card) == zh["Greeting"] + "¶"
    assert heading(sample / card) == "Greeting¶"
    shown = visible_texts(sample / "zh_CN" / standard)
    assert zh["Greeting"] in shown and zh["Retail Operations"] in shown
    assert any(zh["Nanjing Road store"] in text for text in visible_texts(sample / "zh_CN" / site))
    # a name shown in no Chinese page as written: cells, titles, sidebar, charts' labels
    for page in sorted(pages):
        texts = visible_texts(sample / "zh_CN" / page)
        svg = (sample / "zh_CN" / page).read_text("utf-8")
        for key in names:
            assert key not in texts, (page, key)
            assert f">{key}</text>" not in svg, (page, key)
    assert f">{zh['Nanjing Road store']}</text>" in (sample / "zh_CN/measurement/compliance.html"
                                                     ).read_text("utf-8")
    # SQI categories are names too; a measure's frequency is one of the manual's words
    assert f">{zh['missed-pickup']}</text>" in (sample / "zh_CN/measurement/sqi.html"
                                                ).read_text("utf-8")
    assert ">Missed pick-up</text>" in (sample / "measurement/sqi.html").read_text("utf-8")
    assert "每月" in visible_texts(sample / "zh_CN/standards/CMP-002.html")
    assert "monthly" in visible_texts(sample / "standards/CMP-002.html")


@pytest.mark.browser
def test_the_switcher_leads_to_the_same_standard_in_a_browser(sample: Path) -> None:
    assert CHROMIUM.is_file(), "install Debian's chromium (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto((sample / "standards/GRT-001.html").as_uri())
            english = page.locator("h1").inner_text()
            page.locator("nav.qms-languages").get_by_role("link", name="中文").click()
            assert page.url == (sample / "zh_CN/standards/GRT-001.html").as_uri()
            chinese = page.locator("h1").inner_text()
            assert chinese.startswith("GRT-001") and "顾客进店30秒内打招呼" in chinese, chinese
            assert page.locator("html").get_attribute("lang") == "zh-CN"
            page.locator("nav.qms-languages").get_by_role("link", name="English").click()
            assert page.url == (sample / "standards/GRT-001.html").as_uri()
            assert page.locator("h1").inner_text() == english
        finally:
            browser.close()
