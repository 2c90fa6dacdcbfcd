"""`qms check`, `qms schema`, `qms init`: the repository as a whole."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from qms.base.errors import EXIT_USER_ERROR
from qms.base.issues import issues_to_json
from qms.base.today import resolve_today
from qms.cli.options import PATH_ARG, describe_size, today_option
from qms.format.check import check
from qms.format.schema import json_schemas, write_json_schemas


@click.command("check")
@click.argument("path", type=PATH_ARG, default=".")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="One line per issue, or a JSON list for CI annotations.")
@today_option
def check_command(path: Path, strict: bool, fmt: str, today: str | None) -> None:
    """Validate every file of the QMS repository at PATH; report every issue, then fail once.

    Exit status: 0 clean, 1 errors (or warnings with --strict), 2 usage, 3 internal bug.
    """
    result = check(path, resolve_today(today))
    if fmt == "json":
        click.echo(issues_to_json(result.issues))
    else:
        for issue in result.issues:
            click.echo(issue.render())
        summary = (f"{len(result.errors)} error(s), {len(result.warnings)} warning(s) in "
                   f"{describe_size(result.project)}")
        click.echo(summary, err=True)
    if result.failed(strict):
        sys.exit(EXIT_USER_ERROR)


@click.command("schema")
@click.option("-o", "--output", type=PATH_ARG, default=None,
              help="Folder to write qms-<kind>.schema.json files into (default: print them).")
def schema_command(output: Path | None) -> None:
    """Write the JSON Schema of each kind of file, for editors (yaml-language-server)."""
    if output is None:
        click.echo(json.dumps(json_schemas(), indent=2, ensure_ascii=False))
        return
    for path in write_json_schemas(output):
        click.echo(f"wrote {path}")


@click.command("init")
@click.argument("path", type=PATH_ARG)
@click.option("--organisation", default="Example Service Co.", show_default=True,
              help="The organisation written into qms.yaml.")
def init_command(path: Path, organisation: str) -> None:
    """Create a new, valid QMS repository at PATH as a git repository with a first commit."""
    from qms.format import scaffold

    created = scaffold.create(path, organisation)
    click.echo(f"created a QMS repository at {created} (first commit made); "
               f"next: cd {path} && qms check")
