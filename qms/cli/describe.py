"""`qms show ID`: a readable page about one standard, plan, checklist, audit or finding."""

from __future__ import annotations

from collections.abc import Iterator

from qms.base.errors import QmsError
from qms.base.safetext import visible
from qms.format.ids import require_id
from qms.format.listing import finding_is_overdue
from qms.format.models import Audit, Checklist, Plan, Standard
from qms.format.project import FindingRef, Project
from qms.format.schedule import review_due
from qms.format.schema import did_you_mean


def describe(project: Project, item_id: str) -> str:
    """The text `qms show` prints for the item with this id."""
    if item_id in project.standards:
        lines = _standard(project, project.standards[item_id])
    elif item_id in project.plans:
        lines = _plan(project, project.plans[item_id])
    elif item_id in project.checklists:
        lines = _checklist(project.checklists[item_id])
    elif item_id in project.audits:
        lines = _audit(project, project.audits[item_id])
    elif item_id in project.findings_by_id:
        lines = _finding(project, project.findings_by_id[item_id])
    else:
        require_id(item_id, "an", "qms list standards|plans|checklists|audits|findings")
        known = [*project.standards, *project.plans, *project.checklists, *project.audits]
        raise QmsError(
            f"no standard, plan, checklist, audit or finding has the id {item_id}"
            f"{did_you_mean(item_id, known)}"
        )
    where = project.sources.get(item_id)
    footer = [f"file: {where.path}"] if where else []
    # the repository is untrusted: its text must not steer the terminal (titles, clearing)
    return visible("\n".join([*lines, *footer]), keep="\n\t")


def _field(label: str, value: object) -> str:
    return f"{label + ':':<14}{value}"


def _name(project: Project, name: str) -> str:
    # A name shown per language (manual.names) keeps the name files use beside it.
    shown = project.config.manual.shown_name(name)
    return name if shown == name else f"{shown} ({name})"


def _standard(project: Project, s: Standard) -> Iterator[str]:
    yield f"{s.id}  {s.title}"
    yield _field("status", s.status)
    yield _field("type", s.type)
    yield _field("owner", _name(project, s.owner))
    yield _field("encounter", _name(project, s.encounter))
    yield _field("gap", s.gap if s.gap is not None else "-")
    yield _field("dimensions", ", ".join(s.dimensions) or "-")
    yield _field("clauses", ", ".join(s.clauses) or "-")
    due = review_due(project, s.id)
    yield _field("review due", due.isoformat() if due else "-")
    if s.approval:
        yield _field("approved", f"{s.approval.on.isoformat()} by {s.approval.by}")
    yield ""
    yield s.statement.strip()
    for label, items in (("Do", s.do), ("Don't", s.dont)):
        if items:
            yield f"\n{label}:"
            yield from (f"  - {item}" for item in items)
    if s.measures:
        yield "\nMeasures:"
        yield from (
            f"  - {m.id}: {m.metric} (target {m.target or '-'} {m.unit or ''})".rstrip()
            for m in s.measures
        )
    if s.plans:
        yield "\nImplements: " + ", ".join(
            f"{p} ({project.plans[p].title})" if p in project.plans else p for p in s.plans
        )
    questions = project.questions_by_standard.get(s.id, [])
    yield "\nAudited by: " + (
        ", ".join(f"{r.checklist.id} {r.question.id}" for r in questions) or "no checklist question"
    )
    findings = project.findings_by_standard.get(s.id, [])
    if findings:
        yield "\nFindings:"
        yield from (_finding_line(project, r) for r in findings)


def _finding_line(project: Project, ref: FindingRef) -> str:
    capa = ref.finding.capa
    state = capa.status if capa else "no capa"
    late = " OVERDUE" if finding_is_overdue(ref, project) else ""
    return f"  - {ref.finding.id} [{ref.finding.grade}] {state}{late}: {ref.finding.statement}"


def _plan(project: Project, p: Plan) -> Iterator[str]:
    yield f"{p.id}  {p.title}"
    yield _field("category", p.category)
    yield _field("owner", _name(project, p.owner))
    yield _field("gap", p.gap if p.gap is not None else "-")
    if p.objective:
        yield _field("objective", p.objective)
    yield "\nActions:"
    for a in p.actions:
        due = a.due.isoformat() if a.due else "no due date"
        yield f"  - [{a.status}] {a.action} ({_name(project, a.owner or p.owner)}, {due})"
    standards = project.standards_by_plan.get(p.id, [])
    yield "\nStandards implementing it: " + (", ".join(s.id for s in standards) or "none")


def _checklist(c: Checklist) -> Iterator[str]:
    yield f"{c.id}  {c.title}"
    yield _field("method", c.method)
    yield _field("questions", len(c.questions))
    for q in c.questions:
        yield f"  {q.id} [{q.standard}] {q.ask}"


def _audit(project: Project, a: Audit) -> Iterator[str]:
    yield f"{a.id}  {a.checklist} at {_name(project, a.site)}"
    yield _field("auditors", ", ".join(a.auditors))
    yield _field("started", a.started.isoformat())
    yield _field("completed", a.completed.isoformat() if a.completed else "in progress")
    yield "\nAnswers:"
    for ans in a.answers:
        yield f"  {ans.question}: {ans.result}" + (f" ({ans.note})" if ans.note else "")
    if a.findings:
        yield "\nFindings:"
        for f in a.findings:
            state = f.capa.status if f.capa else "no capa"
            yield f"  - {f.id} [{f.grade}] {state}: {f.statement}"


def _finding(project: Project, ref: FindingRef) -> Iterator[str]:
    f, capa = ref.finding, ref.finding.capa
    yield f"{f.id}  [{f.grade}] {f.statement}"
    yield _field("audit", f"{ref.audit.id} at {_name(project, ref.audit.site)}")
    yield _field("question", f.question)
    yield _field("standard", f.standard)
    if f.evidence:
        yield _field("evidence", f.evidence)
    if capa is None:
        yield _field("capa", "none")
        return
    late = " (OVERDUE)" if finding_is_overdue(ref, project) else ""
    yield _field("capa", f"{capa.status}{late}")
    for label in ("owner", "due", "containment", "root_cause", "action"):
        value = getattr(capa, label)
        if value:
            yield _field(label.replace("_", " "), _name(project, value) if label == "owner"
                         else value)
    if capa.verification:
        v = capa.verification
        yield _field("verified", f"{v.result} by {v.by} on {v.on.isoformat()}")
    for event in capa.history:
        who = f" {event.by}" if event.by else ""
        yield f"  {event.on.isoformat()} {event.status}{who} {event.note or ''}".rstrip()
