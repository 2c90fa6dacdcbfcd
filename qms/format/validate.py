"""Checks across files: references, ISO clauses, the format's rules and what needs attention.

Each check is a generator of issues over a loaded Project (doorstop's style), so `qms check`
collects everything and fails once. Every check is linear in the repository's size: lookups go
through the Project's indexes, never through scans of all items per item.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Mapping

from qms.base.issues import Issue, error, warning
from qms.format.encounters import check_encounters, check_names
from qms.format.fingerprint import changed_since_audited, standard_fingerprint
from qms.format.iso9001 import CLAUSES
from qms.format.languages import check_translations
from qms.format.models import Audit, Capa, Finding
from qms.format.project import Project, Source
from qms.format.schedule import review_due
from qms.format.schema import did_you_mean
from qms.format.tablechecks import check_tables

LATE_CAPA_STATES = ("action-planned", "implemented", "verified", "closed")


def validate_project(project: Project, warnings: bool = True,
                     skip: Container[str] = ()) -> Iterator[Issue]:
    """Every cross-file issue of a loaded project (without warnings: every error, and not
    the checks that can only warn, some of which compute fingerprints; `skip`: ids of
    standards, checklists and audits not to check, which the caller knows to be clear)."""
    yield from check_standards(project, warnings, skip)
    yield from check_plans(project) if warnings else ()
    yield from check_checklists(project, skip)
    for audit in project.audits.values():
        if audit.id not in skip:
            yield from check_audit(project, audit, project.sources[audit.id], warnings)
    yield from check_tables(project)
    for check in (check_encounters, check_names, check_translations) if warnings else ():
        yield from check(project)


def _unknown(source: Source, line: int, what: str, ref: str, known: Mapping[str, object]) -> Issue:
    hint = did_you_mean(ref, list(known)) if len(known) <= 5000 else ""
    return error(source.path, line, "unknown-reference", f"{what} {ref} does not exist{hint}")


def _dangling(project: Project, ref: str, known: Mapping[str, object]) -> bool:
    """Whether a reference leads nowhere (a file that exists but has errors does not count)."""
    return ref not in known and ref not in project.invalid_ids


def repeated(ids: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(index, id) of every id that already appeared earlier in the sequence."""
    seen: set[str] = set()
    for i, item_id in enumerate(ids):
        if item_id in seen:
            yield i, item_id
        seen.add(item_id)


def check_standards(project: Project, warnings: bool = True,
                    skip: Container[str] = ()) -> Iterator[Issue]:
    """References, clauses and rules of each standard (but those in `skip`), and the warnings
    it deserves."""
    for standard in project.standards.values():
        if standard.id in skip:
            continue
        source = project.sources[standard.id]
        for i, plan_id in enumerate(standard.plans):
            if _dangling(project, plan_id, project.plans):
                yield _unknown(
                    source, source.line("plans", i), "the planning item", plan_id, project.plans
                )  # type: ignore[arg-type]
        for i, clause in enumerate(standard.clauses):
            if clause not in CLAUSES:
                yield error(
                    source.path,
                    source.line("clauses", i),
                    "bad-clause",
                    f"'{clause}' is not a clause of ISO 9001:2015 (4 to 10.3, e.g. 8.5.1)",
                )
        for i, measure_id in repeated(m.id for m in standard.measures):
            yield error(
                source.path,
                source.line("measures", i, "id"),
                "duplicate-id",
                f"the measure id {measure_id} appears twice in this standard",
            )
        if standard.type == "hard" and not any(m.target for m in standard.measures):
            yield error(
                source.path,
                source.line("type"),
                "hard-without-target",
                f"{standard.id} is a hard standard but has no measure with a numeric "
                "target; add one under 'measures' (target: '>= 95') or make it soft",
            )
        if standard.status == "approved" and warnings:
            yield from _approved_standard_warnings(project, standard.id, source)


def _approved_standard_warnings(
    project: Project, standard_id: str, source: Source
) -> Iterator[Issue]:
    standard = project.standards[standard_id]
    due = review_due(project, standard_id)
    if due is not None and due < project.today:
        yield warning(
            source.path,
            source.line("review"),
            "review-overdue",
            f"{standard_id} was due for review on {due.isoformat()}",
        )
    approval = standard.approval
    if approval and approval.fingerprint != standard_fingerprint(standard):
        yield warning(
            source.path,
            source.line("approval", "fingerprint"),
            "changed-since-approval",
            f"{standard_id} changed since {approval.by} approved it on "
            f"{approval.on.isoformat()}; review it and run `qms approve {standard_id}`",
        )
    if standard_id not in project.questions_by_standard:
        yield warning(
            source.path,
            source.line("id"),
            "uncovered-standard",
            f"no checklist question audits {standard_id}",
        )


def check_plans(project: Project) -> Iterator[Issue]:
    """Overdue planning actions."""
    for plan in project.plans.values():
        source = project.sources[plan.id]
        for i, action in enumerate(plan.actions):
            if action.status == "open" and action.due and action.due < project.today:
                yield warning(
                    source.path,
                    source.line("actions", i, "due"),
                    "action-overdue",
                    f"{plan.id} action {i + 1} was due on {action.due.isoformat()}: "
                    f"{action.action}",
                )


def check_checklists(project: Project, skip: Container[str] = ()) -> Iterator[Issue]:
    """Question ids, the standards questions check, and questions on retired standards (of
    each checklist but those in `skip`)."""
    for checklist in project.checklists.values():
        if checklist.id in skip:
            continue
        source = project.sources[checklist.id]
        for i, question_id in repeated(q.id for q in checklist.questions):
            yield error(
                source.path,
                source.line("questions", i, "id"),
                "duplicate-id",
                f"the question id {question_id} appears twice in {checklist.id}",
            )
        for i, question in enumerate(checklist.questions):
            standard = project.standards.get(question.standard)
            if _dangling(project, question.standard, project.standards):
                yield _unknown(
                    source,
                    source.line("questions", i, "standard"),
                    "the standard",
                    question.standard,
                    project.standards,
                )  # type: ignore[arg-type]
            elif standard is not None and standard.status == "retired":
                yield warning(
                    source.path,
                    source.line("questions", i, "standard"),
                    "retired-standard-checked",
                    f"{checklist.id} {question.id} checks {standard.id}, which is retired",
                )


def check_audit(project: Project, audit: Audit, source: Source,
                warnings: bool = True) -> Iterator[Issue]:
    """An audit record: its checklist, answers, findings and their CAPAs."""
    checklist = project.checklists.get(audit.checklist)
    if checklist is None and _dangling(project, audit.checklist, project.checklists):
        yield _unknown(
            source, source.line("checklist"), "the checklist", audit.checklist, project.checklists
        )  # type: ignore[arg-type]
    if checklist is None:
        return
    questions = project.questions_of[audit.checklist]
    if audit.completed and audit.completed < audit.started:
        yield error(
            source.path,
            source.line("completed"),
            "bad-date",
            "the audit is completed before it started",
        )
    answered: dict[str, str] = {}
    for i, answer in enumerate(audit.answers):
        if answer.question not in questions:
            yield _unknown(
                source,
                source.line("answers", i, "question"),
                f"the question {checklist.id}",
                answer.question,
                questions,
            )  # type: ignore[arg-type]
            continue
        if answer.question in answered:
            yield error(
                source.path,
                source.line("answers", i, "question"),
                "duplicate-id",
                f"{answer.question} is answered twice in this audit",
            )
        answered[answer.question] = answer.result
    changed, whole_checklist = (changed_since_audited(audit, checklist, project.standards)
                                if warnings else ([], False))
    for i in changed:
        question = questions[audit.answers[i].question]
        yield warning(
            source.path,
            source.line("answers", i, "question"),
            "changed-since-audited",
            f"{checklist.id} {question.id} (or {question.standard}) changed after "
            "this audit answered it",
        )
    if whole_checklist:
        yield warning(
            source.path,
            source.line("checklist_fingerprint"),
            "changed-since-audited",
            f"{checklist.id} changed after this audit ran it",
        )
    if audit.completed:
        missing = [q for q in questions if q not in answered]
        if missing:
            yield error(
                source.path,
                source.line("completed"),
                "incomplete-audit",
                f"the audit is completed but {len(missing)} question(s) have no answer: "
                f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}",
            )
    yield from _check_findings(project, audit, source, questions, answered)


def _check_findings(
    project: Project, audit: Audit, source: Source, questions: dict, answered: dict[str, str]
) -> Iterator[Issue]:
    with_finding: set[str] = set()
    seen: set[str] = set()
    for i, finding in enumerate(audit.findings):
        place = ("findings", i)
        if not (
            finding.id.startswith(audit.id + "-F") and finding.id[len(audit.id) + 2 :].isdigit()
        ):
            yield error(
                source.path,
                source.line(*place, "id"),
                "bad-id",
                f"the finding id {finding.id} must be {audit.id}-F<number>",
            )
        elif finding.id in seen:
            yield error(
                source.path,
                source.line(*place, "id"),
                "duplicate-id",
                f"the finding id {finding.id} appears twice",
            )
        seen.add(finding.id)
        with_finding.add(finding.question)
        question = questions.get(finding.question)
        if question is None:
            yield _unknown(
                source, source.line(*place, "question"), "the question", finding.question, questions
            )
        elif question.standard != finding.standard:
            yield error(
                source.path,
                source.line(*place, "standard"),
                "finding-mismatch",
                f"{finding.question} checks {question.standard}, not {finding.standard}",
            )
        if _dangling(project, finding.standard, project.standards):
            yield _unknown(
                source,
                source.line(*place, "standard"),
                "the standard",
                finding.standard,
                project.standards,
            )  # type: ignore[arg-type]
        yield from _check_capa(project, finding, source, place)
    for i, answer in enumerate(audit.answers):
        if answer.result == "nonconform" and answer.question not in with_finding:
            yield error(
                source.path,
                source.line("answers", i, "result"),
                "missing-finding",
                f"{answer.question} is a nonconformity without a finding; add one under "
                "'findings' (question, standard, grade, statement)",
            )


def _check_capa(
    project: Project, finding: Finding, source: Source, place: tuple
) -> Iterator[Issue]:
    grade = project.config.grade(finding.grade)
    if grade is None:
        known = {g.id: g for g in project.config.grades}
        yield _unknown(source, source.line(*place, "grade"), "the grade", finding.grade, known)
        return
    capa = finding.capa
    if capa is None:
        if grade.capa == "required":
            yield error(
                source.path,
                source.line(*place, "grade"),
                "capa-required",
                f"{finding.id} is graded {grade.id}, which requires a CAPA; add 'capa' "
                "with an owner and a due date",
            )
        return
    if grade.capa == "none":
        yield error(
            source.path,
            source.line(*place, "capa"),
            "capa-not-allowed",
            f"{finding.id} is graded {grade.id}, which takes no CAPA; remove 'capa'",
        )
    for message in capa_rule_breaches(capa, finding.grade):
        yield error(
            source.path,
            source.line(*place, "capa", "status"),
            "capa-state",
            f"{finding.id}: {message}",
        )
    if capa.due and capa.status != "closed" and capa.due < project.today:
        yield warning(
            source.path,
            source.line(*place, "capa", "due"),
            "capa-overdue",
            f"the CAPA of {finding.id} was due on {capa.due.isoformat()} and is {capa.status}",
        )


def capa_rule_breaches(capa: Capa, grade: str) -> list[str]:
    """What a CAPA's state breaks of the CAPA rules of the format (empty when it is fine)."""
    breaches = []
    verification = capa.verification
    if capa.status in ("verified", "closed") and (
        verification is None or verification.result != "effective"
    ):
        breaches.append(f"'{capa.status}' needs a verification with result effective")
    if capa.status == "root-cause-found" and not capa.root_cause:
        breaches.append("'root-cause-found' needs a root_cause")
    if grade == "major" and capa.status in LATE_CAPA_STATES and not capa.root_cause:
        breaches.append(f"a major finding needs a root_cause before '{capa.status}'")
    if capa.status in LATE_CAPA_STATES and not capa.action:
        breaches.append(f"'{capa.status}' needs the planned action ('action')")
    return breaches
