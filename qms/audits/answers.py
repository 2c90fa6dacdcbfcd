"""Answers given as table rows (a workbook or a CSV file) checked and turned into entries.

Columns: question, result, note, grade, statement, evidence (the last three only where the
answer raises a finding) and, optionally, owner and due of the finding's CAPA. A row with no
result and nothing else leaves its question unanswered. A further row for a question already
answered (with `result` empty or the same) adds another finding to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from qms.audits.auditing import RESULTS, Entry, FindingInput, grades_for
from qms.base.errors import QmsError
from qms.base.safetext import restore_formula
from qms.format.config import Grade
from qms.format.models import Checklist
from qms.format.project import Project
from qms.format.schema import did_you_mean

REQUIRED_COLUMNS = ("question", "result", "note", "grade", "statement", "evidence")
INPUT_COLUMNS = (*REQUIRED_COLUMNS, "owner", "due")
FINDING_COLUMNS = ("grade", "statement", "evidence", "owner", "due")
MAX_SHOWN = 50


@dataclass(frozen=True)
class Row:
    """One row of answers: its number in the file (the header is row 1) and its cells by column."""

    number: int
    cells: dict[str, Any]


@dataclass
class _Answer:
    row: int
    result: str
    note: str | None
    findings: list[FindingInput] = field(default_factory=list)
    finding_rows: int = 0  # rows that give a finding, even a wrong one


@dataclass
class _Reader:
    project: Project
    checklist: Checklist
    where: str
    problems: list[tuple[int, str]] = field(default_factory=list)
    answers: dict[str, _Answer] = field(default_factory=dict)

    def problem(self, row: Row, column: str, message: str) -> None:
        self.add(row.number, column, message)

    def add(self, number: int, column: str, message: str) -> None:
        """Note a problem at a row and column."""
        self.problems.append((number, f"{self.where}row {number}, column '{column}': {message}"))


def cell_text(value: Any) -> str | None:
    """A cell as text (None when blank): numbers without a needless '.0', dates as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, datetime):
        midnight = value.time() == datetime.min.time()
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # drop the `'` qms's exports put before a formula start, so exported text comes back as is
    text = (restore_formula(value) if isinstance(value, str) else str(value)).strip()
    return text or None


def as_date(value: Any) -> date | None:
    """A cell as a date: a real date cell, or text written YYYY-MM-DD; None if it is neither."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def parse_rows(project: Project, checklist: Checklist, where: str, rows: list[Row]) -> list[Entry]:
    """Check every row and return the answers as entries; all problems are raised at once.

    `where` prefixes each message and ends with its separator ("answers.csv: ").
    """
    reader = _Reader(project, checklist, where)
    for row in rows:
        _read_row(reader, row)
    for question, answer in reader.answers.items():
        if answer.result == "nonconform" and not answer.finding_rows:
            reader.add(answer.row, "grade", f"{question} is a nonconformity without a finding; "
                       "fill in 'grade' and 'statement'")
    if reader.problems:
        ordered = [message for _, message in sorted(reader.problems, key=lambda p: p[0])]
        shown = ordered[:MAX_SHOWN]
        more = len(ordered) - len(shown)
        raise QmsError("\n".join(shown) + (f"\n... and {more} more" if more else ""))
    return [Entry(q, a.result, a.note, tuple(a.findings)) for q, a in reader.answers.items()]


def _read_row(reader: _Reader, row: Row) -> None:
    values = {name: cell_text(row.cells.get(name)) for name in INPUT_COLUMNS}
    if not any(values[name] for name in INPUT_COLUMNS if name != "question"):
        return  # an unanswered question (or an empty line)
    question = _question(reader, row, values["question"])
    result = _result(reader, row, values["result"])
    if question is None:
        _finding(reader, row, values, result)
        return
    answer = reader.answers.get(question)
    if answer is None:
        if values["result"] is None:
            reader.problem(row, "result", f"empty, but the row has a note or a finding; give "
                           f"conform, nonconform or not-applicable (or clear the row to leave "
                           f"{question} unanswered)")
        elif result is not None:
            answer = reader.answers[question] = _Answer(row.number, result, values["note"])
    else:
        _further_row(reader, row, question, answer, result, values)
    finding = _finding(reader, row, values, answer.result if answer else result)
    if answer is not None and any(values[name] for name in FINDING_COLUMNS):
        answer.finding_rows += 1
        if finding is not None:
            answer.findings.append(finding)


def _further_row(reader: _Reader, row: Row, question: str, answer: _Answer,
                 result: str | None, values: dict[str, str | None]) -> None:
    if result is not None and result != answer.result:
        reader.problem(row, "result", f"{question} is answered {answer.result!r} on row "
                       f"{answer.row}; a further row for {question} adds a finding and leaves "
                       "'result' empty")
    if values["note"] and values["note"] != answer.note:
        reader.problem(row, "note", f"the note of {question} belongs on row {answer.row}")
    if not any(values[name] for name in FINDING_COLUMNS):
        reader.problem(row, "grade", f"{question} is already answered on row {answer.row}; "
                       "a further row for it needs a finding (grade and statement)")


def _question(reader: _Reader, row: Row, value: str | None) -> str | None:
    ids = [q.id for q in reader.checklist.questions]
    if value is None:
        reader.problem(row, "question", "empty; name the question this row answers "
                       f"({', '.join(ids[:3])} ...)")
        return None
    if value not in ids and value.upper() in ids:
        return value.upper()
    if value not in ids:
        reader.problem(row, "question", f"{value!r} is not a question of {reader.checklist.id}"
                       f"{did_you_mean(value, ids)}")
        return None
    return value


def _result(reader: _Reader, row: Row, value: str | None) -> str | None:
    if value is None:
        return None
    word = value.lower().replace(" ", "-")
    if word not in RESULTS:
        reader.problem(row, "result", f"{value!r} is not conform, nonconform or not-applicable")
        return None
    return word


def _finding(reader: _Reader, row: Row, values: dict[str, str | None],
             result: str | None) -> FindingInput | None:
    if not any(values[name] for name in FINDING_COLUMNS):
        return None
    grade = _grade(reader, row, values["grade"], result)
    statement = values["statement"]
    if statement is None:
        reader.problem(row, "statement", "a finding needs a statement of what was found")
    due = None
    if values["due"] is not None:
        due = as_date(row.cells.get("due"))
        if due is None:
            reader.problem(row, "due", f"{values['due']!r} is not a date; enter a date such as "
                           "2026-12-31")
    owner = values["owner"]
    if grade is not None and grade.capa == "none" and (owner or values["due"]):
        reader.problem(row, "owner" if owner else "due",
                       f"'{grade.id}' takes no CAPA; leave 'owner' and 'due' empty")
    if grade is None or statement is None:
        return None
    return FindingInput(grade.id, statement, values["evidence"], owner, due,
                        capa=bool(owner or due))


def _grade(reader: _Reader, row: Row, value: str | None, result: str | None) -> Grade | None:
    grades = reader.project.config.grades
    ids = ", ".join(g.id for g in grades)
    if value is None:
        reader.problem(row, "grade", f"a finding needs a grade: one of {ids}")
        return None
    grade = reader.project.config.grade(value.lower())
    if grade is None:
        reader.problem(row, "grade", f"{value!r} is not a grade of qms.yaml ({ids})")
        return None
    allowed = grades_for(reader.project, result) if result else list(grades)
    if grade not in allowed:
        others = ", ".join(g.id for g in allowed)
        reader.problem(row, "grade", f"'{grade.id}' needs a CAPA, so it grades a nonconformity; "
                       f"make the result nonconform or choose {others}")
        return None
    return grade
