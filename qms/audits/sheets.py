"""Offline audits: the answer workbook (`qms audit sheet`) and reading answers from XLSX or CSV.

A workbook has a visible sheet 'Answers' (one row per question, drop-downs for result and
grade) and a hidden sheet 'qms' with the checklist id and the fingerprint of every question as
it was written, so an import knows which checklist it answers and which questions changed since.
Reading checks every row and reports every problem at once, naming file, sheet, row and column;
nothing is written while any row is wrong.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qms.audits.answers import INPUT_COLUMNS, REQUIRED_COLUMNS, Row, parse_rows
from qms.audits.auditing import Entry
from qms.base.csvread import read_csv_file
from qms.base.errors import QmsError
from qms.base.xlsxout import append_text_row
from qms.base.yamlread import YamlProblem
from qms.base.zipsafe import LAST_ROW, refuse_large_parts
from qms.format.fingerprint import checklist_fingerprint, question_fingerprint
from qms.format.models import Checklist, Standard
from qms.format.project import Project

ANSWERS = "Answers"
META = "qms"
FORMAT = "qms-audit-sheet 1"
INFO_COLUMNS = ("question", "standard", "ask", "requirement", "guidance")
SHEET_COLUMNS = (*INFO_COLUMNS, *(c for c in INPUT_COLUMNS if c != "question"))
WIDTHS = {"question": 9, "standard": 11, "ask": 45, "requirement": 55, "guidance": 40,
          "result": 15, "note": 40, "grade": 15, "statement": 45, "evidence": 30,
          "owner": 20, "due": 12}
RESULT_LIST = '"conform,nonconform,not-applicable"'
DATE_1900 = "1"  # Excel's first serial date: a date validation accepts any real date


@dataclass
class SheetAnswers:
    """Answers read from a workbook or CSV file, ready to be recorded."""

    checklist: Checklist
    entries: list[Entry]
    checklist_fingerprint: str | None = None
    fingerprints: dict[str, str] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ writing


def _requirement(standard: Standard | None) -> str:
    if standard is None:
        return ""
    lines = [f"{standard.id} {standard.title}", " ".join(standard.statement.split())]
    lines += [f"Do: {' '.join(item.split())}" for item in standard.do]
    lines += [f"Don't: {' '.join(item.split())}" for item in standard.dont]
    return "\n".join(lines)


def write_sheet(project: Project, checklist: Checklist, output: Path) -> int:
    """Write the answer workbook of a checklist; return the number of questions."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = ANSWERS
    sheet.append(list(SHEET_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for question in checklist.questions:
        standard = project.standards.get(question.standard)
        guidance = " ".join((question.guidance or "").split())
        if question.evidence:
            guidance = f"{guidance}\nEvidence: {question.evidence}".strip()
        append_text_row(sheet, [question.id, question.standard, question.ask,
                                _requirement(standard), guidance])
    last = len(checklist.questions) + 1
    for index, name in enumerate(SHEET_COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS[name]
        for row in range(2, last + 1):
            cell = sheet[f"{letter}{row}"]
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if name == "due":
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "B2"
    _validations(sheet, project, last)
    _meta_sheet(book, project, checklist)
    _save(book, output)
    return len(checklist.questions)


def _save(book: Any, output: Path) -> None:
    """Save the workbook through a temporary file, so a failure leaves no half-written file."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
        os.close(fd)
        try:
            book.save(name)
            os.replace(name, output)
        finally:
            Path(name).unlink(missing_ok=True)
    except OSError as exc:
        raise QmsError(f"{output}: cannot write the workbook: {exc.strerror or exc}") from None


def _column(name: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(SHEET_COLUMNS.index(name) + 1)


def _validations(sheet: Any, project: Project, last: int) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    grades = ",".join(g.id for g in project.config.grades)
    rules = [
        ("result", DataValidation(type="list", formula1=RESULT_LIST, allow_blank=True,
                                  error="Choose conform, nonconform or not-applicable.")),
        ("grade", DataValidation(type="list", formula1=f'"{grades}"', allow_blank=True,
                                 error=f"Choose one of the grades: {grades}.")),
        ("due", DataValidation(type="date", operator="greaterThan", formula1=DATE_1900,
                               allow_blank=True, error="Enter a date (YYYY-MM-DD).")),
    ]
    for name, rule in rules:
        if name == "grade" and len(grades) > 250:  # Excel's limit for an inline list
            continue
        rule.showErrorMessage = True
        rule.errorTitle = f"qms: {name}"
        sheet.add_data_validation(rule)
        rule.add(f"{_column(name)}2:{_column(name)}{last}")


def _meta_sheet(book: Any, project: Project, checklist: Checklist) -> None:
    meta = book.create_sheet(META)
    append_text_row(meta, ["format", FORMAT])
    append_text_row(meta, ["checklist", checklist.id])
    append_text_row(meta, ["checklist_fingerprint", checklist_fingerprint(checklist)])
    append_text_row(meta, ["title", checklist.title])
    append_text_row(meta, ["question", "fingerprint"])
    for question in checklist.questions:
        standard = project.standards.get(question.standard)
        append_text_row(meta, [question.id, question_fingerprint(question, standard)])
    meta.sheet_state = "hidden"


# ------------------------------------------------------------------ reading


def _open_workbook(path: Path, shown: str) -> Any:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        refuse_large_parts(path)
        return load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise QmsError(f"{shown}: not an Excel workbook (.xlsx) that qms can read ({exc}); "
                       "write one with `qms audit sheet CHECKLIST -o FILE.xlsx`") from None


def _meta(book: Any, shown: str) -> tuple[dict[str, Any], dict[str, str]]:
    if META not in book.sheetnames:
        raise QmsError(f"{shown}: there is no sheet '{META}', so this is not a workbook written "
                       "by `qms audit sheet`; write one with `qms audit sheet CHECKLIST -o "
                       "FILE.xlsx` and copy the answers into it")
    values: dict[str, Any] = {}
    fingerprints: dict[str, str] = {}
    in_table = False
    for key, value, *_ in _padded(book[META]):
        if key == "question":
            in_table = True
        elif in_table and key:
            fingerprints[str(key)] = str(value or "")
        elif key:
            values[str(key)] = value
    if values.get("format") != FORMAT:
        raise QmsError(f"{shown}: sheet '{META}', row 1, column B: the format is "
                       f"{values.get('format')!r}, not {FORMAT!r}; write a new workbook with "
                       "`qms audit sheet`")
    return values, fingerprints


def _padded(sheet: Any) -> Iterable[tuple[Any, ...]]:
    for _, row in _rows(sheet):
        yield (*row, None, None)


def _checklist_of(project: Project, values: dict[str, Any], shown: str,
                  expected: str | None) -> Checklist:
    checklist_id = str(values.get("checklist") or "")
    checklist = project.checklists.get(checklist_id)
    if checklist is None:
        raise QmsError(f"{shown}: sheet '{META}', row 2, column B: the checklist "
                       f"{checklist_id!r} does not exist in this repository")
    if expected and expected != checklist_id:
        raise QmsError(f"{shown}: the workbook answers {checklist_id}, not {expected}; import "
                       f"the workbook of {expected} (`qms audit sheet {expected} -o FILE.xlsx`)")
    return checklist


def _rows(sheet: Any) -> Iterable[tuple[int, tuple[Any, ...]]]:
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()  # some writers store a wrong size: read every row there is
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > LAST_ROW:  # a far row number would have a few bytes make endless rows
            raise QmsError(f"sheet '{sheet.title}' goes on past row {LAST_ROW:,}, the last "
                           "row of a worksheet; write a new workbook with `qms audit sheet`")
        yield number, tuple(values)


def read_workbook(project: Project, path: Path, shown: str,
                  expected: str | None = None) -> SheetAnswers:
    """Read a filled-in answer workbook; every problem is raised at once as a QmsError."""
    book = _open_workbook(path, shown)
    try:
        values, fingerprints = _meta(book, shown)
        checklist = _checklist_of(project, values, shown, expected)
        if ANSWERS not in book.sheetnames:
            raise QmsError(f"{shown}: there is no sheet '{ANSWERS}'; the answers belong on a "
                           f"sheet named '{ANSWERS}'")
        rows = list(_rows(book[ANSWERS]))
    finally:
        book.close()
    where = f"{shown}: sheet '{ANSWERS}', "
    entries = _some(parse_rows(project, checklist, where, _as_rows(rows, where, SHEET_COLUMNS)),
                    where)
    current = {q.id: question_fingerprint(q, project.standards.get(q.standard))
               for q in checklist.questions}
    changed = [e.question for e in entries
               if fingerprints.get(e.question, current[e.question]) != current[e.question]]
    return SheetAnswers(checklist, entries, str(values.get("checklist_fingerprint") or "") or None,
                        {q: fp for q, fp in fingerprints.items() if q in current}, changed)


def read_csv(project: Project, checklist: Checklist, path: Path, shown: str) -> SheetAnswers:
    """Read answers from a CSV file (question,result,note,grade,statement,evidence[,owner,due])."""
    try:
        rows = [(line, tuple(cells)) for line, cells in read_csv_file(path)]
    except YamlProblem as problem:
        place = f"line {problem.line}: " if problem.line else ""
        raise QmsError(f"{shown}: {place}{problem.message}") from None
    where = f"{shown}: "
    entries = _some(parse_rows(project, checklist, where, _as_rows(rows, where, INPUT_COLUMNS)),
                    where)
    return SheetAnswers(checklist, entries)


def _some(entries: list[Entry], where: str) -> list[Entry]:
    if not entries:
        raise QmsError(f"{where}no row has a result, so there is nothing to import; fill in "
                       "the 'result' column (conform, nonconform or not-applicable)")
    return entries


def _as_rows(rows: list[tuple[int, tuple[Any, ...]]], where: str,
             known: tuple[str, ...]) -> list[Row]:
    """Rows as {column: value}, after checking the header row."""
    if not rows:
        raise QmsError(f"{where}there are no rows; the first row names the columns: "
                       f"{', '.join(REQUIRED_COLUMNS)}")
    _, header_cells = rows[0]
    header = [_header_name(c) for c in header_cells]
    while header and not header[-1]:
        header.pop()
    problems = [f"{where}row 1: the column {name!r} appears twice"
                for i, name in enumerate(header) if name and name in header[:i]]
    problems += [f"{where}row 1: the column '{name}' is missing; the header needs "
                 f"{', '.join(REQUIRED_COLUMNS)}" for name in REQUIRED_COLUMNS
                 if name not in header]
    problems += [f"{where}row 1: the column {name!r} is not one qms reads; the columns are "
                 f"{', '.join(known)}" for name in header if name and name not in known]
    if problems:
        raise QmsError("\n".join(problems))
    result = []
    for number, cells in rows[1:]:
        extra = [c for c in cells[len(header):] if not _blank(c)]
        if extra:
            raise QmsError(f"{where}row {number}: there are more cells than columns in the "
                           "header; remove them or name their column")
        result.append(Row(number, {name: cells[i] if i < len(cells) else None
                                   for i, name in enumerate(header) if name}))
    return result


def _header_name(cell: Any) -> str:
    return str(cell).strip().lower() if cell is not None else ""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
