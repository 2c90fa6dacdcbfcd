"""`qms gaps`: the five-gap picture of the repository (Parasuraman, Zeithaml & Berry, 1985).

Gaps 1-4 are the provider's gaps: what is attributed to each (the `gap` field of standards and
planning items) and the evidence of trouble there: planning actions past due, open findings
against its standards and measures of its standards whose latest period is off target. Gap 5,
the customer gap, is what the latest survey wave measured, with its change on the wave before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from qms.format.listing import finding_is_open
from qms.format.project import Project
from qms.measurement.kpi import KpiQuery, kpi_rows, off_target_now
from qms.measurement.periods import within

Row = dict[str, Any]
NAMES = {
    1: "knowledge gap: customers' expectations vs management's view of them",
    2: "standards gap: management's view vs the service standards",
    3: "delivery gap: the standards vs the service delivered",
    4: "communication gap: the service delivered vs what is promised",
    5: "customer gap: expected vs perceived service (SERVQUAL)",
}
TABLE_COLUMNS = ("gap", "name", "standards", "plans", "overdue_actions", "open_findings",
                 "off_target", "survey")


@dataclass(frozen=True, slots=True)
class GapQuery:
    """Which evidence counts: KPI readings and audits from `since` to `until` (inclusive)."""

    since: date | None = None
    until: date | None = None


def provider_gap(project: Project, gap: int, off_target: list[Row],
                 query: GapQuery) -> Row:
    """Gap 1-4: its standards, planning items with overdue actions, open findings, KPIs."""
    standards = {s.id for s in project.standards.values() if s.gap == gap}
    plans = []
    for plan in sorted(project.plans.values(), key=lambda p: p.id):
        if plan.gap != gap:
            continue
        overdue = [{"action": a.action, "due": a.due.isoformat(), "owner": a.owner or plan.owner}
                   for a in plan.actions
                   if a.status == "open" and a.due is not None and a.due < project.today]
        plans.append({"id": plan.id, "title": plan.title, "overdue_actions": overdue})
    findings = [
        {"id": ref.finding.id, "standard": ref.finding.standard, "grade": ref.finding.grade,
         "capa_status": ref.finding.capa.status if ref.finding.capa else None,
         "due": ref.finding.capa.due.isoformat() if ref.finding.capa and ref.finding.capa.due
         else None}
        for ref in project.findings
        if ref.finding.standard in standards and finding_is_open(ref)
        and within(ref.audit.started.date(), query.since, query.until)
    ]
    kpis = [{"standard": r["standard"], "measure": r["measure"], "site": r["site"],
             "period": r["period"], "mean": r["mean"], "target": r["target"]}
            for r in off_target if r["standard"] in standards]
    current = sorted(s.id for s in project.current_standards() if s.id in standards)
    return {"gap": gap, "name": NAMES[gap], "standards": current, "plans": plans,
            "open_findings": findings, "off_target": kpis}


def customer_gap(project: Project) -> Row:
    """Gap 5: the latest wave's dimension gaps and their change on the previous wave."""
    from qms.measurement.servqual import score_waves  # numpy: only where waves are scored

    scores = score_waves(project.surveys, project.config.servqual)
    row: Row = {"gap": 5, "name": NAMES[5], "wave": None, "previous": None, "unweighted": None,
                "change_unweighted": None, "weighted": None, "weighting": None,
                "dimensions": {}}
    if not scores:
        return row
    latest = scores[-1]  # waves are ordered by name, so the last is the latest
    row.update(wave=latest.wave, previous=latest.previous, unweighted=latest.unweighted,
               change_unweighted=latest.change_unweighted, weighted=latest.weighted,
               weighting=latest.weighting,
               dimensions={name: {"gap": d.gap, "change": d.change}
                           for name, d in latest.dimensions.items()})
    return row


def five_gaps(project: Project, query: GapQuery) -> list[Row]:
    """The five gaps, in order: four provider gaps and the customer gap."""
    off_target = off_target_now(kpi_rows(project, KpiQuery(since=query.since,
                                                           until=query.until)))
    return [*(provider_gap(project, gap, off_target, query) for gap in (1, 2, 3, 4)),
            customer_gap(project)]


def _signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.2f}"


def table_rows(gaps: list[Row]) -> list[Row]:
    """One row per gap (counts), and under gap 5 one row per dimension (gap and change)."""
    rows: list[Row] = []
    for gap in gaps:
        if gap["gap"] != 5:
            rows.append({
                "gap": gap["gap"], "name": gap["name"], "standards": len(gap["standards"]),
                "plans": len(gap["plans"]),
                "overdue_actions": sum(len(p["overdue_actions"]) for p in gap["plans"]),
                "open_findings": len(gap["open_findings"]), "off_target": len(gap["off_target"]),
                "survey": None})
            continue
        if gap["wave"] is None:
            rows.append({"gap": 5, "name": gap["name"], "survey": "no survey waves"})
            continue
        change = (f" ({_signed(gap['change_unweighted'])} on {gap['previous']})"
                  if gap["previous"] else "")
        rows.append({"gap": 5, "name": gap["name"],
                     "survey": f"{gap['wave']}: {_signed(gap['unweighted'])}{change}"})
        for name, dimension in gap["dimensions"].items():
            moved = f" ({_signed(dimension['change'])})" if dimension["change"] is not None else ""
            rows.append({"gap": 5, "name": f"  {name}",
                         "survey": f"{_signed(dimension['gap'])}{moved}"})
    return rows
