"""Item pages (standards, audits, checklists) are written by qms straight to HTML and handed to
Sphinx: they are searchable (English and Chinese), their links lead to pages of the build, an
edit rewrites only what changed, and an incremental build ends where a clean build does."""

from __future__ import annotations

import html
import json
import posixpath
import re
import shutil
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from qms.base.files import atomic_write
from qms.manual import sphinx_items
from qms.manual.charts import xmr_chart
from qms.manual.itemdata import item_json
from qms.manual.sphinx_excerpts import script_parts

from .manual_helpers import build_once, differing_files

ITEM_FOLDERS = ("standards", "audits", "checklists", "measurement", "gaps")  # HTML pages
HREF = re.compile(r'\bhref="([^"]*)"')


def _search_terms(repo: Path) -> dict[str, set[str]]:
    """Each word of the search index with the pages that hold it."""
    text = (repo / "build" / "html" / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(text[text.index("(") + 1:text.rindex(")")])
    docs = data["docnames"]
    found = {word: {docs[i] for i in ([at] if isinstance(at, int) else at)}
             for word, at in data["terms"].items()}
    return {word: pages for word, pages in found.items() if pages}  # Sphinx keeps emptied words


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _item_html(repo: Path) -> dict[str, int]:
    """The modification time of each item page's HTML file."""
    out, items = repo / "build" / "html", repo / "build" / "source" / "_items"
    names = [p.relative_to(items).as_posix()[:-len(".json")] for p in items.rglob("*.json")]
    assert {name.split("/")[0] for name in names} == set(ITEM_FOLDERS)
    return {f"{name}.html": (out / f"{name}.html").stat().st_mtime_ns for name in names}


def test_search_finds_words_only_a_standard_holds_and_follows_edits(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    statement = repo / "standards" / "desk" / "DSK-002.yaml"
    _replace(statement, "statement: ", "statement: Zanzibarian ")
    build_once(repo, strict=True)
    terms = _search_terms(repo)
    # The standard's page, and its encounter's card (which shows its statement).
    card = "standards/encounter/reception"
    assert terms["zanzibarian"] == {"standards/DSK-002", card}
    others = {word: docs for word, docs in terms.items() if "standards/DSK-001" in docs}
    assert others, "the other item pages are in the index too"

    _replace(statement, "Zanzibarian ", "Tasmanian ")
    build_once(repo, strict=True)
    terms = _search_terms(repo)
    assert "zanzibarian" not in terms and terms["tasmanian"] == {"standards/DSK-002", card}
    # The pages not written again kept their entries.
    assert {word: docs for word, docs in terms.items() if "standards/DSK-001" in docs} == others


def test_chinese_search_finds_words_only_a_standard_holds(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("zh-sample")
    _replace(repo / "standards" / "DH-001.yaml", "statement: >\n",
             "statement: >\n  麒麟踏雪，")
    build_once(repo, strict=True)
    found = _search_terms(repo)["麒麟"]  # the standard's page and its encounter's card
    assert len(found) == 2 and "standards/DH-001" in found
    assert [page for page in found if page.startswith("standards/encounter/")]


def test_every_link_of_an_item_page_leads_to_a_page_of_the_build(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    out = repo / "build" / "html"
    checked = 0
    for name in _item_html(repo):
        for href in HREF.findall((out / name).read_text(encoding="utf-8")):
            target = html.unescape(href).split("#", 1)[0].split("?", 1)[0]
            if not target or "://" in target:
                continue
            path = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            assert (out / path).is_file(), f"{name} links to {href}"
            checked += 1
    assert checked > 100


def test_strict_fails_on_a_link_an_item_page_makes_to_no_page(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    own = repo / "templates" / "manual" / "standard.html.j2"
    own.parent.mkdir(parents=True)
    own.write_text('{% extends "qms/manual/standard.html.j2" %}{% block statement %}'
                   '{{ link("see", "standards/nowhere") }}{% endblock %}', encoding="utf-8")
    result, _ = build_once(repo)
    assert any("standards/nowhere" in w and "standards/DSK-001" in w for w in result.warnings)


def test_an_edit_rewrites_only_the_item_pages_it_changes(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    before = _item_html(repo)
    _replace(repo / "standards" / "desk" / "DSK-002.yaml", "statement: ", "statement: Now ")
    result, _ = build_once(repo, strict=True)
    after = _item_html(repo)
    assert {name for name in after if after[name] != before[name]} == {"standards/DSK-002.html"}
    assert sorted(result.written) == ["standards/DSK-002", "standards/encounter/reception"]


def _edit(repo: Path) -> None:
    # A title (shown on many pages), a statement (on one) and a removed standard.
    _replace(repo / "standards" / "desk" / "DSK-001.yaml", "Greet every visitor",
             "Welcome every visitor")
    _replace(repo / "standards" / "desk" / "DSK-002.yaml", "statement: ", "statement: Now ")
    (repo / "standards" / "desk" / "DSK-003.yaml").unlink()


def test_incremental_builds_end_where_a_clean_build_does(
        fixture_repo: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    plain = tmp_path / "plain"
    shutil.copytree(repo, plain, ignore=shutil.ignore_patterns("build"))
    _edit(repo)
    build_once(repo, strict=True)  # keeps the search entries of pages it does not rewrite

    clean = tmp_path / "clean"
    shutil.copytree(repo, clean, ignore=shutil.ignore_patterns("build"))
    build_once(clean, strict=True)
    # the search index too: no word is left behind with no page (Sphinx's pruning would)
    assert differing_files(repo / "build" / "html", clean / "build" / "html") == []

    # Where Sphinx's indexer cannot be asked to keep entries, every item page is fed again.
    monkeypatch.setattr(sphinx_items, "KEEP_INDEX", False)
    build_once(plain, strict=True)
    _edit(plain)
    build_once(plain, strict=True)
    assert differing_files(repo / "build" / "html", plain / "build" / "html") == []


def test_a_changed_sidebar_reaches_every_item_page(fixture_repo: Callable[[str], Path]) -> None:
    # Item pages are wrapped in the theme's frame, whose sidebar shows the titles of the pages
    # in toctrees; the frame is drawn again only when one of those was read again. Here a
    # repository's own planning index renames the sidebar's entry, and no item page changes.
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    page = repo / "build" / "html" / "standards" / "DSK-002.html"
    assert "Our planning" not in page.read_text(encoding="utf-8")
    packaged = Path(sphinx_items.__file__).parent / "templates" / "manual" / "plans_index.rst.j2"
    override = repo / "templates" / "manual" / "plans_index.rst.j2"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text(packaged.read_text(encoding="utf-8").replace(
        '_("Planning")|title', '"Our planning"|title', 1), encoding="utf-8")
    result, _ = build_once(repo, strict=True)
    assert "standards/DSK-002" not in result.written  # its article is the same
    assert "Our planning" in page.read_text(encoding="utf-8")
    audit = next((repo / "build" / "html" / "audits").glob("AUD-*.html"))
    assert "Our planning" in audit.read_text(encoding="utf-8")



def test_search_texts_are_written_without_the_whole_file_in_memory(tmp_path: Path) -> None:
    # searchtexts.js holds the text of every page (22 million characters at 5,000 standards):
    # written page by page, the build's peak memory does not grow by copies of all of it.
    texts = {f"standards/STD-{n:05}": f'Statement {n}: "quoted" 中文 </script> ' * 300
             for n in range(800)}
    path = tmp_path / "searchtexts.js"
    tracemalloc.start()
    try:
        atomic_write(path, script_parts(texts))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    written = path.read_text(encoding="utf-8")
    assert written == "qmsSearchTexts({\n" + ",\n".join(
        f"{json.dumps(name, ensure_ascii=False)}:{json.dumps(text, ensure_ascii=False)}"
        for name, text in sorted(texts.items())) + "\n});\n"
    assert json.loads(written.removeprefix("qmsSearchTexts(").removesuffix(");\n")) == texts
    assert peak < len(written) / 20


def test_a_charts_title_and_description_are_searched_not_its_drawing() -> None:
    """An item page's search text keeps what a chart says (its title and description) and the
    text round it, without the chart's stylesheet, tick labels or legend."""
    points = [(date(2026, 1, 5 + 7 * i), value) for i, value in enumerate([4.0, 5.5, 3.25])]
    chart = xmr_chart(points, 4.25, 1.0, 7.5, None, [], "STD-00001 Zyxwv score: readings")
    body = f"<h1>STD-00001</h1><p>Before the chart</p>{chart}<p>After the chart</p>"
    text = json.loads(item_json("measures/STD-00001-zyxwv", body))["text"]
    assert "STD-00001 Zyxwv score: readings" in text
    assert "3 readings from 2026-01-05 to 2026-01-19" in text
    assert text.startswith("STD-00001 Before the chart") and text.endswith("After the chart")
    assert "font-family" not in text and "{" not in text  # the chart's stylesheet
    assert text.count("centre line") == 1  # the description's, not the legend's too


def test_search_text_leaves_out_each_hidden_table_and_chart_drawing_up_to_its_own_end() -> None:
    """Each `no-search` table and each chart is cut from its opening to the first end after it
    (the text between two of them stays), and an opening that never ends cuts nothing."""
    hidden = ('<div class="table-wrapper qms-table no-search docutils container">\n<table>'
              '<tr><td>hiddenword{}</td></tr></table>\n</div>')
    chart = ('<svg xmlns="http://www.w3.org/2000/svg" class="qms-chart"><title>Title{0}</title>'
             '<desc>Said{0}</desc><text>tick{0}</text></svg>')
    body = (f"<h1>T</h1>{hidden.format(1)}<p>between</p>{chart.format(1)}<p>kept</p>"
            f"{hidden.format(2)}{chart.format(2)}<p>last</p>"
            '<div class="table-wrapper no-search"><table><tr><td>unended</td></tr>'
            '<svg class="qms-chart"><title>open</title><text>drawn</text>')
    text = json.loads(item_json("measures/X", body))["text"]
    assert text == "T between Title1 Said1 kept Title2 Said2 last unended open drawn"
