"""`qms servqual`: SERVQUAL gap scores of the repository's survey waves."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qms.cli.options import REPO_OPTION
from qms.cli.output import emit_rows, report_options
from qms.cli.sqi import write_text
from qms.format.check import resolve_today
from qms.format.partial import load_selected
from qms.measurement import servqual


@click.command("servqual")
@click.argument("waves", nargs=-1, metavar="[WAVE]...")
@click.option("--items", is_flag=True,
              help="One row per item (E, P, gap with its 95 % confidence interval).")
@report_options
@REPO_OPTION
def servqual_command(waves: tuple[str, ...], items: bool, fmt: str, output: Path | None,
                     repo: Path) -> None:
    """SERVQUAL per wave: dimension gaps, weighted score, reliability, change (default: all)."""
    project = load_selected(repo, resolve_today(), tables=("surveys",))
    scores = servqual.score_waves(project.surveys, project.config.servqual, waves)
    if fmt == "json":
        data = [servqual.wave_json(s) for s in scores]
        write_text(json.dumps(data, ensure_ascii=False, indent=2), output)
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
