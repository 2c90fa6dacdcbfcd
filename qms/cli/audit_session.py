"""The interactive audit in a terminal: one question at a time, every answer saved at once.

Each answer (with its findings) is written to the record the moment it is complete, so an
interruption (Ctrl-C, a killed process, a flat battery) loses at most the answer being typed.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import click

from qms.audits import auditing
from qms.audits.auditing import AuditContext, Entry, FindingInput
from qms.base.safetext import visible
from qms.format.config import Grade
from qms.format.models import Question

WIDTH = 78
RULE = "-" * WIDTH
SKIP = "skip"
_RESULT_WORDS = {
    "c": "conform", "conform": "conform",
    "n": "nonconform", "nc": "nonconform", "nonconform": "nonconform",
    "a": "not-applicable", "na": "not-applicable", "n/a": "not-applicable",
    "not-applicable": "not-applicable", "not applicable": "not-applicable",
    "s": SKIP, "skip": SKIP,
}
RESULT_PROMPT = "Result: [c]onform, [n]onconform, not [a]pplicable, [s]kip"


class ResultType(click.ParamType):
    """An answer's result, typed as a word or its first letter."""

    name = "result"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """The result word for what the auditor typed."""
        word = _RESULT_WORDS.get(str(value).strip().lower())
        if word is None:
            self.fail(f"{value!r} is not c (conform), n (nonconform), a (not applicable) "
                      "or s (skip)", param, ctx)
        return word


@dataclass
class Outcome:
    """How a session ended."""

    interrupted: bool = False
    completed: bool = False


def run(context: AuditContext, questions: list[Question], offer_completion: bool = True) -> Outcome:
    """Ask the questions (skipped ones again at the end); Ctrl-C ends it with all saved."""
    try:
        _ask_all(context, questions)
        if offer_completion:
            return Outcome(completed=_offer_completion(context))
        return Outcome()
    except (click.Abort, KeyboardInterrupt, EOFError):
        click.echo("")
        return Outcome(interrupted=True)


def _ask_all(context: AuditContext, questions: list[Question]) -> None:
    pending = list(questions)
    while pending:
        skipped = [q for q in pending if not _ask(context, q)]
        if not skipped:
            return
        ids = ", ".join(q.id for q in skipped)
        click.echo(f"\n{len(skipped)} question(s) skipped: {ids}")
        if not click.confirm("Go back to them now?", default=True):
            return
        pending = skipped


def _offer_completion(context: AuditContext) -> bool:
    if context.unanswered() or context.audit.completed:
        return False
    total = len(context.checklist.questions)
    click.echo(f"\nAll {total} questions are answered.")
    if not click.confirm("Complete the audit now?", default=True):
        return False
    auditing.complete(context, auditing.now(context.project.today))
    return True


def show_answers(context: AuditContext) -> None:
    """Print the answers (and findings) recorded so far, in checklist order."""
    audit = context.audit
    if not audit.answers:
        return
    total = len(context.checklist.questions)
    click.echo(f"Answered so far ({len(audit.answers)} of {total}):")
    order = {q.id: i for i, q in enumerate(context.checklist.questions)}
    for answer in sorted(audit.answers, key=lambda a: order.get(a.question, len(order))):
        note = f"  {_one_line(answer.note)}" if answer.note else ""
        click.echo(f"  {answer.question:<5} {answer.result:<14}{note}")
        for finding in audit.findings:
            if finding.question == answer.question:
                click.echo(f"        {finding.id} ({finding.grade}): "
                           f"{_one_line(finding.statement)}")


def _one_line(value: str, width: int = 60) -> str:
    flat = visible(" ".join(value.split()))  # the repository's text must not steer the terminal
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _para(text: str, indent: str = "", hang: str = "") -> str:
    """Text as one paragraph wrapped to the terminal (at most 78 columns)."""
    return textwrap.fill(visible(" ".join(text.split())), width=WIDTH, initial_indent=indent,
                         subsequent_indent=indent + hang)


def _show_question(context: AuditContext, question: Question) -> None:
    total = len(context.checklist.questions)
    done = len(context.audit.answers)
    click.echo(f"\n{RULE}\nQuestion {context.position(question.id)} of {total} "
               f"({question.id}; {done} answered)\n{_para(question.ask)}\n")
    standard = context.standard(question)
    if standard is not None:
        click.echo(_para(f"Standard {standard.id}: {standard.title}"))
        click.echo(_para(standard.statement, "  "))
        for label, items in (("Do", standard.do), ("Don't", standard.dont)):
            if items:
                click.echo(f"  {label}:")
                for item in items:
                    click.echo(_para(f"- {item}", "    ", "  "))
    if question.guidance:
        click.echo(_para(f"Guidance: {question.guidance}", hang="  "))
    if question.evidence:
        click.echo(_para(f"Evidence: {question.evidence}", hang="  "))


def _ask(context: AuditContext, question: Question) -> bool:
    """Ask one question and save its answer; False when the auditor skips it."""
    _show_question(context, question)
    result = click.prompt(RESULT_PROMPT, type=ResultType())
    if result == SKIP:
        click.echo(f"skipped {question.id}; it is asked again at the end")
        return False
    note = click.prompt("Note", default="", show_default=False).strip()
    findings = _ask_findings(context, question, result)
    ids = auditing.record(context, Entry(question.id, result, note or None, tuple(findings)))
    raised = f", finding {', '.join(ids)}" if ids else ""
    click.echo(f"saved {question.id}: {result}{raised}")
    return True


def _ask_findings(context: AuditContext, question: Question, result: str) -> list[FindingInput]:
    grades = auditing.grades_for(context.project, result)
    existing = [f.id for f in context.audit.findings if f.question == question.id]
    findings: list[FindingInput] = []
    if existing:
        click.echo(f"{question.id} already has {', '.join(existing)} (kept as it is).")
    if result == "nonconform" and not existing:
        click.echo("A nonconformity needs a finding.")
        findings.append(_ask_finding(context, grades))
    more = "Record another finding on this question?"
    offer = more if findings or existing else "Record an observation or other finding?"
    while grades and click.confirm(offer, default=False):
        findings.append(_ask_finding(context, grades))
        offer = more
    return findings


def _ask_finding(context: AuditContext, grades: list[Grade]) -> FindingInput:
    for grade in grades:
        need = {"required": "CAPA required", "optional": "CAPA optional", "none": "no CAPA"}
        click.echo(f"  {grade.id:<16} {grade.label} ({need[grade.capa]})")
    grade_id = click.prompt("Grade", type=click.Choice([g.id for g in grades]))
    grade = next(g for g in grades if g.id == grade_id)
    statement = _required_text("Finding statement")
    evidence = click.prompt("Evidence", default="", show_default=False).strip() or None
    wants_capa = grade.capa == "required" or (
        grade.capa == "optional" and click.confirm("Open a CAPA for it?", default=False))
    if not wants_capa:
        return FindingInput(grade_id, statement, evidence)
    owner = click.prompt("CAPA owner (blank if not known yet)", default="",
                         show_default=False).strip() or None
    due = click.prompt("CAPA due", type=click.DateTime(["%Y-%m-%d"]),
                       default=auditing.default_due(context.project).isoformat())
    return FindingInput(grade_id, statement, evidence, owner, due.date(), capa=True)


def _required_text(label: str) -> str:
    while True:
        value = str(click.prompt(label)).strip()
        if value:
            return value
        click.echo(f"Error: the {label.lower()} cannot be blank")
