"""Following findings: `qms capa`, `qms findings` and `qms due`."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from qms.audits import capa as capas
from qms.audits import due as dues
from qms.audits.auditing import now
from qms.base.errors import EXIT_USER_ERROR
from qms.base.safetext import visible
from qms.base.today import resolve_today
from qms.cli.options import REPO_OPTION, strict_date, today_option
from qms.cli.output import emit_rows, report_options
from qms.format import listing
from qms.format.models import CAPA_STATES, Capa
from qms.format.partial import load_selected
from qms.format.project import Project


def _text(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty", ctx, param)
    return value.strip() if value is not None else None


def _period(ctx: click.Context, param: click.Parameter, value: str) -> dues.Period:
    try:
        return dues.parse_period(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


# ---------------------------------------------------------------- qms capa


def _capa_text(capa: Capa | None, today: date) -> list[str]:
    if capa is None:
        return ["  no CAPA"]
    lines = [f"  status        {capa.status}"]
    if capa.due:
        days = (capa.due - today).days
        left = f"{-days} day(s) overdue" if days < 0 and capa.status != "closed" else (
            f"{days} day(s) left" if capa.status != "closed" else "")
        lines.append(f"  due           {capa.due.isoformat()}{f' ({left})' if left else ''}")
    for name in ("owner", "containment", "root_cause", "action"):
        value = getattr(capa, name)
        if value:
            lines.append(f"  {name.replace('_', ' '):<13} {' '.join(value.split())}")
    if capa.verification:
        v = capa.verification
        lines.append(f"  verification  {v.result} by {v.by} on {v.on.isoformat()}")
    for event in capa.history:
        who = f" by {event.by}" if event.by else ""
        lines.append(f"  {event.on.isoformat()}  {event.status}{who}: {event.note or ''}")
    moves = [*capas.FORWARD[capa.status],
             *(["verified (--verify effective)"] if capa.status == "implemented" else [])]
    lines.append(f"  next          {', '.join(moves) or 'nothing: the CAPA is closed'}")
    return lines


@click.command("capa")
@click.argument("finding_id", metavar="FINDING")
@click.option("--status", type=click.Choice(CAPA_STATES), help="Move the CAPA to this state.")
@click.option("--owner", callback=_text, help="Who owns the corrective action.")
@click.option("--due", callback=strict_date, metavar="YYYY-MM-DD", help="When it is due.")
@click.option("--containment", callback=_text, help="What contains the problem meanwhile.")
@click.option("--root-cause", "root_cause", callback=_text, help="Why it happened.")
@click.option("--action", callback=_text, help="The corrective action planned.")
@click.option("--verify", type=click.Choice(["effective", "not-effective"]),
              help="Record the verification of the action (needs --by).")
@click.option("--by", callback=_text, help="Who makes this change (and who verified).")
@click.option("--note", callback=_text, help="A note for the CAPA's history.")
@click.option("--commit", is_flag=True, help="Commit the audit record (and nothing else).")
@REPO_OPTION
@today_option
def capa_command(finding_id: str, commit: bool, repo: Path, today: str | None,
                 **options: Any) -> None:
    """Follow the CAPA of FINDING through its states: open, contained, root-cause-found,
    action-planned, implemented, verified, closed.

    Without options it shows the CAPA. Each change is dated in the CAPA's history. A not-effective
    verification sends the CAPA back to root-cause-found.
    """
    if options["verify"] and not options["by"]:
        raise click.UsageError("--verify needs --by NAME (who verified the action)")
    day = resolve_today(today)
    outcome = capas.follow(repo, finding_id, capas.CapaRequest(**options), now(day), commit)
    change, record = outcome.change, outcome.record
    if capas.CapaRequest(**options).is_empty():
        finding = record.finding
        click.echo(visible(f"{finding.id}  {finding.grade}  {finding.standard}  "
                           f"{record.audit.site}  ({record.shown})"))
        click.echo(visible("\n".join(_capa_text(finding.capa, day)), keep="\n"))
        return
    if change.event is None:
        click.echo(f"{finding_id}: nothing to change (the CAPA is {change.after.status})")
        return
    click.echo(f"{finding_id}: {change.summary}")
    click.echo(f"wrote {record.shown}")
    if outcome.commit:
        click.echo(f"committed {record.shown} ({outcome.commit[:8]})")


# ---------------------------------------------------------------- qms findings


@click.command("findings")
@click.option("--open", "only_open", is_flag=True, help="Only findings whose CAPA is open.")
@click.option("--overdue", is_flag=True, help="Only findings whose CAPA is overdue.")
@click.option("--standard", help="Only findings on this standard.")
@click.option("--site", help="Only findings at this site.")
@click.option("--grade", help="Only findings of this grade (as in qms.yaml).")
@click.option("--owner", help="Only CAPAs of this owner.")
@report_options
@REPO_OPTION
@today_option
def findings_command(only_open: bool, overdue: bool, fmt: str, output: Path | None, repo: Path,
                     today: str | None, **filters: Any) -> None:
    """List findings with their CAPA state, owner, due date and age (filters combine)."""
    project = load_selected(repo, resolve_today(today), ("audit",))
    state = "overdue" if overdue else "open" if only_open else None
    rows = listing.finding_rows(project, listing.Filters(state=state, **filters))
    emit_rows(rows, listing.FINDING_COLUMNS, fmt, output, "Findings")


# ---------------------------------------------------------------- qms due


def _overdue_summary(project: Project, rows: list[dict[str, Any]]) -> str:
    late = dues.overdue(rows)
    kinds = ", ".join(f"{sum(1 for r in late if r['kind'] == k)} {k}(s)"
                      for k in ("capa", "review", "action") if any(r["kind"] == k for r in late))
    return f"{len(late)} overdue on {project.today.isoformat()}" + (f": {kinds}" if kinds else "")


@click.command("due")
@click.option("--within", default="30d", show_default=True, callback=_period, metavar="PERIOD",
              help="How far ahead to look: Nd, Nw or Nm (days, weeks, months).")
@click.option("--fail", is_flag=True, help="Exit 1 when anything is overdue (for scheduled CI).")
@report_options
@REPO_OPTION
@today_option
def due_command(within: dues.Period, fail: bool, fmt: str, output: Path | None, repo: Path,
                today: str | None) -> None:
    """List what is overdue or falls due soon: CAPAs, standard reviews and plan actions."""
    project = load_selected(repo, resolve_today(today), ("standard", "plan", "audit"))
    rows = dues.due_rows(project, within)
    emit_rows(rows, dues.DUE_COLUMNS, fmt, output, "Due")
    click.echo(f"{len(rows)} item(s) overdue or due within {within}; "
               f"{_overdue_summary(project, rows)}", err=True)
    if fail and dues.overdue(rows):
        sys.exit(EXIT_USER_ERROR)
