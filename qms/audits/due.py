"""What needs following: findings with their CAPA state, and everything overdue or due soon.

`qms findings` and `qms due` read only the files they list from (qms.yaml, audit records,
and for `due` the standards and planning items) through `format.partial.load_selected`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from qms.format.project import Project
from qms.format.schedule import add_days, add_months, review_due

Row = dict[str, Any]

DUE_COLUMNS = ("due", "days", "state", "kind", "id", "status", "owner", "what")
_PERIOD = re.compile(r"^\s*(\d{1,4})\s*([dwm])\s*$")


# ---------------------------------------------------------------- the window of `qms due`


@dataclass(frozen=True)
class Period:
    """A length of time written Nd, Nw or Nm (days, weeks, calendar months)."""

    count: int
    unit: str

    def end(self, start: date) -> date:
        """The last day of the period that starts on `start`."""
        if self.unit == "m":
            return add_months(start, self.count)
        return add_days(start, self.count * (7 if self.unit == "w" else 1))

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"


def parse_period(text: str) -> Period:
    """'30d', '4w' or '2m' as a Period; ValueError for anything else."""
    match = _PERIOD.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a period; write Nd, Nw or Nm (days, weeks, months), "
                         "e.g. 30d")
    return Period(int(match.group(1)), match.group(2))


# ---------------------------------------------------------------- what falls due


def _row(project: Project, due: date, kind: str, item: str, status: str, owner: str | None,
         what: str) -> Row:
    days = (due - project.today).days
    return {"due": due, "days": days, "state": "overdue" if days < 0 else "due", "kind": kind,
            "id": item, "status": status, "owner": owner, "what": what}


def capa_rows(project: Project, until: date) -> list[Row]:
    """Open CAPAs due on or before `until` (overdue ones included)."""
    rows = []
    for ref in project.findings:
        capa = ref.finding.capa
        if capa and capa.status != "closed" and capa.due and capa.due <= until:
            rows.append(_row(project, capa.due, "capa", ref.finding.id, capa.status, capa.owner,
                             f"{ref.finding.grade} finding on {ref.finding.standard} at "
                             f"{ref.audit.site}: {ref.finding.statement.strip()}"))
    return rows


def review_rows(project: Project, until: date) -> list[Row]:
    """Approved standards whose review falls due on or before `until`."""
    rows = []
    for standard in project.standards.values():
        due = review_due(project, standard.id) if standard.status == "approved" else None
        if due is not None and due <= until:
            rows.append(_row(project, due, "review", standard.id, standard.status,
                             standard.owner, standard.title))
    return rows


def action_rows(project: Project, until: date) -> list[Row]:
    """Open planning actions due on or before `until`."""
    rows = []
    for plan in project.plans.values():
        for number, action in enumerate(plan.actions, start=1):
            if action.status == "open" and action.due and action.due <= until:
                rows.append(_row(project, action.due, "action", f"{plan.id} action {number}",
                                 action.status, action.owner or plan.owner, action.action))
    return rows


def due_rows(project: Project, within: Period) -> list[Row]:
    """Everything overdue or due within the period, by date: CAPAs, reviews, plan actions."""
    until = within.end(project.today)
    rows = capa_rows(project, until) + review_rows(project, until) + action_rows(project, until)
    return sorted(rows, key=lambda r: (r["due"], r["kind"], r["id"]))


def overdue(rows: list[Row]) -> list[Row]:
    """The rows that are past their date."""
    return [r for r in rows if r["state"] == "overdue"]
