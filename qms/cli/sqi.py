"""`qms sqi`: the service quality indicator of the repository's daily failure counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from qms.base.today import resolve_today
from qms.cli.options import REPO_OPTION, period_options
from qms.cli.output import emit_json, emit_rows, render_rows, report_options
from qms.format.partial import load_selected
from qms.measurement import sqi


@click.command("sqi")
@click.option("--by", type=click.Choice(sqi.SQI_PERIODS), default="month", show_default=True,
              help="Sum the days per day, ISO week or month.")
@period_options
@report_options
@REPO_OPTION
def sqi_command(by: sqi.SqiPeriod, since: date | None, until: date | None, fmt: str,
                output: Path | None, repo: Path) -> None:
    """Weighted failure points per period and category, per unit of work, and their Pareto."""
    project = load_selected(repo, resolve_today(), tables=("sqi",))
    report = sqi.sqi_report(project.sqi, project.config.sqi.weights, by, since, until)
    if fmt == "json":
        emit_json(sqi.report_json(report), output)
        return
    emit_rows(sqi.period_rows(report), sqi.PERIOD_COLUMNS, fmt, output, "SQI")
    if fmt != "table" or output is not None:
        return
    total = report.total
    click.echo("\nPareto of the selection by points:")
    click.echo(render_rows(sqi.pareto_rows(report), sqi.PARETO_COLUMNS, "table"))
    index = ("unavailable" if total.index_percent is None
             else f"{total.index_percent:.4f} % ({total.index_per_1000:.2f} per 1,000)")
    click.echo(f"\n{total.count} failure(s), {sqi.plain_number(total.points)} point(s), volume "
               f"{total.volume if total.volume is not None else 'unknown'}, index {index}")
    for reason in sqi.unavailable(report):
        click.echo(f"no normalised index for {reason} (give every day's volume)")
