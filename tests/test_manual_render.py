"""The manual's reST: escaping, tables, templates, and the golden pages of a small QMS.

Regenerate the golden files (only after checking the difference) with
`QMS_REGEN_GOLDEN=1 .venv/bin/pytest tests/test_manual_render.py`.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from docutils.core import publish_doctree

from qms.base.errors import QmsError
from qms.format.check import load_valid
from qms.manual.build import BuildPaths, BuildResult
from qms.manual.derive import derive
from qms.manual.pages import Docs, slugs
from qms.manual.pipeline import git_histories, render_source
from qms.manual.render import environment, escape, paragraphs, table, title, width, write_if_changed
from qms.manual.tablehtml import relative_uri, table_html, table_words
from qms.manual.views import Views

from .conftest import TODAY

GOLDEN = Path(__file__).resolve().parent / "golden" / "manual-small"
REGENERATE = os.environ.get("QMS_REGEN_GOLDEN") == "1"

NASTY = [
    "<script>alert(1)</script>", ".. raw:: html", ".. include:: /etc/passwd", "`stray",
    "``literal", "*emphasis", "|sub|", "[#]_", "_`target`", ":math:`x`", "trailing \\",
    "- bullet", "1. enumerated", "======", "#. auto", "(a) list", "• bullet", "a::",
    "word_ reference", "http://example.com/x", "-- dash", "::", ">>> doctest", "| line block",
]


def _text_of(rst: str) -> str:
    """What docutils shows for a reST fragment (reporting every problem as an exception)."""
    tree = publish_doctree(rst, settings_overrides={
        "report_level": 1, "halt_level": 1, "raw_enabled": False,
        "file_insertion_enabled": False})
    return tree.astext()


@pytest.mark.parametrize("value", NASTY)
def test_escaped_text_reads_back_literally(value: str) -> None:
    assert _text_of(escape(value)) == value


@pytest.mark.parametrize("value", NASTY)
def test_escaped_titles_read_back_literally(value: str) -> None:
    assert _text_of(f"{title(value)}\n\nbody\n") == f"{value}\n\nbody"


def test_whitespace_collapses_and_control_characters_go() -> None:
    assert escape("a\n  b\u2028c\x07d\x00") == "a b cd"
    assert escape(None) == ""
    assert escape(date(2026, 1, 2)) == "2026\\-01\\-02"


def test_paragraphs_keep_blank_line_breaks_and_indent() -> None:
    text = paragraphs("one\ntwo\n\n.. raw:: html\n", indent=3)
    assert text == "   one two\n\n   \\.\\. raw\\:\\: html"


def test_title_underline_is_long_enough_for_wide_characters() -> None:
    heading = title("电话铃响三声之内接听")
    text, underline = heading.split("\n")
    assert len(underline) >= width(text) == 20
    assert _text_of(f"{heading}\n\nbody\n") == "电话铃响三声之内接听\n\nbody"


def test_a_table_is_one_json_line_that_cannot_break_out() -> None:
    rows = [["x\u2028.. raw:: html"], [{"t": "y\nz", "doc": "standards/S-1"}]]
    rendered = table(["A"], rows)
    lines = rendered.split("\n")
    assert lines[:2] == [".. qms-table::", ""] and len(lines) == 3
    assert lines[2].startswith("   ") and "\u2028" not in rendered
    assert json.loads(lines[2]) == {"header": ["A"], "rows": rows}


def test_table_html_escapes_text_links_and_classes() -> None:
    settings = {"header": ["<h>"], "class": 'x" onload="y'}
    rows = [[{"t": "<script>alert(1)</script>", "doc": "standards/S-1", "anchor": "A B",
              "cls": "c\"><script>"}], {"id": "Q 1\"", "cells": ["a & b"]}]
    html = table_html(settings, rows, "audits/AUD-1")
    words = table_words(settings, rows)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="../standards/S-1.html#a-b"' in html
    assert 'class="reference internal c script"' in html
    assert 'id="q-1"' in html and "a &amp; b" in html
    assert 'class="qms-table x onload y docutils align-default"' in html
    assert words.split() == ["<h>", "<script>alert(1)</script>", "a", "&", "b"]


@pytest.mark.parametrize("cells", [["1", "2026-01", "88.5"], ["a & b", "x"], ["<i>", "y"],
                                   ["bell\x07", "z"], ["", "\u00e9\u95e8"],
                                   ["tab\tline\nend", "q"]])
def test_a_row_of_plain_texts_is_written_as_each_cell_would_be(cells: list[str]) -> None:
    """Rows of plain texts skip the per-cell calls when nothing in them needs escaping; the
    HTML is the same either way: each text escaped, control characters dropped."""
    import html as html_module
    import re

    control = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
    expected = "".join(f"<td><p>{html_module.escape(control.sub('', c), quote=False)}</p></td>"
                       for c in cells)
    written = table_html({"header": None}, [cells, [*cells]], "measures/M-1")
    assert written.count(f'<tr class="row-even">{expected}</tr>') == 1
    assert written.count(f'<tr class="row-odd">{expected}</tr>') == 1


def test_a_cell_repeated_in_a_table_is_written_as_each_copy_would_be() -> None:
    """One cell object in many rows (a measure table's state) is written once per table:
    its rows read as if each held its own copy, and its text is escaped in every row."""
    state = {"t": "off <target>", "cls": "qms-off-target"}
    link = {"t": "S-1", "doc": "standards/S-1"}
    shared = [["a", state, link], ["b", state, link], {"cells": ["c", state, link]}]
    copied = [["a", dict(state), dict(link)], ["b", dict(state), dict(link)],
              {"cells": ["c", dict(state), dict(link)]}]
    written = table_html({"header": None}, shared, "measures/M-1")
    assert written == table_html({"header": None}, copied, "measures/M-1")
    cell = ('<td><p><span class="qms-off-target">off &lt;target&gt;</span></p></td>'
            '<td><p><a class="reference internal" href="../standards/S-1.html">S-1</a></p></td>')
    assert written.count(cell) == 3


def test_relative_links_climb_to_the_top_folder() -> None:
    assert relative_uri("index", "standards/S-1") == "standards/S-1.html"
    assert relative_uri("standards/encounter/x", "standards/S-1") == "../../standards/S-1.html"


def test_slugs_are_ascii_unique_and_stable() -> None:
    found = slugs(["Front desk", "front-desk", "电话咨询", "Café & Bar"])
    assert found["Café & Bar"] == "caf-bar"
    assert found["Front desk"] != found["front-desk"]
    assert found["Front desk"].startswith("front-desk-")
    assert len(found["电话咨询"]) == 8 and found["电话咨询"].isalnum()
    assert slugs(["电话咨询"]) == {"电话咨询": found["电话咨询"]}


def test_template_values_are_escaped_unless_made_by_a_helper(tmp_path: Path) -> None:
    env = environment(None)
    template = env.from_string("{{ value }}|{{ value|rst }}|{{ table(None, [[value]]) }}")
    out = template.render(value=".. raw:: html")
    plain, filtered, directive = out.split("|", 2)
    assert plain == filtered == "\\.\\. raw\\:\\: html"
    assert directive.startswith(".. qms-table::")


def test_repository_templates_override_pages_and_blocks(tmp_path: Path) -> None:
    (tmp_path / "manual").mkdir()
    (tmp_path / "manual" / "checklists.rst.j2").write_text(
        '{% extends "qms/manual/checklists.rst.j2" %}{% block checklists %}OWN BLOCK'
        '{% endblock %}', encoding="utf-8")
    env = environment(tmp_path)
    source = env.get_template("manual/checklists.rst.j2").render(
        _=lambda text, **kw: text, checklists=[])
    assert "OWN BLOCK" in source and "Checklists" in source


def test_write_if_changed_leaves_equal_files_alone(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.rst"
    assert write_if_changed(target, "one")
    stamp = target.stat().st_mtime_ns
    assert not write_if_changed(target, "one")
    assert target.stat().st_mtime_ns == stamp
    assert write_if_changed(target, "two") and target.read_text() == "two"


def _render_small(repo: Path, out: Path) -> BuildResult:
    project = load_valid(repo, date.fromisoformat(TODAY))
    derived = derive(project, *git_histories(repo))
    result = BuildResult(html=out / "html")
    render_source(project, derived, BuildPaths(out), result)
    return result


def test_golden_rest_of_a_small_qms(fixture_repo: Callable[[str], Path], tmp_path: Path) -> None:
    repo = fixture_repo("manual-small")
    result = _render_small(repo, tmp_path / "build")
    source = tmp_path / "build" / "source"
    produced = {p.relative_to(source).as_posix(): p.read_text(encoding="utf-8")
                for p in sorted(source.rglob("*")) if p.is_file()}
    assert len(result.written) == len(produced)
    if REGENERATE:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for name, text in produced.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_text(text, encoding="utf-8")
    expected = {p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8")
                for p in sorted(GOLDEN.rglob("*")) if p.is_file()}
    assert sorted(produced) == sorted(expected), "pages differ; see QMS_REGEN_GOLDEN"
    for name, text in produced.items():
        assert text == expected[name], f"{name} differs from tests/golden/manual-small/{name}"


def test_second_render_writes_nothing(fixture_repo: Callable[[str], Path], tmp_path: Path) -> None:
    repo = fixture_repo("manual-small")
    _render_small(repo, tmp_path / "build")
    again = _render_small(repo, tmp_path / "build")
    assert again.written == [] and again.removed == []


def test_pages_rendered_in_forked_processes_match_the_serial_render(
        fixture_repo: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import qms.manual.render

    repo = fixture_repo("manual-small")
    serial = _render_small(repo, tmp_path / "serial")
    monkeypatch.setattr(qms.manual.render, "PARALLEL_PAGES", 1)
    monkeypatch.setattr("qms.base.workers.usable_cpus", lambda: 2)
    forked = _render_small(repo, tmp_path / "forked")
    assert forked.written == serial.written and len(serial.written) > 10

    def texts(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.rst")}

    assert texts(tmp_path / "forked/source") == texts(tmp_path / "serial/source")


def test_a_template_error_with_forked_renderers_names_the_template(
        fixture_repo: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import qms.manual.render

    repo = fixture_repo("manual-small")
    (repo / "templates/manual").mkdir(parents=True, exist_ok=True)
    (repo / "templates/manual/standard.html.j2").write_text(
        '{% extends "qms/manual/standard.html.j2" %}{% block statement %}{{ nothing.at.all }}'
        "{% endblock %}", encoding="utf-8")
    monkeypatch.setattr(qms.manual.render, "PARALLEL_PAGES", 1)
    monkeypatch.setattr("qms.base.workers.usable_cpus", lambda: 2)
    with pytest.raises(QmsError, match=r"template manual/standard\.html\.j2 \(page standards/"):
        _render_small(repo, tmp_path / "build")


def test_the_traceability_matrix_lists_questions_beyond_twelve_checklists(
        fixture_repo: Callable[[str], Path]) -> None:
    # Thirteen checklists no longer fit a grid: each standard gets one list of its checklists'
    # questions, and a standard no question audits a dash.
    repo = fixture_repo("manual-small")
    original = repo / "audits" / "checklists" / "CL-DESK.yaml"
    for number in range(12):
        (original.parent / f"CL-X{number:02d}.yaml").write_text(original.read_text(
            encoding="utf-8").replace("id: CL-DESK", f"id: CL-X{number:02d}"), encoding="utf-8")
    project = load_valid(repo, date.fromisoformat(TODAY))
    views = Views(project, derive(project, None), Docs(project))
    current = project.current_standards()
    matrix = views.traceability_table(current)
    assert matrix.header == ["Standard", "Title", "Checklist questions"]
    rows = {row[0]["t"]: row for row in matrix.rows}
    asked = [span["t"] for span in rows["DSK-001"][2]]
    assert asked == sorted(f"{c} Q1 " for c in ["CL-DESK", *(f"CL-X{n:02d}" for n in range(12))])
    assert rows["DSK-001"][2][0]["doc"] == "checklists/CL-DESK"
    unasked = [s.id for s in current if s.id not in project.questions_by_standard]
    assert unasked and all(rows[i][2] == {"t": "—", "cls": "qms-changed"} for i in unasked)
