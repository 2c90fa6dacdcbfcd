"""`qms survey import`: a survey tool's export becomes a SERVQUAL wave file."""

from __future__ import annotations

from pathlib import Path

import click

from qms.base.safetext import visible
from qms.cli.options import PATH_ARG, REPO_OPTION
from qms.measurement.surveyimport import ImportRequest, import_survey


@click.group("survey")
def survey_group() -> None:
    """SERVQUAL survey waves."""


@survey_group.command("import")
@click.argument("file", type=PATH_ARG)
@click.option("--wave", required=True, metavar="NAME",
              help="The wave's name: the file audits/surveys/NAME.csv (letters, digits, - and _).")
@click.option("--expectation", required=True, metavar="REGEX",
              help=r"Matches the expectation headers; (?P<item>\d+) captures the item number.")
@click.option("--perception", required=True, metavar="REGEX",
              help=r"Matches the perception headers; (?P<item>\d+) captures the item number.")
@click.option("--respondent", metavar="COLUMN",
              help="The header of the respondent id column (default: the row number).")
@click.option("--importance", metavar="REGEX",
              help="Matches the importance-points headers; (?P<dimension>...) captures the "
                   "dimension (tangibles... or 有形性...).")
@click.option("--encoding", metavar="ENC", help="The CSV's encoding (default: detected).")
@click.option("--sheet", metavar="NAME", help="The XLSX sheet (default: the first).")
@click.option("--force", is_flag=True, help="Replace an existing wave of that name.")
@REPO_OPTION
def import_command(file: Path, wave: str, expectation: str, perception: str,
                   respondent: str | None, importance: str | None, encoding: str | None,
                   sheet: str | None, force: bool, repo: Path) -> None:
    """Import a survey export (CSV in any encoding, tab-separated text or XLSX) as a wave.

    Only the answers, importance points and a respondent id are written; every other column
    (names, phone numbers) stays out of the repository.
    """
    request = ImportRequest(file, wave, expectation, perception, respondent, importance,
                            encoding, sheet, force)
    result = import_survey(repo, request)
    for line in result.summary():
        click.echo(visible(line))
