"""An edit that changes item pages, and cards and tables on reST pages, only is written without
Sphinx (qms.manual.itemdirect, blockpatch): the same files as a clean build and as Sphinx writing
the edit (pages, search index, excerpts), and handed to Sphinx at any doubt."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qms.manual import itemdirect
from qms.manual.blockpatch import signature
from qms.manual.buildstate import BuildState
from qms.manual.itemdata import ITEMS
from qms.manual.sphinx_excerpts import replaced_texts, script_parts

from .manual_helpers import build_once, differing_files, move_standard

CHECKLIST = Path("audits") / "checklists" / "CL-DESK.yaml"


def _guidance(repo: Path, words: str) -> None:
    # A checklist question's guidance: on the checklist's page (and its audits') only.
    path = repo / CHECKLIST
    text, found = re.subn(r"guidance: .*", f"guidance: {words}", path.read_text("utf-8"))
    assert found == 1
    path.write_text(text, encoding="utf-8")


def _terms(repo: Path, kind: str = "terms") -> dict[str, list[str]]:
    # The search index's words (or its title words: "titleterms") with the pages holding them.
    text = (repo / "build" / "html" / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(text[text.index("(") + 1:text.rindex(")")])
    docs = data["docnames"]
    return {word: [docs[i] for i in ([at] if isinstance(at, int) else at)]
            for word, at in data[kind].items()}


@pytest.fixture
def built(fixture_repo: Callable[[str], Path], tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """manual-small built, and a copy of it as built (for Sphinx to write the same edits)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    by_sphinx = tmp_path / "by-sphinx"
    shutil.copytree(repo, by_sphinx, symlinks=True)
    return repo, by_sphinx


def _ends_as_a_clean_build(repo: Path, tmp_path: Path) -> None:
    # The repository's build/html is what a clean build of the same files writes.
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    shutil.copytree(repo, clean, ignore=shutil.ignore_patterns("build"))
    build_once(clean, strict=True)
    assert differing_files(repo / "build" / "html", clean / "build" / "html") == []


def _as_sphinx_writes_it(repo: Path, copy: Path, monkeypatch: pytest.MonkeyPatch,
                         *edits: Callable[[Path], None]) -> None:
    # The same edits made to `copy` (the repository as it was before them) and written by
    # Sphinx end in the same build/html.
    monkeypatch.setattr(itemdirect, "DIRECT", False)
    for edit in edits:
        edit(copy)
    assert build_once(copy, strict=True)[0].sphinx_ran
    assert differing_files(repo / "build" / "html", copy / "build" / "html") == []


def test_an_edit_of_item_pages_only_is_written_as_sphinx_writes_it(
        fixture_repo: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    # A standard moved to another encounter goes through Sphinx (a card more on one page, one
    # less on another) and writes few item pages: the frames the clean build checked stay.
    move_standard(repo, "DSK-003", "Reception")
    assert build_once(repo, strict=True)[0].sphinx_ran
    by_sphinx = tmp_path / "by-sphinx"
    shutil.copytree(repo, by_sphinx, symlinks=True)

    _guidance(repo, "Observe twelve zanzibarian arrivals.")
    result, _ = build_once(repo, strict=True)
    assert not result.sphinx_ran and result.written
    assert set(result.written) <= result.item_pages
    assert "checklists/CL-DESK" in _terms(repo)["zanzibarian"]
    assert "zanzibarian" in (repo / "build" / "html" / "searchtexts.js").read_text("utf-8")

    _ends_as_a_clean_build(repo, tmp_path)

    _as_sphinx_writes_it(repo, by_sphinx, monkeypatch,
                         lambda copy: _guidance(copy, "Observe twelve zanzibarian arrivals."))


def test_a_search_index_changed_since_the_last_build_hands_the_edit_to_sphinx(
        fixture_repo: Callable[[str], Path], tmp_path: Path) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    index = repo / "build" / "html" / "searchindex.js"
    # the same text, written since (by hand, another tool): not known to be what it was
    later = index.stat().st_mtime_ns + 5_000_000_000
    os.utime(index, ns=(later, later))
    _guidance(repo, "Observe twelve arrivals.")
    assert build_once(repo, strict=True)[0].sphinx_ran
    clean = tmp_path / "clean"
    shutil.copytree(repo, clean, ignore=shutil.ignore_patterns("build"))
    build_once(clean, strict=True)
    assert index.read_bytes() == (clean / "build" / "html" / "searchindex.js").read_bytes()
    # once Sphinx wrote it, the next such edit is written without Sphinx again
    _guidance(repo, "Observe twenty arrivals.")
    assert not build_once(repo, strict=True)[0].sphinx_ran


def test_a_link_to_no_page_or_a_folder_without_a_checked_frame_is_left_to_sphinx(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    paths = repo / "build" / ".qms", repo / "build" / "source", repo / "build" / "html"
    state = BuildState.load(paths[0])
    page = paths[1] / ITEMS / "checklists" / "CL-DESK.json"
    data = json.loads(page.read_text(encoding="utf-8"))
    data["links"].append("standards/nowhere")
    page.write_text(json.dumps(data), encoding="utf-8")
    before = (paths[2] / "checklists" / "CL-DESK.html").read_bytes()
    pages = {"checklists/CL-DESK"}
    assert not itemdirect.write_without_sphinx(paths[1], paths[2], paths[0], state,
                                               sorted(pages), pages)
    assert (paths[2] / "checklists" / "CL-DESK.html").read_bytes() == before

    data["links"].remove("standards/nowhere")
    page.write_text(json.dumps(data), encoding="utf-8")
    record = itemdirect.ItemRecord.load(paths[0])
    assert record is not None and "checklists" in record.frames
    del record.frames["checklists"]
    record.save(paths[0])
    assert not itemdirect.write_without_sphinx(paths[1], paths[2], paths[0], state,
                                               sorted(pages), pages)
    # a reST page without a record of its blocks is never written here
    plain = next(d for d in record.known if itemdirect.page_record(paths[0], d) is None
                 and "/" in d and not d.startswith(("standards/DSK", "audits/AUD", "checklists/")))
    assert not itemdirect.write_without_sphinx(paths[1], paths[2], paths[0], state,
                                               [plain], pages)


def test_a_record_not_written_by_this_qms_is_not_used(
        fixture_repo: Callable[[str], Path]) -> None:
    # A build folder committed to the repository cannot hand qms a frame of its own (HTML that
    # would go around every page written without Sphinx).
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    record = repo / "build" / ".qms" / itemdirect.RECORD
    tag, _, body = record.read_bytes().partition(b"\n")
    data = json.loads(body)
    data["frames"]["checklists"] = "<script>alert(1)</script>" + data["frames"]["checklists"]
    record.write_bytes(tag + b"\n" + json.dumps(data).encode("utf-8"))
    assert itemdirect.ItemRecord.load(record.parent) is None
    _guidance(repo, "Observe twelve arrivals.")
    assert build_once(repo, strict=True)[0].sphinx_ran
    page = (repo / "build" / "html" / "checklists" / "CL-DESK.html").read_text("utf-8")
    assert "twelve" in page and "alert(1)" not in page
    # nor the record of a page's blocks (their old HTML is looked for and replaced)
    card = "standards/encounter/reception"
    assert itemdirect.page_record(record.parent, card) is not None
    path = next((record.parent / itemdirect.PAGES).iterdir())
    docname = json.loads(path.read_bytes().partition(b"\n")[2])["docname"]
    path.write_bytes(path.read_bytes().replace(b'"words"', b'"words":["alert"],"x"'))
    assert itemdirect.page_record(record.parent, docname) is None


def test_a_repository_template_of_item_pages_rewrites_them_all_without_sphinx(
        fixture_repo: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    own = repo / "templates" / "manual" / "standard.html.j2"
    own.parent.mkdir(parents=True)
    own.write_text('{% extends "qms/manual/standard.html.j2" %}{% block statement %}'
                   '{{ super() }}<p class="own">Ask at the zanzibar desk.</p>{% endblock %}',
                   encoding="utf-8")
    result, _ = build_once(repo, strict=True)
    assert not result.sphinx_ran
    assert len([name for name in result.written if name.startswith("standards/DSK-")]) >= 3
    _ends_as_a_clean_build(repo, tmp_path)
    assert len(_terms(repo)["zanzibar"]) == 4  # every standard


def _statement(repo: Path, words: str) -> None:
    # DSK-002's statement: on its page and on its encounter's card (a reST page).
    path = repo / "standards" / "desk" / "DSK-002.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("statement: |\n", f"statement: |\n  {words}\n", 1), "utf-8")


def test_a_statement_edit_patches_its_encounter_card_as_sphinx_writes_it(
        built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, by_sphinx = built

    _statement(repo, "Zanzibarian clocks <b>are</b> wrong.")
    result, _ = build_once(repo, strict=True)
    assert not result.sphinx_ran
    card = "standards/encounter/reception"
    assert sorted(result.written) == ["standards/DSK-002", card]
    assert sorted(_terms(repo)["zanzibarian"]) == ["standards/DSK-002", card]
    page = (repo / "build" / "html" / f"{card}.html").read_text("utf-8")
    assert "Zanzibarian clocks &lt;b&gt;are&lt;/b&gt; wrong." in page
    # a second edit patches the page as the first one left it
    _statement(repo, "Tasmanian too.")
    assert not build_once(repo, strict=True)[0].sphinx_ran
    assert "zanzibarian" in _terms(repo)

    _ends_as_a_clean_build(repo, tmp_path)

    _as_sphinx_writes_it(repo, by_sphinx, monkeypatch,
                         lambda copy: _statement(copy, "Zanzibarian clocks <b>are</b> wrong."),
                         lambda copy: _statement(copy, "Tasmanian too."))


def _patching(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    # What each edit's in-place change of the index's text gave (None: the index was merged
    # whole instead).
    made: list[str | None] = []
    patched = itemdirect.patched_index

    def spy(*args: Any) -> str | None:
        made.append(patched(*args))
        return made[-1]

    monkeypatch.setattr(itemdirect, "patched_index", spy)
    return made


def test_the_index_text_is_changed_only_where_the_words_of_an_edit_changed(
        built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, by_sphinx = built
    made = _patching(monkeypatch)

    def first(where: Path) -> None:  # the first edit checks that the index comes back whole
        _statement(where, "Zanzibarian clocks are wrong.")

    def second(where: Path) -> None:  # a word of no other page goes, new ones come
        path = where / "standards" / "desk" / "DSK-002.yaml"
        path.write_text(path.read_text("utf-8").replace(
            "Zanzibarian clocks are wrong.", "Aardvark quokka clocks.").replace(
            "title: ", "title: Quokka ", 1), "utf-8")

    for edit in (first, second):
        edit(repo)
        assert not build_once(repo, strict=True)[0].sphinx_ran
    assert made and all(made), "the second edit's words were changed in the index's text"
    terms = _terms(repo)
    assert "zanzibarian" not in terms and "aardvark" in terms
    assert "standards/DSK-002" in _terms(repo, "titleterms")["quokka"]

    _ends_as_a_clean_build(repo, tmp_path)
    _as_sphinx_writes_it(repo, by_sphinx, monkeypatch, first, second)


def test_a_card_page_with_more_than_its_cards_changed_is_left_to_sphinx(
        fixture_repo: Callable[[str], Path], tmp_path: Path) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    move_standard(repo, "DSK-003", "Reception")  # a card more there, one less in the waiting area
    assert build_once(repo, strict=True)[0].sphinx_ran
    _ends_as_a_clean_build(repo, tmp_path)
    # a built page whose card is not as recorded (changed by hand) is not patched either
    page = repo / "build" / "html" / "standards" / "encounter" / "reception.html"
    text = page.read_text("utf-8")
    assert text.count("Tell every visitor how long") == 1
    page.write_text(text.replace("Tell every visitor how long", "Tell them how long"), "utf-8")
    _statement(repo, "Now.")
    assert build_once(repo, strict=True)[0].sphinx_ran
    assert "Tell every visitor how long" in page.read_text("utf-8")  # Sphinx wrote it whole


def test_a_chinese_statement_edit_is_indexed_as_sphinx_indexes_it(
        fixture_repo: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    repo = fixture_repo("zh-sample")
    build_once(repo, strict=True)
    made = _patching(monkeypatch)
    path = repo / "standards" / "DH-001.yaml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("statement: >\n", "statement: >\n  麒麟踏雪，", 1), "utf-8")
    assert not build_once(repo, strict=True)[0].sphinx_ran
    found = _terms(repo)["麒麟"]
    assert "standards/DH-001" in found and [p for p in found if "encounter/" in p]
    _ends_as_a_clean_build(repo, tmp_path)
    # the next edit's words (keys written \\u...) are changed in the index's text
    path.write_text(text.replace("statement: >\n", "statement: >\n  凤凰涅槃，", 1), "utf-8")
    assert not build_once(repo, strict=True)[0].sphinx_ran
    assert made and all(made)
    assert "麒麟" not in _terms(repo) and "standards/DH-001" in _terms(repo)["凤凰"]
    _ends_as_a_clean_build(repo, tmp_path)


def test_a_title_edit_patches_every_table_and_card_that_shows_it(
        built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, by_sphinx = built

    def retitle(where: Path) -> None:
        path = where / "standards" / "desk" / "DSK-001.yaml"
        path.write_text(path.read_text("utf-8").replace(
            "Greet every visitor", "Welcome every zanzibarian visitor"), "utf-8")

    retitle(repo)
    result, _ = build_once(repo, strict=True)
    assert not result.sphinx_ran
    shown = set(result.written) - result.item_pages
    assert {"standards/encounter/reception", "standards/owner/front-desk"} <= shown
    assert "standards/encounter/reception" in _terms(repo)["zanzibarian"]
    assert _terms(repo, "titleterms")["zanzibarian"] == ["standards/DSK-001"]
    for page in shown:
        assert "Welcome every zanzibarian visitor" in (
            repo / "build" / "html" / f"{page}.html").read_text("utf-8")

    _ends_as_a_clean_build(repo, tmp_path)
    _as_sphinx_writes_it(repo, by_sphinx, monkeypatch, retitle)


_NAMES = st.text(alphabet=st.sampled_from('ab/"\\:,{}-é中'), min_size=1, max_size=6)
_TEXTS = st.text(alphabet=st.sampled_from('ab "\\:,{}\n\t中é'), min_size=1, max_size=12)


@given(st.dictionaries(_NAMES, _TEXTS, min_size=1, max_size=6), st.data())
def test_texts_replaced_in_their_script_are_the_script_written_anew(
        texts: dict[str, str], data: st.DataObject) -> None:
    # Names and texts full of quotes, backslashes, colons and braces: a page's text is found
    # by its key alone, never inside another page's text.
    script = "".join(script_parts(texts)).encode("utf-8")
    names = data.draw(st.lists(st.sampled_from(sorted(texts)), min_size=1, unique=True))
    changes = {name: data.draw(_TEXTS) for name in names}
    written = "".join(script_parts({**texts, **changes})).encode("utf-8")
    assert replaced_texts(script, changes) == written
    assert replaced_texts(script, {"no such page": "x"}) is None  # a text added: anew
    assert replaced_texts(script, {names[0]: ""}) is None  # a text dropped: written anew
    assert replaced_texts(script, {"no such page": ""}) == script  # no text, as before


def test_a_text_that_reads_as_a_key_is_not_taken_for_one() -> None:
    # '{",":":",' holds '",":' -- a comma, a quote and the colon -- across two strings: the
    # key ':' must be found where it stands, not there.
    texts = {",": ":", ":": ":"}
    script = "".join(script_parts(texts)).encode("utf-8")
    assert replaced_texts(script, {":": "new"}) == "".join(
        script_parts({",": ":", ":": "new"})).encode("utf-8")
    assert replaced_texts(script[:-3], {":": "new"}) is None  # not as script_parts ends it


def test_an_index_that_does_not_come_back_the_same_is_left_to_sphinx(
        fixture_repo: Callable[[str], Path]) -> None:
    # What qms encodes again of the index must come back as the index has it: checked for
    # each section and word it changes (and, before the whole index is merged instead, for
    # all of it, once per engine). An index Sphinx's encoder would write otherwise (spaced
    # here, as the record says it was written) is never changed by qms.
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    state = repo / "build" / ".qms"
    index = repo / "build" / "html" / "searchindex.js"
    record = itemdirect.ItemRecord.load(state)
    assert record is not None and record.checked == ""
    index.write_text(index.read_text("utf-8").replace('":', '": ', 1), "utf-8")
    record.files[itemdirect.INDEX_FILE] = signature(index)
    record.save(state)
    _guidance(repo, "Observe twelve arrivals.")
    assert build_once(repo, strict=True)[0].sphinx_ran
    record = itemdirect.ItemRecord.load(state)
    assert record is not None and record.checked == ""
    # Sphinx wrote it anew: the next edit changes it where the edit changed it
    _guidance(repo, "Observe twenty arrivals.")
    assert not build_once(repo, strict=True)[0].sphinx_ran
    # without the pages' previous versions, the whole index is merged: checked first, once
    source = repo / "build" / "source" / ITEMS / "checklists" / "CL-DESK.json"
    source.unlink()
    _guidance(repo, "Observe thirty arrivals.")
    assert not build_once(repo, strict=True)[0].sphinx_ran
    record = itemdirect.ItemRecord.load(state)
    engine = BuildState.load(state).engine
    assert record is not None and engine and record.checked == engine
