"""`qms kpi`: each measure's readings against its target, per site and period, with XmR limits."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from qms.base.errors import EXIT_USER_ERROR
from qms.base.safetext import visible
from qms.base.today import resolve_today
from qms.cli.options import REPO_OPTION, period_options, today_option
from qms.cli.output import emit_rows, report_options
from qms.format.partial import load_selected, without_collector
from qms.measurement import kpi


@click.command("kpi")
@click.option("--standard", help="Only the measures of this standard.")
@click.option("--measure", help="Only this measure.")
@click.option("--site", help="Only readings at this site.")
@click.option("--period", type=click.Choice(["week", "month", "quarter"]), default="month",
              show_default=True, help="The period readings are grouped and judged by.")
@click.option("--fail", is_flag=True,
              help="Exit 1 when a measure's latest period is off target (for CI).")
@period_options
@report_options
@REPO_OPTION
@today_option
def kpi_command(standard: str | None, measure: str | None, site: str | None, period: str,
                fail: bool, since: date | None, until: date | None, fmt: str,
                output: Path | None, repo: Path, today: str | None) -> None:
    """Each measure's readings per site and period against its target, with process-behaviour
    (XmR) limits and signals; hard standards' measures without readings show as no-data."""
    project = load_selected(repo, resolve_today(today), ("standard",), ("measurements",))
    query = kpi.KpiQuery(standard, measure, site, period, since, until)  # type: ignore[arg-type]
    with without_collector():  # tens of thousands of rows, and no cycle among them
        rows = kpi.kpi_rows(project, query)
        if fmt == "json":
            emit_rows(rows, kpi.KPI_KEYS, fmt, output, "KPI")
        elif fmt == "table":
            emit_rows(kpi.table_rows(rows), kpi.TABLE_COLUMNS, fmt, output, "KPI")
        else:
            emit_rows(kpi.flat_rows(rows), kpi.KPI_KEYS, fmt, output, "KPI")
    late = kpi.off_target_now(rows)
    if fail and late:
        named = "; ".join(f"{r['standard']} {r['measure']}{' at ' + r['site'] if r['site'] else ''}"
                          f" {r['period']}: mean {kpi.figure(r['mean'])}, target {r['target']}"
                          for r in late)
        click.echo(visible(f"qms kpi: {len(late)} measure(s) off target in their latest period: "
                           f"{named}"), err=True)
        sys.exit(EXIT_USER_ERROR)
