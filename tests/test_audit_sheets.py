"""Offline audits: `qms audit sheet` -> workbook filled in by openpyxl -> `qms audit import`.

Bad workbooks and CSV files are refused with messages naming file, sheet, row and column,
and nothing is written when they are.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from qms.base.zipsafe import LARGEST_PART
from qms.format.check import check
from qms.format.fingerprint import question_fingerprint

from .audit_helpers import PREMISES_CSV, audit_id, read_record, write

DAY = date(2026, 11, 23)
GRADES = "major, minor, observation, ofi, good-practice"
COLUMNS = ["question", "standard", "ask", "requirement", "guidance", "result", "note", "grade",
           "statement", "evidence", "owner", "due"]


def _sheet(run: Callable[..., Any], repo: Path, checklist: str = "CL-PREMISES") -> Path:
    output = repo.parent / "answers.xlsx"
    result = run("audit", "sheet", checklist, "-o", str(output), "-C", str(repo))
    assert result.exit_code == 0, result.output
    return output


def _fill(path: Path, rows: dict[int, dict[str, Any]], change: Callable[[Any], None] | None
          = None) -> None:
    """Fill cells of the Answers sheet by (spreadsheet row, column name), as an auditor would."""
    book = openpyxl.load_workbook(path)
    sheet = book["Answers"]
    for number, cells in rows.items():
        for name, value in cells.items():
            sheet.cell(row=number, column=COLUMNS.index(name) + 1, value=value)
    if change:
        change(book)
    book.save(path)


GOOD = {
    2: {"result": "conform", "note": "Clean; rounds signed 14:40"},
    3: {"result": "nonconform", "note": "3 of 30 tickets wrong", "grade": "minor",
        "statement": "Three price tickets did not match the POS.",
        "evidence": "Price-ticket sample sheet", "owner": "Store manager",
        "due": datetime(2026, 12, 20)},
    4: {"result": "not-applicable", "note": "yes"},
}


def _import(run: Callable[..., Any], repo: Path, path: Path, *extra: str) -> Any:
    return run("audit", "import", str(path), "--site", "Nanjing Road store", "--auditor",
               "Li Wei", "-C", str(repo), *extra)


def _records(repo: Path) -> list[Path]:
    return sorted((repo / "audits" / "records").rglob("AUD-20261123-*.yaml"))


def test_sheet_has_questions_dropdowns_and_a_hidden_checklist_sheet(run, sample_repo) -> None:
    path = _sheet(run, sample_repo)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Answers", "qms"]
    assert book["qms"].sheet_state == "hidden"
    sheet = book["Answers"]
    assert [c.value for c in sheet[1]] == COLUMNS
    assert [sheet.cell(row=r, column=1).value for r in range(2, 5)] == ["Q1", "Q2", "Q3"]
    assert sheet["B3"].value == "PRM-002"
    assert sheet["D3"].value.startswith("PRM-002 Full size runs and a correct price ticket")
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["F2:F4"] == '"conform,nonconform,not-applicable"'
    assert lists["H2:H4"] == '"major,minor,observation,ofi,good-practice"'
    assert "L2:L4" in lists
    meta = {row[0]: row[1] for row in book["qms"].iter_rows(values_only=True)}
    assert meta["checklist"] == "CL-PREMISES"


def test_filled_sheet_imports_as_a_completed_audit(run, sample_repo: Path) -> None:
    path = _sheet(run, sample_repo)
    _fill(path, GOOD)
    result = _import(run, sample_repo, path)
    assert result.exit_code == 0, result.output
    audit = audit_id(result.output)
    assert "imported 3 answer(s) and 1 finding(s) from answers.xlsx" in result.output
    record = read_record(sample_repo, audit)
    assert [(a["question"], a["result"], a["note"]) for a in record["answers"]] == [
        ("Q1", "conform", "Clean; rounds signed 14:40"),
        ("Q2", "nonconform", "3 of 30 tickets wrong"),
        ("Q3", "not-applicable", "yes")]
    [finding] = record["findings"]
    assert finding["capa"] == {"owner": "Store manager", "due": date(2026, 12, 20),
                               "status": "open"}
    assert "completed" in record
    checked = check(sample_repo, DAY)
    assert not checked.errors
    assert not [i for i in checked.issues if i.code == "changed-since-audited"]


def test_a_question_changed_after_the_sheet_was_written_is_suspect(run, sample_repo) -> None:
    path = _sheet(run, sample_repo)
    _fill(path, GOOD)
    standard = sample_repo / "standards" / "premises" / "PRM-002.yaml"
    standard.write_text(standard.read_text(encoding="utf-8").replace(
        "matches the POS price", "matches the shelf label"), encoding="utf-8")
    result = _import(run, sample_repo, path)
    assert result.exit_code == 0, result.output
    assert ("warning: Q2 changed since the sheet was written; its answer is marked as changed "
            "since audited (see `qms check`)") in result.output
    audit = audit_id(result.output)
    project = check(sample_repo, DAY).project
    q2 = project.checklists["CL-PREMISES"].questions[1]
    recorded = read_record(sample_repo, audit)["answers"][1]["fingerprint"]
    assert recorded != question_fingerprint(q2, project.standards["PRM-002"])
    suspect = [i for i in check(sample_repo, DAY).issues if i.code == "changed-since-audited"]
    assert [(i.path, i.message) for i in suspect] == [
        (f"audits/records/2026/{audit}.yaml",
         "CL-PREMISES Q2 (or PRM-002) changed after this audit answered it")]


def test_partly_filled_sheet_leaves_the_audit_open(run, sample_repo: Path) -> None:
    path = _sheet(run, sample_repo)
    _fill(path, {2: GOOD[2]})
    result = _import(run, sample_repo, path)
    assert result.exit_code == 0, result.output
    audit = audit_id(result.output)
    assert "unanswered: Q2, Q3" in result.output
    assert f"resume with: qms audit resume {audit}" in result.output
    assert "completed" not in read_record(sample_repo, audit)


def _set_meta_checklist(book: Any) -> None:
    book["qms"]["B2"] = "CL-GONE"


def _drop_grade_column(book: Any) -> None:
    book["Answers"].delete_cols(COLUMNS.index("grade") + 1)


BAD_WORKBOOKS = [
    ("wrong checklist", {}, None, ("--checklist", "CL-TELEPHONE"),
     "{path}: the workbook answers CL-PREMISES, not CL-TELEPHONE; import the workbook of "
     "CL-TELEPHONE (`qms audit sheet CL-TELEPHONE -o FILE.xlsx`)"),
    ("unknown checklist", {}, _set_meta_checklist, (),
     "{path}: sheet 'qms', row 2, column B: the checklist 'CL-GONE' does not exist in this "
     "repository"),
    ("missing column", GOOD, _drop_grade_column, (),
     "{path}: sheet 'Answers', row 1: the column 'grade' is missing; the header needs "
     "question, result, note, grade, statement, evidence"),
    ("unknown grade", {**GOOD, 3: {**GOOD[3], "grade": "serious"}}, None, (),
     f"{{path}}: sheet 'Answers', row 3, column 'grade': 'serious' is not a grade of qms.yaml "
     f"({GRADES})"),
    ("text where a date belongs", {**GOOD, 3: {**GOOD[3], "due": "next week"}}, None, (),
     "{path}: sheet 'Answers', row 3, column 'due': 'next week' is not a date; enter a date "
     "such as 2026-12-31"),
    ("nothing filled in", {}, None, (),
     "{path}: sheet 'Answers', no row has a result, so there is nothing to import; fill in the "
     "'result' column (conform, nonconform or not-applicable)"),
    ("bad result", {**GOOD, 2: {"result": "maybe"}}, None, (),
     "{path}: sheet 'Answers', row 2, column 'result': 'maybe' is not conform, nonconform or "
     "not-applicable"),
]


@pytest.mark.parametrize(("rows", "change", "extra", "message"),
                         [case[1:] for case in BAD_WORKBOOKS],
                         ids=[case[0] for case in BAD_WORKBOOKS])
def test_bad_workbooks_are_refused_with_exact_messages(run, sample_repo: Path, rows, change,
                                                       extra, message) -> None:
    path = _sheet(run, sample_repo)
    _fill(path, rows, change)
    result = _import(run, sample_repo, path, *extra)
    assert result.exit_code == 1
    assert result.output == f"qms: error: {message.format(path=path)}\n"
    assert _records(sample_repo) == []


def test_every_problem_of_a_workbook_is_reported_at_once(run, sample_repo: Path) -> None:
    path = _sheet(run, sample_repo)
    _fill(path, {2: {"result": "conform", "grade": "major", "statement": "x"},
                 3: {"result": "nonconform", "note": "no finding given"},
                 4: {"note": "a note without a result"}})
    result = _import(run, sample_repo, path)
    assert result.exit_code == 1
    where = f"{path}: sheet 'Answers'"
    assert result.output.splitlines() == [
        f"qms: error: {where}, row 2, column 'grade': 'major' needs a CAPA, so it grades a "
        "nonconformity; make the result nonconform or choose observation, ofi, good-practice",
        f"{where}, row 3, column 'grade': Q2 is a nonconformity without a finding; fill in "
        "'grade' and 'statement'",
        f"{where}, row 4, column 'result': empty, but the row has a note or a finding; give "
        "conform, nonconform or not-applicable (or clear the row to leave Q3 unanswered)",
    ]
    assert _records(sample_repo) == []


def test_files_that_are_not_answer_workbooks(run, sample_repo: Path, tmp_path: Path) -> None:
    text = write(tmp_path / "notes.xlsx", "not a workbook")
    result = _import(run, sample_repo, text)
    assert result.exit_code == 1
    assert result.output.startswith(f"qms: error: {text}: not an Excel workbook (.xlsx) that qms "
                                    "can read (")
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    result = _import(run, sample_repo, plain)
    assert result.output == (
        f"qms: error: {plain}: there is no sheet 'qms', so this is not a workbook written by "
        "`qms audit sheet`; write one with `qms audit sheet CHECKLIST -o FILE.xlsx` and copy "
        "the answers into it\n")
    assert _records(sample_repo) == []


def test_sheet_never_replaces_a_workbook_unless_forced(run, sample_repo: Path) -> None:
    path = _sheet(run, sample_repo)
    _fill(path, GOOD)
    before = path.read_bytes()
    result = run("audit", "sheet", "CL-PREMISES", "-o", str(path), "-C", str(sample_repo))
    assert result.exit_code == 1
    assert result.output == (f"qms: error: {path} exists (it may hold answers); choose another "
                             "name or replace it with --force\n")
    assert path.read_bytes() == before
    forced = run("audit", "sheet", "CL-PREMISES", "-o", str(path), "--force",
                 "-C", str(sample_repo))
    assert forced.exit_code == 0, forced.output
    assert openpyxl.load_workbook(path)["Answers"]["F2"].value is None
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_further_rows_add_findings_to_the_same_question(run, sample_repo: Path) -> None:
    csv_text = PREMISES_CSV + (
        "Q2,,,observation,Stacks not sorted by size.,Photo 12,,\n"
        "q1,,,good-practice,Round sheets kept in a clear sleeve.,,,\n")  # case is forgiven
    answers = write(sample_repo.parent / "answers.csv", csv_text)
    result = run("audit", "start", "CL-PREMISES", "--site", "S", "--auditor", "A",
                 "--answers", str(answers), "-C", str(sample_repo))
    assert result.exit_code == 0, result.output
    findings = read_record(sample_repo, audit_id(result.output))["findings"]
    assert [(f["id"][-2:], f["question"], f["grade"]) for f in findings] == [
        ("F1", "Q1", "good-practice"), ("F2", "Q2", "minor"), ("F3", "Q2", "observation")]
    assert "capa" not in findings[2]
    assert not check(sample_repo, DAY).errors


CSV_ERRORS = [
    ("missing column", "question,result,note,grade,statement\nQ1,conform,,,\n",
     "row 1: the column 'evidence' is missing; the header needs question, result, note, grade, "
     "statement, evidence"),
    ("unknown column", "question,result,note,grade,statement,evidence,ownr\n",
     "row 1: the column 'ownr' is not one qms reads; the columns are question, result, note, "
     "grade, statement, evidence, owner, due"),
    ("unknown question", "question,result,note,grade,statement,evidence\nQ9,conform,,,,\n",
     "row 2, column 'question': 'Q9' is not a question of CL-PREMISES"),
    ("no CAPA on good practice",
     "question,result,note,grade,statement,evidence,owner,due\n"
     "Q1,conform,,good-practice,Tidy,,Store manager,\n",
     "row 2, column 'owner': 'good-practice' takes no CAPA; leave 'owner' and 'due' empty"),
    ("finding without statement",
     "question,result,note,grade,statement,evidence\nQ1,nonconform,,minor,,\n",
     "row 2, column 'statement': a finding needs a statement of what was found"),
    ("two results for one question",
     "question,result,note,grade,statement,evidence\nQ1,conform,,,,\nQ1,not-applicable,,,,\n",
     "row 3, column 'result': Q1 is answered 'conform' on row 2; a further row for Q1 adds a "
     "finding and leaves 'result' empty\nanswers.csv: row 3, column 'grade': Q1 is already "
     "answered on row 2; a further row for it needs a finding (grade and statement)"),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in CSV_ERRORS],
                         ids=[c[0] for c in CSV_ERRORS])
def test_bad_csv_answers_are_refused_with_exact_messages(run, sample_repo: Path, text: str,
                                                         message: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(sample_repo.parent)
    write(sample_repo.parent / "answers.csv", text)
    result = run("audit", "start", "CL-PREMISES", "--site", "S", "--auditor", "A",
                 "--answers", "answers.csv", "-C", str(sample_repo))
    assert result.exit_code == 1
    assert result.output == f"qms: error: answers.csv: {message}\n"
    assert _records(sample_repo) == []


def test_the_same_workbook_is_not_imported_twice_unless_asked(run, sample_repo: Path) -> None:
    path = _sheet(run, sample_repo)
    _fill(path, GOOD)
    first = _import(run, sample_repo, path)
    assert first.exit_code == 0, first.output
    audit = audit_id(first.output)
    record = read_record(sample_repo, audit)
    assert record["imported_from"] == {
        "file": "answers.xlsx", "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    again = _import(run, sample_repo, path)
    assert again.exit_code == 1
    assert again.stderr == (
        f"qms: error: answers.xlsx was already imported as {audit} (Nanjing Road store, "
        "2026-11-23); importing it again would record the same visit twice. If it really is "
        "another audit, pass --again\n")
    assert len(_records(sample_repo)) == 1
    forced = _import(run, sample_repo, path, "--again")
    assert forced.exit_code == 0, forced.output
    assert len(_records(sample_repo)) == 2
    assert not check(sample_repo, DAY).errors



def _rezip(path: Path, change: Callable[[str, bytes], bytes], extra: dict[str, bytes]) -> None:
    """The workbook's package again, each part changed by `change`, with extra parts added."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name, data in {**parts, **extra}.items():
            out.writestr(name, change(name, data))


def test_a_workbook_bomb_is_refused_before_it_is_unpacked(run, sample_repo: Path) -> None:
    path = _sheet(run, sample_repo)
    _fill(path, GOOD)
    _rezip(path, lambda name, data: data, {"xl/media/padding.xml": b" " * (LARGEST_PART + 1)})
    assert path.stat().st_size < 2_000_000
    result = _import(run, sample_repo, path)
    assert result.exit_code == 1
    assert "padding.xml unpacks to 268,435,457 bytes" in result.output
    assert _records(sample_repo) == []


def test_a_row_past_the_last_row_of_a_worksheet_is_refused(run, sample_repo: Path) -> None:
    # openpyxl fills every row number skipped with an empty row: a few bytes would make
    # billions; the import stops at the last row a worksheet can have
    path = _sheet(run, sample_repo)
    _fill(path, GOOD)
    far = (b'<row r="2000000000"><c r="A2000000000" t="inlineStr"><is><t>Q1</t></is></c>'
           b'</row></sheetData>')

    def answers_far(name: str, data: bytes) -> bytes:
        return data.replace(b"</sheetData>", far) if name == "xl/worksheets/sheet1.xml" \
            else data
    _rezip(path, answers_far, {})
    result = _import(run, sample_repo, path)
    assert result.exit_code == 1
    assert "sheet 'Answers' goes on past row 1,048,576" in result.output
    assert _records(sample_repo) == []
