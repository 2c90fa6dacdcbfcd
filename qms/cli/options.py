"""Options and arguments shared by the commands, each defined once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from qms.format.project import Project

PATH_ARG = click.Path(path_type=Path)

REPO_OPTION = click.option("-C", "--repo", "repo", type=PATH_ARG, default=".",
                           help="The QMS repository (default: the current folder).")


def describe_size(project: Project) -> str:
    """'24 standards, 9 plans, 3 checklists, 2 audits' for summaries."""
    return (f"{len(project.standards)} standards, {len(project.plans)} plans, "
            f"{len(project.checklists)} checklists, {len(project.audits)} audits")


def today_option(function: Any) -> Any:
    """The --today option every date-sensitive command shares."""
    return click.option(
        "--today", metavar="YYYY-MM-DD", envvar="QMS_TODAY",
        help="Judge due and overdue dates against this day (default: today; env QMS_TODAY).",
    )(function)
