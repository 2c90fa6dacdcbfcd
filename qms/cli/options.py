"""Options and arguments shared by the commands, each defined once."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # the models are a tenth of a second to import: not for every command
    from qms.format.project import Project

PATH_ARG = click.Path(path_type=Path)

REPO_OPTION = click.option("-C", "--repo", "repo", type=PATH_ARG, default=".",
                           help="The QMS repository (default: the current folder).")


def describe_size(project: Project) -> str:
    """'24 standards, 9 plans, 3 checklists, 2 audits' for summaries."""
    return (f"{len(project.standards)} standards, {len(project.plans)} plans, "
            f"{len(project.checklists)} checklists, {len(project.audits)} audits")


def language_option(function: Any) -> Any:
    """The --language option of the commands that show texts written per language."""
    return click.option(
        "--language", metavar="LANG",
        help="Show texts in this language of manual.languages (default: manual.language, "
             "else the first of manual.languages); a missing translation shows the first.",
    )(function)


def today_option(function: Any) -> Any:
    """The --today option every date-sensitive command shares."""
    return click.option(
        "--today", metavar="YYYY-MM-DD", envvar="QMS_TODAY",
        help="Judge due and overdue dates against this day (default: today; env QMS_TODAY).",
    )(function)


def strict_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """A YYYY-MM-DD option value as a date (a click callback); None stays None."""
    if value is None:
        return None
    from qms.format.tables import parse_date  # (YAML: not for every command's start)

    day = parse_date(value)  # the format's own reading of a date, as in the CSV tables
    if day is None:
        raise click.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2027-01-31",
                                 ctx, param)
    return day


def period_options(function: Any) -> Any:
    """--from and --to (YYYY-MM-DD, both inclusive), for commands that report over a period."""
    function = click.option("--to", "until", metavar="YYYY-MM-DD", callback=strict_date,
                            help="Only up to this day (inclusive).")(function)
    return click.option("--from", "since", metavar="YYYY-MM-DD", callback=strict_date,
                        help="Only from this day (inclusive).")(function)
