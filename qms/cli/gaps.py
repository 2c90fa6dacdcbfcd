"""`qms gaps`: the five-gap picture."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from qms.base.today import resolve_today
from qms.cli.options import REPO_OPTION, period_options
from qms.cli.output import emit_json, emit_rows, report_options
from qms.format.partial import load_selected
from qms.measurement import gaps as five


@click.command("gaps")
@period_options
@report_options
@REPO_OPTION
def gaps_command(since: date | None, until: date | None, fmt: str, output: Path | None,
                 repo: Path) -> None:
    """The five gaps: standards, plans, open findings, off-target KPIs; the survey gap."""
    # what the gaps are made of: standards, plans, audits (findings), readings and waves
    project = load_selected(repo, resolve_today(), ("standard", "plan", "audit"),
                            ("measurements", "surveys"))
    found = five.five_gaps(project, five.GapQuery(since, until))
    if fmt != "json":
        emit_rows(five.table_rows(found), five.TABLE_COLUMNS, fmt, output, "Five gaps")
        return
    emit_json(found, output)
