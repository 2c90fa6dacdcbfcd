"""`qms servqual`: SERVQUAL gap scores of the repository's survey waves."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from qms.base.today import resolve_today
from qms.cli.options import REPO_OPTION, period_options
from qms.cli.output import emit_json, emit_rows, report_options
from qms.format.partial import load_selected
from qms.measurement import servqual


@click.command("servqual")
@click.argument("waves", nargs=-1, metavar="[WAVE]...")
@click.option("--items", is_flag=True,
              help="One row per item (E, P, gap with its 95 % confidence interval).")
@period_options
@report_options
@REPO_OPTION
def servqual_command(waves: tuple[str, ...], items: bool, since: date | None,
                     until: date | None, fmt: str, output: Path | None, repo: Path) -> None:
    """SERVQUAL per wave: dimension gaps, weighted score, reliability, change (default: all)."""
    project = load_selected(repo, resolve_today(), tables=("surveys",))
    scores = servqual.score_waves(project.surveys, project.config.servqual, waves, since, until)
    undated = servqual.waves_between(project.surveys, since, until)[1]
    if undated:
        click.echo(f"left out by --from/--to: {', '.join(undated)} (the name carries no date; "
                   "name waves like 2026-q3, 2026-09 or 2026-09-30)", err=True)
    if fmt == "json":
        data = [servqual.wave_json(s) for s in scores]
        emit_json(data, output)
        return
    if items:
        emit_rows(servqual.item_rows(scores), servqual.ITEM_COLUMNS, fmt, output, "SERVQUAL items")
    else:
        emit_rows(servqual.dimension_rows(scores), servqual.DIMENSION_COLUMNS, fmt, output,
                  "SERVQUAL")
    for score in scores:
        click.echo(servqual.summary(score), err=True)
    if not scores:
        click.echo("no survey waves (add audits/surveys/<wave>.csv)", err=True)
