"""The customer journey: qms.yaml's `manual.encounters` orders the standards index, the sidebar
and previous / next, and an encounter's page is a card with each standard's statement and do and
don't. Real builds of the sample and of a small fixture."""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from qms.format.check import check, load_valid
from qms.format.config import ManualConfig
from qms.format.encounters import encounter_order, listed_encounters
from qms.format.load import open_config
from qms.manual.pages import Docs

from .conftest import TODAY
from .manual_helpers import build_once, built, differing_files, html, pinned_env

FLOOR_SERVICE = ["Greeting", "Probing needs", "Product presentation", "Fitting room",
                 "Objection handling", "Add-on sale", "Checkout", "Farewell"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample QMS, as a git repository, with its manual built (strict, no warnings)."""
    with pinned_env():
        return built(tmp_path_factory.mktemp("journey"), "sample")


def _article(page: str) -> str:
    return page[page.index("<article"):page.index("</article>")]


def _text(fragment: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _encounter_links(fragment: str) -> list[str]:
    """The encounter pages linked from a piece of HTML, in order (by page name)."""
    return re.findall(r'href="(?:\.\./)*(?:standards/)?encounter/([^"#]+)\.html"', fragment)


def _listed(repo: Path) -> list[str]:
    """The encounters in the order qms.yaml lists them (the sample lists every one it has)."""
    project = load_valid(repo, date.fromisoformat(TODAY))
    listed = [e.name for e in listed_encounters(project.config.manual)]
    assert set(listed) == {s.encounter for s in project.current_standards()}
    return listed


def _customer_order(repo: Path) -> list[str]:
    """The encounter pages (their file names) in the order qms.yaml lists the encounters."""
    docs = Docs(load_valid(repo, date.fromisoformat(TODAY)))
    return [docs.encounter(name).rsplit("/", 1)[1] for name in _listed(repo)]


def test_the_sample_walks_the_eight_steps_of_floor_service(sample: Path) -> None:
    _, config = open_config(sample)
    floor = config.manual.encounters[0]
    assert not isinstance(floor, str) and floor.journey == "Store floor"
    assert floor.encounters == FLOOR_SERVICE
    codes = {i.code for i in check(sample, date.fromisoformat(TODAY)).issues}
    assert not codes & {"encounter-not-listed", "unknown-encounter", "duplicate-encounter"}


def test_the_standards_index_follows_qms_yaml(sample: Path) -> None:
    order = _customer_order(sample)
    assert order != sorted(order), "the sample's order is not the alphabet's"
    article = _article(html(sample, "standards/index"))
    assert _encounter_links(article) == order
    headings = re.findall(r"<h2>([^<]+)<a", article)
    assert headings[:5] == ["Store floor", "Store and staff, all day", "After the sale",
                            "Telephone", "Delivery"]


def test_the_sidebar_and_previous_next_follow_qms_yaml(sample: Path) -> None:
    order, names = _customer_order(sample), _listed(sample)
    for before, page, after in zip([None, *order[:-1]], order, [*order[1:], None], strict=True):
        text = html(sample, f"standards/encounter/{page}")
        sidebar = text[text.index('class="sidebar-tree"'):text.index("</aside>")]
        entries = re.findall(r'<li class="toctree-l2[^"]*"><a [^>]*>([^<]+)</a>', sidebar)
        assert [htmllib.unescape(e) for e in entries if htmllib.unescape(e) in names] == names
        found = dict(re.findall(r'<a class="(next-page|prev-page)" href="([^"]+)"', text))
        if before is not None:
            assert found["prev-page"] == f"{before}.html", page
        if after is not None:
            assert found["next-page"] == f"{after}.html", page
    first = html(sample, f"standards/encounter/{order[0]}")
    assert re.search(r'class="prev-page" href="\.\./index\.html"', first)


def test_an_encounter_card_shows_each_standard_with_its_statement_and_do_and_dont(
        sample: Path) -> None:
    project = load_valid(sample, date.fromisoformat(TODAY))
    docs = Docs(project)
    retired = [s for s in project.standards.values() if s.status == "retired"]
    assert retired, "the sample has a retired standard to leave out"
    for standard in project.standards.values():
        article = _article(html(sample, docs.encounter(standard.encounter)))
        text = _text(article)
        if standard.status == "retired":
            assert standard.id not in text
            continue
        for words in (standard.title, standard.statement, *standard.do, *standard.dont):
            assert " ".join(words.split()) in text, (standard.id, words)
        assert f'href="../../standards/{standard.id}.html"' in article
        assert "<table" not in article  # a card to read, not a table of ids
    farewell = _text(_article(html(sample, "standards/encounter/farewell")))
    assert "Store floor, step 8 of 8" in farewell


def test_encounters_left_out_follow_alphabetically_and_check_warns(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    config = repo / "qms.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "  encounters:\n"
                      "    - journey: Arriving\n      encounters: [Waiting area]\n",
                      encoding="utf-8")
    build_once(repo, strict=True)
    article = _article(html(repo, "standards/index"))
    assert _encounter_links(article) == ["waiting-area", "reception"]
    assert re.findall(r"<h2>([^<]+)<a", article)[:2] == ["Arriving", "Other encounters"]
    reception = html(repo, "standards/encounter/reception")
    assert re.search(r'class="prev-page" href="waiting-area\.html"', reception)
    issues = [i.render() for i in check(repo, date.fromisoformat(TODAY)).issues
              if i.code == "encounter-not-listed"]
    assert issues == ["qms.yaml:5: warning [encounter-not-listed] the encounter 'Reception' "
                      "(DSK-001, DSK-002) is not in manual.encounters, so the manual puts it "
                      "after the listed ones, alphabetically; add it where a customer meets it"]


def test_journeys_come_first_then_encounters_outside_any_listed_ones_first() -> None:
    manual = ManualConfig.model_validate({"encounters": [
        "Call", {"journey": "Floor", "encounters": ["Greeting", "Till"]}, "Greeting"]})
    steps = encounter_order(manual, ["Till", "Zebra", "Call", "Greeting", "Alpha"])
    assert [(s.name, s.journey, s.number, s.of) for s in steps] == [
        ("Greeting", "Floor", 1, 2), ("Till", "Floor", 2, 2),
        ("Call", None, 1, 3), ("Alpha", None, 2, 3), ("Zebra", None, 3, 3)]


def test_a_new_order_reaches_every_page_as_a_clean_build_would(
        fixture_repo: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the standards index's reST changes, yet every page's sidebar shows the new order.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    config = repo / "qms.yaml"
    config.write_text(config.read_text(encoding="utf-8")
                      + "  encounters: [Waiting area, Reception]\n", encoding="utf-8")
    build_once(repo, strict=True)
    sidebar = html(repo, "plans/service-concept")
    assert sidebar.index(">Waiting area</a>") < sidebar.index(">Reception</a>")
    clean = tmp_path / "clean"
    shutil.copytree(repo, clean, ignore=shutil.ignore_patterns("build"))
    build_once(clean, strict=True)
    assert differing_files(repo / "build" / "html", clean / "build" / "html") == []


def test_a_card_shows_markup_in_a_statement_as_text(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    target = repo / "standards" / "desk" / "DSK-001.yaml"
    hostile = "<script>alert(1)</script> `x <javascript:alert(2)>`_\u2028\n\n.. raw:: html"
    line = "- Look up and smile as soon as someone reaches the desk."
    target.write_text(target.read_text(encoding="utf-8").replace(
        line, f"- {json.dumps(hostile + ' ' + line[2:])}"), encoding="utf-8")
    build_once(repo, strict=True)
    article = _article(html(repo, "standards/encounter/reception"))
    assert "<script>" not in article and "&lt;script&gt;alert(1)&lt;/script&gt;" in article
    assert 'href="javascript' not in article and "raw:: html" in article


def test_a_repository_card_may_not_link_out_of_the_manual(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    own = repo / "templates" / "manual" / "encounter_card.rst.j2"
    own.parent.mkdir(parents=True)
    own.write_text('{% extends "qms/manual/encounter_card.rst.j2" %}{% block standard %}\n'
                   '.. qms-card::\n\n   {"title": "T", "statement": "S", "do": [], "dont": [], '
                   '"doc": "javascript:alert(1)", "id": "X-1", "owner": "O", "status": "", '
                   '"labels": ["Do", "Don\'t"]}\n\n{% endblock %}\n', encoding="utf-8")
    result, _ = build_once(repo)
    assert any("qms-card: the JSON needs exactly these fields" in w for w in result.warnings)
    assert "javascript" not in _article(html(repo, "standards/encounter/reception"))


def test_a_card_follows_its_place_when_another_encounter_goes(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    config = repo / "qms.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "  encounters:\n"
                      "    - journey: Front desk\n      encounters: [Reception, Waiting area]\n",
                      encoding="utf-8")
    build_once(repo, strict=True)
    assert "Front desk, step 1 of 2" in html(repo, "standards/encounter/reception")
    target = repo / "standards" / "desk" / "DSK-003.yaml"  # the waiting area's only one
    target.write_text(target.read_text(encoding="utf-8").replace(
        "status: draft", "status: retired"), encoding="utf-8")
    result, _ = build_once(repo, strict=True)
    assert "Front desk, step 1 of 1" in html(repo, "standards/encounter/reception")
    assert "standards/encounter/waiting-area" in result.removed


def test_a_wrong_entry_of_the_list_is_named_once_with_its_line(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    config = repo / "qms.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "  encounters:\n    - 3\n"
                      "    - journey: Arriving\n      encounter: [Reception]\n",
                      encoding="utf-8")
    issues = [i.render() for i in check(repo, date.fromisoformat(TODAY)).issues
              if i.path == "qms.yaml"]
    assert issues == [
        "qms.yaml:6: error [wrong-type] manual.encounters.0: must be an encounter name or a "
        "journey ({journey: name, encounters: [names]}), got 3",
        "qms.yaml:7: error [missing-field] 'encounters' is required in 'Journey'",
        "qms.yaml:8: error [unknown-field] 'encounter' is not a field of 'Journey' (did you "
        "mean 'encounters'?); the fields are: journey, encounters"]
