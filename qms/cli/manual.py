"""`qms build` and `qms serve`: publish the manual, or serve it and rebuild on every change."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from qms.base.errors import EXIT_USER_ERROR
from qms.base.safetext import visible
from qms.base.today import resolve_today
from qms.cli.options import PATH_ARG, today_option

if TYPE_CHECKING:  # Sphinx is a heavy import: only `qms build` and `qms serve` pay for it
    from qms.manual.build import BuildOptions, BuildResult


def _jobs(ctx: click.Context, param: click.Parameter, value: str) -> int:
    if value == "auto":
        from qms.base.workers import usable_cpus

        return usable_cpus()
    try:
        jobs = int(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a number or 'auto'") from None
    if jobs < 1:
        raise click.BadParameter("must be at least 1")
    return jobs


def _options(today: str | None, clean: bool, jobs: int, quiet: bool,
             audience: str | None, language: str | None) -> BuildOptions:
    from qms.manual.build import BuildOptions

    def echo(line: str) -> None:
        if not quiet:
            click.echo(line, err=True)

    return BuildOptions(today=resolve_today(today), clean=clean, jobs=jobs, echo=echo,
                        audience=audience, language=language)


def report(result: BuildResult, strict: bool) -> bool:
    """Print a build's warnings and summary (one per language); True when it counts as failed."""
    failed = False
    for built in (result, *result.others):
        failed = _report_one(built, strict, several=bool(result.others)) or failed
    return failed


def _report_one(result: BuildResult, strict: bool, several: bool) -> bool:
    for warning in result.warnings:
        click.echo(visible(warning), err=True)  # Sphinx quotes repository text
    where = result.index
    manual = "the manual" if result.edition == "quality" else f"the {result.edition} edition"
    if several:
        manual += f" in {result.language}"
    if result.up_to_date:
        summary = f"{manual} is up to date: {where}"
    else:
        timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
        summary = (f"built {manual}: {where} ({result.pages} pages, {len(result.written)} "
                   f"written, {len(result.removed)} removed; {timing})")
    if result.warnings:
        summary += f"; {len(result.warnings)} warning(s)"
    click.echo(summary)
    return strict and bool(result.warnings)


JOBS_OPTION = click.option("-j", "--jobs", default="1", show_default=True, metavar="N|auto",
                           callback=_jobs, help="Sphinx processes to read and write pages with.")
# The choices are qms.manual.edition.EDITIONS, written out: importing the manual layer here
# would load Sphinx for every command.
AUDIENCE_OPTION = click.option(
    "--audience", type=click.Choice(["quality", "staff"]), default=None,
    help="The edition: quality (everything, in build/html) or staff (no audits, in "
         "build/staff/html). Default: manual.audience in qms.yaml.")
LANGUAGE_OPTION = click.option(
    "--language", metavar="LANG", default=None,
    help="Build the manual in this one of manual.languages only (default: every one; "
         "manual.language's in build/html, each other in build/html/LANG/).")


@click.command("build")
@click.argument("path", type=PATH_ARG, default=".")
@click.option("--clean", is_flag=True, help="Rebuild everything from scratch.")
@click.option("--strict", is_flag=True, help="Fail on any Sphinx warning.")
@JOBS_OPTION
@AUDIENCE_OPTION
@LANGUAGE_OPTION
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings and the summary.")
@today_option
def build_command(path: Path, clean: bool, strict: bool, jobs: int, audience: str | None,
                  language: str | None, quiet: bool, today: str | None) -> None:
    """Publish the QMS at PATH as an HTML manual in build/html (Sphinx, furo theme).

    The staff edition (--audience staff) goes to build/staff/html. With several
    manual.languages, one manual per language: manual.language's there, each other one in
    its html/LANG/ folder. Only pages whose text changed are rebuilt; a build with no change
    returns at once.
    Exit status: 0 built, 1 errors in the repository (or warnings with --strict).
    """
    from qms.manual.build import build, up_to_date

    # Nothing changed since the last build: told without reading qms.yaml (or importing the
    # models, Jinja2 or Sphinx), from what that build recorded
    result = None if clean else up_to_date(path, resolve_today(today), audience, language)
    if result is None:
        result = build(path, _options(today, clean, jobs, quiet, audience, language))
    if report(result, strict):
        click.echo("qms: error: --strict: the build gave warnings", err=True)
        sys.exit(EXIT_USER_ERROR)


@click.command("serve")
@click.argument("path", type=PATH_ARG, default=".")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on localhost (0 picks a free one).")
@JOBS_OPTION
@AUDIENCE_OPTION
@LANGUAGE_OPTION
@today_option
def serve_command(path: Path, port: int, jobs: int, audience: str | None,
                  language: str | None, today: str | None) -> None:
    """Serve the manual on localhost and rebuild it whenever a file of the QMS changes."""
    from qms.manual.serve import serve

    serve(path, port, _options(today, False, jobs, False, audience, language), report)
