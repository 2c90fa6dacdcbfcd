"""Terminal commands for reading the QMS: `qms list ...`, `qms show ID` and `qms approve`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from qms.base.today import resolve_today
from qms.cli.describe import describe
from qms.cli.options import REPO_OPTION, language_option, today_option
from qms.cli.output import format_option, render_rows
from qms.format import listing
from qms.format.approve import approve
from qms.format.check import load_readable
from qms.format.languages import localised
from qms.format.models import DIMENSIONS, PLAN_CATEGORIES
from qms.format.project import Project


@click.group("list")
def list_group() -> None:
    """List standards, plans, checklists, audits or findings, with filters."""


def _listing(
    name: str,
    rows: Callable[..., list[dict[str, Any]]],
    columns: tuple[str, ...],
    options: list[Callable[[Any], Any]],
) -> None:
    def command(repo: Path, fmt: str, today: str | None, language: str | None,
                **filters: Any) -> None:
        project = _readable(repo, today, language)
        state = filters.pop("state", None)
        found = rows(project, listing.Filters(state=state, **filters))
        click.echo(render_rows(found, columns, fmt))
        if not found and (state or any(v is not None for v in filters.values())):
            _say_what_exists(project, name, filters)

    command.__doc__ = f"List {name} (filters combine; text matches ignore case)."
    for option in [REPO_OPTION, format_option, today_option, language_option, *options]:
        command = option(command)
    list_group.command(name)(command)


def _say_what_exists(project: Project, name: str, filters: dict[str, Any]) -> None:
    # An empty listing after a text filter is most often a value spelt otherwise: show them.
    given = [f for f in listing.TEXT_FILTERS.get(name, {}) if filters.get(f) is not None]
    click.echo(f"qms: no {name} match the filters given", err=True)
    for option in given:
        values = listing.known_values(project, name, option)
        click.echo(f"  --{option} {filters[option]!r} matched none of: "
                   f"{'; '.join(values) or '(none in this repository)'}", err=True)


def _text(name: str, help_text: str) -> Callable[[Any], Any]:
    return click.option(f"--{name}", help=help_text)


GAP = click.option("--gap", type=click.IntRange(1, 4), help="Gap of the five-gap model (1-4).")
OWNER = _text("owner", "Owner (department or person).")
SITE = _text("site", "Site audited.")

_listing(
    "standards",
    listing.standard_rows,
    listing.STANDARD_COLUMNS,
    [
        click.option("--status", type=click.Choice(["draft", "approved", "retired"])),
        OWNER,
        _text("encounter", "Service encounter."),
        click.option("--dimension", type=click.Choice(DIMENSIONS), help="SERVQUAL dimension."),
        GAP,
        click.option("--type", type=click.Choice(["hard", "soft"])),
    ],
)
_listing(
    "plans",
    listing.plan_rows,
    listing.PLAN_COLUMNS,
    [
        click.option("--category", type=click.Choice(PLAN_CATEGORIES), help="Planning area."),
        OWNER,
        GAP,
        click.option(
            "--overdue", "state", flag_value="overdue", help="Only plans with overdue actions."
        ),
    ],
)
_listing(
    "checklists",
    listing.checklist_rows,
    listing.CHECKLIST_COLUMNS,
    [
        _text("standard", "Only checklists with a question on this standard."),
    ],
)
_listing(
    "audits",
    listing.audit_rows,
    listing.AUDIT_COLUMNS,
    [
        SITE,
        click.option("--open", "state", flag_value="open", help="Only audits in progress."),
        click.option("--closed", "state", flag_value="closed", help="Only completed audits."),
    ],
)
_listing(
    "findings",
    listing.finding_rows,
    listing.FINDING_COLUMNS,
    [
        SITE,
        OWNER,
        _text("standard", "Standard the finding was raised against."),
        _text("grade", "Grade (as in qms.yaml)."),
        click.option(
            "--open", "state", flag_value="open", help="Only findings whose CAPA is open."
        ),
        click.option("--closed", "state", flag_value="closed", help="Only closed findings."),
        click.option("--overdue", "state", flag_value="overdue", help="Only overdue CAPAs."),
    ],
)


@click.command("show")
@click.argument("item_id", metavar="ID")
@REPO_OPTION
@today_option
@language_option
def show_command(item_id: str, repo: Path, today: str | None, language: str | None) -> None:
    """Show one standard, plan, checklist, audit or finding with everything linked to it."""
    click.echo(describe(_readable(repo, today, language), item_id))


def _readable(repo: Path, today: str | None, language: str | None = None) -> Project:
    # Reading commands show what is valid: one broken file must not hide the rest.
    project, errors = load_readable(repo, resolve_today(today))
    if errors:
        click.echo(f"qms: warning: the repository has {errors} error{'s' if errors > 1 else ''}"
                   "; `qms check` lists them; showing what is valid", err=True)
    return localised(project, language)


@click.command("approve")
@click.argument("standard_id", metavar="STANDARD")
@click.option("--by", "approver", required=True, help="Who approves (name or role).")
@click.option(
    "--on",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Approval date (default: today, or QMS_TODAY when set).",
)
@REPO_OPTION
def approve_command(standard_id: str, approver: str, day: Any, repo: Path) -> None:
    """Approve a standard: record who, when and the fingerprint of what they approved."""
    on = day.date() if day else resolve_today()
    path = approve(repo, standard_id, approver, on)
    click.echo(f"approved {standard_id} ({path})")
