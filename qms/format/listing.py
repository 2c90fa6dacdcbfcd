"""Rows for `qms list` and `qms findings`: every kind flattened, with the filters people use."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from qms.format.project import FindingRef, Project

Row = dict[str, Any]

STANDARD_COLUMNS = (
    "id",
    "title",
    "status",
    "type",
    "owner",
    "encounter",
    "gap",
    "dimensions",
    "questions",
    "open_findings",
)
PLAN_COLUMNS = ("id", "category", "title", "owner", "gap", "open_actions", "next_due", "standards")
CHECKLIST_COLUMNS = ("id", "title", "method", "questions")
AUDIT_COLUMNS = (
    "id",
    "checklist",
    "site",
    "auditors",
    "started",
    "completed",
    "answered",
    "findings",
)
FINDING_COLUMNS = (
    "id",
    "audit",
    "site",
    "standard",
    "grade",
    "capa_status",
    "owner",
    "due",
    "age_days",
    "overdue",
    "statement",
)


@dataclass(frozen=True)
class Filters:
    """What a listing keeps; None means no filter on that attribute."""

    status: str | None = None
    owner: str | None = None
    encounter: str | None = None
    dimension: str | None = None
    gap: int | None = None
    category: str | None = None
    grade: str | None = None
    site: str | None = None
    standard: str | None = None
    state: str | None = None  # open | closed | overdue
    type: str | None = None


_WORD = re.compile(r"\w+")


def _has_cjk(word: str) -> bool:
    # Kana, CJK ideographs and compatibility ideographs. A character class of these ranges
    # took 3 ms to compile, on the import of every command that lists or builds.
    return any("\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"
               for c in word)


def _words(value: Any, wanted: str | None) -> bool:
    """Whether each word given is a word of value, or the start of one, ignoring case.

    `--encounter telephone` finds "Telephone enquiry", `--owner "front desk"` finds
    "Front desk team"; a filter without words (punctuation only) must match exactly.
    """
    words = _WORD.findall(wanted.casefold()) if wanted is not None else []
    if not words:
        return _same(value, wanted)
    have = _WORD.findall(value.casefold()) if isinstance(value, str) else []
    # Chinese and Japanese write no spaces: a word of theirs may stand anywhere in a "word".
    return all(any(w in h if _has_cjk(w) else h.startswith(w) for h in have)
               for w in words)


def _named(project: Project, value: str | None, wanted: str | None) -> bool:
    """_words for an encounter, owner or site: its name as written or as shown in any language
    (manual.names), so `--encounter 招呼` finds the encounter "Greeting" shown as 亲切招呼."""
    if _words(value, wanted):
        return True
    shown = project.config.manual.names.get(value) if value is not None else None
    return shown is not None and any(_words(text, wanted) for text in
                                     getattr(shown, "texts", {"": shown}).values())


# The free-text filters of each listing, with the values they are matched against.
TEXT_FILTERS: dict[str, dict[str, Callable[[Project], Iterable[str | None]]]] = {
    "standards": {"owner": lambda p: (s.owner for s in p.standards.values()),
                  "encounter": lambda p: (s.encounter for s in p.standards.values())},
    "plans": {"owner": lambda p: (plan.owner for plan in p.plans.values())},
    "audits": {"site": lambda p: (a.site for a in p.audits.values())},
    "findings": {"site": lambda p: (r.audit.site for r in p.findings),
                 "owner": lambda p: (r.finding.capa.owner for r in p.findings if r.finding.capa)},
}


def known_values(project: Project, listing: str, name: str) -> list[str]:
    """The values a free-text filter of a listing can match in this repository, sorted."""
    values = TEXT_FILTERS.get(listing, {}).get(name)
    return sorted({v for v in values(project) if v}, key=str.casefold) if values else []


def _same(value: Any, wanted: Any) -> bool:
    if wanted is None:
        return True
    if isinstance(value, str) and isinstance(wanted, str):
        return value.casefold() == wanted.casefold()
    return bool(value == wanted)


def standard_rows(project: Project, f: Filters) -> list[Row]:
    """One row per standard that passes the filters."""
    rows = []
    for s in sorted(project.standards.values(), key=lambda s: s.id):
        if not (
            _same(s.status, f.status)
            and _named(project, s.owner, f.owner)
            and _named(project, s.encounter, f.encounter)
            and _same(s.gap, f.gap)
            and _same(s.type, f.type)
            and (f.dimension is None or f.dimension in s.dimensions)
        ):
            continue
        refs = project.findings_by_standard.get(s.id, [])
        rows.append(
            {
                "id": s.id,
                "title": s.title,
                "status": s.status,
                "type": s.type,
                "owner": s.owner,
                "encounter": s.encounter,
                "gap": s.gap,
                "dimensions": list(s.dimensions),
                "questions": len(project.questions_by_standard.get(s.id, [])),
                "open_findings": sum(1 for r in refs if finding_is_open(r)),
            }
        )
    return rows


def plan_rows(project: Project, f: Filters) -> list[Row]:
    """One row per planning item that passes the filters."""
    rows = []
    for p in sorted(project.plans.values(), key=lambda p: p.id):
        if not (_same(p.category, f.category) and _named(project, p.owner, f.owner)
                and _same(p.gap, f.gap)):
            continue
        open_actions = [a for a in p.actions if a.status == "open"]
        dues = sorted(a.due for a in open_actions if a.due)
        if f.state == "overdue" and not (dues and dues[0] < project.today):
            continue
        rows.append(
            {
                "id": p.id,
                "category": p.category,
                "title": p.title,
                "owner": p.owner,
                "gap": p.gap,
                "open_actions": len(open_actions),
                "next_due": dues[0] if dues else None,
                "standards": [s.id for s in project.standards_by_plan.get(p.id, [])],
            }
        )
    return rows


def checklist_rows(project: Project, f: Filters) -> list[Row]:
    """One row per checklist (filtered by the standard it checks)."""
    return [
        {"id": c.id, "title": c.title, "method": c.method, "questions": len(c.questions)}
        for c in sorted(project.checklists.values(), key=lambda c: c.id)
        if f.standard is None or any(q.standard == f.standard for q in c.questions)
    ]


def audit_rows(project: Project, f: Filters) -> list[Row]:
    """One row per audit that passes the filters (state: open = in progress)."""
    rows = []
    for a in sorted(project.audits.values(), key=lambda a: (a.started, a.id)):
        in_progress = a.completed is None
        if (
            not _named(project, a.site, f.site)
            or (f.state == "open" and not in_progress)
            or (f.state == "closed" and in_progress)
        ):
            continue
        rows.append(
            {
                "id": a.id,
                "checklist": a.checklist,
                "site": a.site,
                "auditors": list(a.auditors),
                "started": a.started,
                "completed": a.completed or "in progress",
                "answered": len(a.answers),
                "findings": len(a.findings),
            }
        )
    return rows


def finding_is_open(ref: FindingRef) -> bool:
    """A finding is open while it has a CAPA that is not closed."""
    capa = ref.finding.capa
    return capa is not None and capa.status != "closed"


def finding_was_open(ref: FindingRef, day: date) -> bool:
    """Whether a finding's CAPA was open at the end of a day: the audit had begun, and no
    dated change closed it by then. A closed CAPA whose closing has no date in its history
    counts as closed from its verification (which comes first), else from the audit."""
    capa = ref.finding.capa
    if capa is None or ref.audit.started.date() > day:
        return False
    closings = [event.on.date() for event in capa.history if event.status == "closed"]
    if closings:
        return min(closings) > day
    if capa.status != "closed":
        return True
    return capa.verification is not None and capa.verification.on > day


def finding_was_overdue(ref: FindingRef, day: date) -> bool:
    """Whether a finding's CAPA was open at the end of a day and past its due date then."""
    capa = ref.finding.capa
    return (finding_was_open(ref, day) and capa is not None and capa.due is not None
            and capa.due < day)


def finding_is_overdue(ref: FindingRef, project: Project) -> bool:
    """An open finding whose CAPA is past its due date."""
    capa = ref.finding.capa
    return (
        finding_is_open(ref)
        and capa is not None
        and capa.due is not None
        and (capa.due < project.today)
    )


def finding_rows(project: Project, f: Filters) -> list[Row]:
    """One row per finding that passes the filters (state: open | closed | overdue)."""
    state_test: dict[str | None, Callable[[FindingRef], bool]] = {
        None: lambda r: True,
        "open": finding_is_open,
        "closed": lambda r: not finding_is_open(r),
        "overdue": lambda r: finding_is_overdue(r, project),
    }
    keep = state_test[f.state]
    rows = []
    for ref in project.findings:
        finding, audit, capa = ref.finding, ref.audit, ref.finding.capa
        if not (
            keep(ref)
            and _same(finding.grade, f.grade)
            and _named(project, audit.site, f.site)
            and _same(finding.standard, f.standard)
            and (f.owner is None or (capa is not None and _named(project, capa.owner, f.owner)))
        ):
            continue
        raised = audit.started.date()
        rows.append(
            {
                "id": finding.id,
                "audit": audit.id,
                "site": audit.site,
                "standard": finding.standard,
                "grade": finding.grade,
                "capa_status": capa.status if capa else "no capa",
                "owner": capa.owner if capa else None,
                "due": capa.due if capa else None,
                "age_days": (project.today - raised).days,
                "overdue": "yes" if finding_is_overdue(ref, project) else "",
                # a folded statement (`>`) ends with a line break
                "statement": finding.statement.strip(),
            }
        )
    return rows
