"""The `qms` command: a thin layer that adapts options to one library call and issues to output."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .check import check, resolve_today
from .errors import BUG_REPORT_HINT, EXIT_BUG, EXIT_INTERRUPTED, EXIT_USER_ERROR, QmsError
from .issues import issues_to_json
from .project import Project
from .schema import json_schemas, write_json_schemas

PATH_ARG = click.Path(path_type=Path)


def describe_size(project: Project) -> str:
    """'24 standards, 9 plans, 3 checklists, 2 audits' for summaries."""
    return (f"{len(project.standards)} standards, {len(project.plans)} plans, "
            f"{len(project.checklists)} checklists, {len(project.audits)} audits")


class QmsGroup(click.Group):
    """Turns QmsError into a one-line message (exit 1) and any other exception into exit 3."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command with qms's error policy."""
        try:
            return super().invoke(ctx)
        except QmsError as exc:
            click.echo(f"qms: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("\nqms: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Exception:
            traceback.print_exc()
            click.echo(f"qms: internal error. {BUG_REPORT_HINT}", err=True)
            ctx.exit(EXIT_BUG)


def today_option(function: Any) -> Any:
    """The --today option every date-sensitive command shares."""
    return click.option(
        "--today", metavar="YYYY-MM-DD", envvar="QMS_TODAY",
        help="Judge due and overdue dates against this day (default: today; env QMS_TODAY).",
    )(function)


@click.group(cls=QmsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qms")
def cli() -> None:
    """qms: a quality-management system kept as code.

    Standards, planning items, checklists and audit records live as YAML in git;
    qms checks them, publishes the manual, runs audits and follows findings.
    """


def main() -> NoReturn:
    """Console-script entry point."""
    try:
        cli(prog_name="qms")  # standalone mode: it always ends in SystemExit
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    _leave(code)


def _leave(code: object) -> NoReturn:
    # A large build leaves hundreds of MB of objects behind, and the interpreter frees them one
    # by one at exit: 1.5 s after a one-page rebuild at 5,000 standards, longer than the page.
    # By now every file qms or Sphinx wrote is closed (and renamed into place), so flush the
    # terminal and end the process without the teardown.
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream
            stream.flush()
    os._exit(code)


@cli.command("check")
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


@cli.command("schema")
@click.option("-o", "--output", type=PATH_ARG, default=None,
              help="Folder to write qms-<kind>.schema.json files into (default: print them).")
def schema_command(output: Path | None) -> None:
    """Write the JSON Schema of each kind of file, for editors (yaml-language-server)."""
    if output is None:
        click.echo(json.dumps(json_schemas(), indent=2, ensure_ascii=False))
        return
    for path in write_json_schemas(output):
        click.echo(f"wrote {path}")


@cli.command("init")
@click.argument("path", type=PATH_ARG)
@click.option("--organisation", default="Example Service Co.", show_default=True,
              help="The organisation written into qms.yaml.")
def init_command(path: Path, organisation: str) -> None:
    """Create a new, valid QMS repository at PATH as a git repository with a first commit."""
    from . import scaffold  # git and the templates are only needed here

    created = scaffold.create(path, organisation)
    click.echo(f"created a QMS repository at {created} (first commit made); "
               f"next: cd {path} && qms check")


# Registering the command modules (they import `cli` from here).
from . import (  # noqa: E402
    cli_audit,  # noqa: F401  (registers audit start/resume/sheet/import/complete/reopen)
    cli_capa,  # noqa: F401  (registers capa, findings, due)
    cli_manual,  # noqa: F401  (registers build, serve)
    cli_query,  # noqa: F401  (registers list, show, approve)
)

if __name__ == "__main__":  # pragma: no cover
    main()
