"""Derive what the manual shows beside the files: history, compliance, CAPA state, coverage.

Everything here is computed once per build in one pass over the project (linear in its size),
so a page template only looks things up.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from qms.base.gitrepo import Revision
from qms.format.fingerprint import changed_questions, standard_fingerprint
from qms.format.listing import finding_is_open, finding_is_overdue
from qms.format.models import Answer, Audit, Checklist, Question, Standard
from qms.format.project import Project, QuestionRef
from qms.format.schedule import review_due


@dataclass
class Compliance:
    """Conforming answers over answered questions (not-applicable answers do not count)."""

    conform: int = 0
    answered: int = 0

    def add(self, result: str) -> None:
        """Count one answer."""
        if result != "not-applicable":
            self.answered += 1
            self.conform += result == "conform"

    @property
    def rate(self) -> float | None:
        """The share of conforming answers, or None when nothing was answered."""
        return self.conform / self.answered if self.answered else None


@dataclass(slots=True)  # not frozen: 50,000 are made per build, and a frozen one's
class AnswerRef:          # fields are set through object.__setattr__, twice as slow
    """An answer in an audit, with its question and whether the question changed since."""

    audit: Audit
    question: Question | None
    answer: Answer
    changed: bool


@dataclass
class Derived:
    """The facts the manual shows that no single file holds."""

    today: date
    history: dict[str, list[Revision]] | None  # by object id; None outside git
    answers_by_audit: dict[str, list[AnswerRef]] = field(default_factory=dict)
    answers_by_standard: dict[str, list[AnswerRef]] = field(default_factory=dict)
    # The audits that answered a standard's questions, and their checklists: what its
    # compliance comes from (pages that show compliance depend on them).
    answered_in: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)
    compliance: dict[str, Compliance] = field(default_factory=dict)  # by standard id
    site_compliance: dict[str, dict[str, Compliance]] = field(default_factory=dict)
    periods: list[str] = field(default_factory=list)
    overdue: set[str] = field(default_factory=set)  # finding ids with an overdue CAPA
    open: set[str] = field(default_factory=set)  # finding ids with a CAPA not closed
    review_due: dict[str, date | None] = field(default_factory=dict)
    changed_since_approval: set[str] = field(default_factory=set)
    uncovered: list[Standard] = field(default_factory=list)
    retired_questions: list[QuestionRef] = field(default_factory=list)

    def rate(self, standard_id: str) -> float | None:
        """The compliance rate of a standard (None when never answered)."""
        found = self.compliance.get(standard_id)
        return found.rate if found else None


def quarter(moment: datetime) -> str:
    """The calendar quarter of a moment, e.g. '2026-Q4'."""
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def derive(project: Project, histories: dict[str, list[Revision]] | None,
           prefix: str = "", kept: dict[str, Any] | None = None) -> Derived:
    """Everything the manual derives; `histories` come from gitrepo.file_histories (or None).

    `kept` (`qms serve`'s memory, qms.manual.buildmemory): each audit's answers as an earlier
    derivation found them, reused where the audit, its checklist and the standards its answers'
    fingerprints cover are the very models they were found with; left holding this one's."""
    derived = Derived(today=project.today, history=_histories(project, histories, prefix))
    _answers(project, derived, kept)
    for ref in project.findings:
        if finding_is_open(ref):
            derived.open.add(ref.finding.id)
        if finding_is_overdue(ref, project):
            derived.overdue.add(ref.finding.id)
    for standard in project.standards.values():
        derived.review_due[standard.id] = review_due(project, standard.id)
        approval = standard.approval
        if approval and approval.fingerprint != standard_fingerprint(standard):
            derived.changed_since_approval.add(standard.id)
    _coverage(project, derived)
    return derived


def _histories(project: Project, histories: dict[str, list[Revision]] | None,
               prefix: str) -> dict[str, list[Revision]] | None:
    # git names files from the top of the git repository; the QMS may live in a sub-folder.
    if histories is None:
        return None
    return {item_id: histories.get(prefix + source.path, [])
            for item_id, source in project.sources.items()}


def _answers(project: Project, derived: Derived, kept: dict[str, Any] | None) -> None:
    earlier = dict(kept or {})
    founds = []
    for audit in sorted(project.audits.values(), key=lambda a: (a.started, a.id)):
        checklist = project.checklists.get(audit.checklist)
        found = earlier.get(audit.id)
        if found is None or not _still(found, audit, checklist, project.standards):
            found = _audit_answers(project, audit, checklist)
        founds.append(found)
    last = earlier.get(EVERY)  # (the audits' answers it was counted from, the counts)
    if last is not None and len(last[0]) == len(founds) and all(
            a is b for a, b in zip(last[0], founds, strict=True)):
        counted = last[1]
    else:
        counted = _counted_answers(founds)
    if kept is not None:
        kept.clear()
        kept.update((found[0].id, found) for found in founds)
        kept[EVERY] = (founds, counted)
    (derived.answers_by_audit, derived.answers_by_standard, derived.answered_in,
     derived.compliance, derived.site_compliance, derived.periods) = counted


EVERY = "#every"  # kept's entry for the counts of every audit's answers (ids hold no '#')


def _counted_answers(founds: list[Found]) -> tuple[Any, ...]:
    # Answers by audit and by standard, where each standard was answered, the compliance per
    # standard and per site and quarter, and the quarters.
    answers_by_audit: dict[str, list[AnswerRef]] = {}
    by_standard: dict[str, list[AnswerRef]] = defaultdict(list)
    answered_in: dict[str, tuple[set[str], set[str]]] = {}
    # Results are gathered per standard and per site and quarter, and counted once at the end:
    # a call per answer and count was most of this pass (50,000 answers at 5,000 standards).
    by_standard_results: dict[str, list[str]] = defaultdict(list)
    by_site: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    periods: set[str] = set()
    for audit, _, _, refs, asked in founds:
        period = quarter(audit.started)
        periods.add(period)
        counted = []  # the results of the answers to a question of the checklist
        for ref, standard in asked:
            by_standard[standard].append(ref)
            by_standard_results[standard].append(ref.answer.result)
            counted.append(ref.answer.result)
        for standard in dict.fromkeys(standard for _, standard in asked):
            if (sources := answered_in.get(standard)) is None:
                sources = answered_in[standard] = (set(), set())
            sources[0].add(audit.id)
            sources[1].add(audit.checklist)
        if counted:
            site = by_site[audit.site]
            site[period] += counted
            site["all"] += counted
        answers_by_audit[audit.id] = refs
    return (answers_by_audit, dict(by_standard), answered_in,
            {standard: _counted(results) for standard, results in by_standard_results.items()},
            {site: {period: _counted(results) for period, results in v.items()}
             for site, v in sorted(by_site.items())},
            sorted(periods))


# An audit's answers as found: the audit, its checklist and the standards its answers'
# fingerprints were compared with (the models), its AnswerRefs, and (ref, standard) of those
# answering a question of the checklist.
Found = tuple[Audit, Checklist | None, tuple[tuple[str, Any], ...], list[AnswerRef],
              list[tuple[AnswerRef, str]]]


def _audit_answers(project: Project, audit: Audit, checklist: Checklist | None) -> Found:
    questions = {q.id: q for q in checklist.questions} if checklist else {}
    changed = set(changed_questions(project, audit))
    refs, asked = [], []
    for answer in audit.answers:
        question = questions.get(answer.question)
        ref = AnswerRef(audit, question, answer, answer.question in changed)
        refs.append(ref)
        if question is not None:
            asked.append((ref, question.standard))
    # Which answers changed since depends on these standards (their fingerprints) only.
    covered = {questions[a.question].standard for a in audit.answers
               if a.fingerprint and a.question in questions}
    standards = tuple((sid, project.standards.get(sid)) for sid in sorted(covered))
    return audit, checklist, standards, refs, asked


def _still(found: Found, audit: Audit, checklist: Checklist | None,
           standards: dict[str, Standard]) -> bool:
    # Whether an audit's answers found earlier hold: made from these very models.
    return (found[0] is audit and found[1] is checklist
            and all(standards.get(sid) is model for sid, model in found[2]))


def _counted(results: list[str]) -> Compliance:
    # As Compliance.add counts them one by one.
    return Compliance(conform=results.count("conform"),
                      answered=len(results) - results.count("not-applicable"))


def _coverage(project: Project, derived: Derived) -> None:
    audited = project.questions_by_standard
    derived.uncovered = [s for s in project.current_standards() if s.id not in audited]
    derived.retired_questions = [
        ref for standard_id, refs in sorted(audited.items())
        for ref in refs
        if (s := project.standards.get(standard_id)) is not None and s.status == "retired"
    ]
