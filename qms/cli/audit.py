"""`qms audit ...`: run a checklist at a site, offline sheets, complete and reopen audits."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from qms.audits import auditing, sheets
from qms.audits.auditing import AuditContext
from qms.base import gitrepo
from qms.base.errors import EXIT_INTERRUPTED, QmsError
from qms.base.safetext import visible
from qms.base.today import resolve_today
from qms.cli import audit_session
from qms.cli.options import PATH_ARG, REPO_OPTION, language_option, today_option

COMMIT_OPTION = click.option("--commit", is_flag=True,
                             help="Commit the audit record (and nothing else) to git.")
SITE_OPTION = click.option("--site", required=True, help="The site audited.")
AUDITOR_OPTION = click.option("--auditor", "auditors", required=True, multiple=True,
                              help="Who audits (repeat for a team).")
AGAIN_OPTION = click.option(
    "--again", is_flag=True,
    help="Import an answer file that an existing audit was already imported from.")
FILE_ARG = click.Path(exists=True, dir_okay=False, path_type=Path)


def _options(*decorators: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(function: Any) -> Any:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


@click.group("audit")
def audit_group() -> None:
    """Run audits: answer a checklist at a site, on the terminal or offline in a workbook."""


def _progress(context: AuditContext) -> str:
    total = len(context.checklist.questions)
    return f"{len(context.audit.answers)} of {total} answered"


def _commit(context: AuditContext, commit: bool, message: str) -> None:
    if not commit:
        return
    if not context.written:
        click.echo("nothing was written, so nothing is committed")
        return
    sha = gitrepo.commit_paths(context.project.root, [context.path], message)
    click.echo(f"committed {context.shown} ({sha[:8]}): {message}")


def _finish_session(context: AuditContext, outcome: audit_session.Outcome, commit: bool) -> None:
    audit_id = context.audit.id
    if outcome.interrupted:
        click.echo(f"interrupted: {_progress(context)}, saved in {context.shown}")
        click.echo(f"resume with: qms audit resume {audit_id}")
        _commit(context, commit, f"audit {audit_id}: {_progress(context)} (interrupted)")
        sys.exit(EXIT_INTERRUPTED)
    if outcome.completed:
        click.echo(f"completed {audit_id} ({context.shown})")
        _commit(context, commit, f"audit {audit_id}: completed {context.checklist.id} at "
                                 f"{context.audit.site}")
        return
    _report_open(context)
    _commit(context, commit, f"audit {audit_id}: {_progress(context)}")


def _report_open(context: AuditContext) -> None:
    audit_id = context.audit.id
    missing = [q.id for q in context.unanswered()]
    click.echo(f"saved {audit_id}: {_progress(context)} ({context.shown})")
    if missing:
        click.echo(f"unanswered: {', '.join(missing)}")
        click.echo(f"resume with: qms audit resume {audit_id}")
    elif context.audit.completed is None:
        click.echo(f"complete it with: qms audit complete {audit_id}")


def _import(context: AuditContext, answers: sheets.SheetAnswers, source: str,
            commit: bool) -> None:
    ids = auditing.record_all(context, answers.entries, answers.fingerprints)
    for question in answers.changed:
        click.echo(f"warning: {question} changed since the sheet was written; its answer is "
                   "marked as changed since audited (see `qms check`)")
    click.echo(f"imported {len(answers.entries)} answer(s) and {len(ids)} finding(s) from "
               f"{source} into {context.audit.id}")
    if not context.unanswered():
        auditing.complete(context, auditing.now(context.project.today))
        click.echo(f"completed {context.audit.id} ({context.shown})")
        _commit(context, commit, f"audit {context.audit.id}: {context.checklist.id} at "
                                 f"{context.audit.site}, imported from {source}")
        return
    _report_open(context)
    _commit(context, commit, f"audit {context.audit.id}: {_progress(context)}, imported "
                             f"from {source}")


@audit_group.command("start")
@click.argument("checklist")
@_options(SITE_OPTION, AUDITOR_OPTION)
@click.option("--answers", type=FILE_ARG, default=None,
              help="Take the answers from this CSV file instead of asking "
                   "(question,result,note,grade,statement,evidence[,owner,due]).")
@_options(AGAIN_OPTION, COMMIT_OPTION, REPO_OPTION, today_option, language_option)
def start_command(checklist: str, site: str, auditors: tuple[str, ...], answers: Path | None,
                  again: bool, commit: bool, repo: Path, today: str | None,
                  language: str | None) -> None:
    """Start an audit of CHECKLIST at a site: ask its questions one by one and save each answer.

    Ctrl-C saves and exits with status 130; `qms audit resume AUDIT` continues. With
    --answers the answers come from a CSV file; an audit answered in full is completed.
    """
    day = resolve_today(today)
    project = auditing.open_project(repo, day, language)
    given, source = None, None
    if answers is not None:
        found = auditing.find_checklist(project, checklist)
        given = sheets.read_csv(project, found, answers, str(answers))
        source = auditing.import_source(project, answers, again)
    context = auditing.start(project, checklist, site, auditors, auditing.now(day),
                             imported_from=source, again=again)
    click.echo(f"started {context.audit.id} ({context.shown}): "
               f"{visible(context.checklist.title)}, {len(context.checklist.questions)} questions")
    if given is not None:
        _import(context, given, answers.name if answers else "", commit)
        return
    outcome = audit_session.run(context, context.unanswered())
    _finish_session(context, outcome, commit)


@audit_group.command("resume")
@click.argument("audit_id", metavar="AUDIT")
@click.option("--question", "questions", multiple=True, metavar="Q",
              help="Ask this question again, even if answered (repeatable).")
@_options(COMMIT_OPTION, REPO_OPTION, today_option, language_option)
def resume_command(audit_id: str, questions: tuple[str, ...], commit: bool, repo: Path,
                   today: str | None, language: str | None) -> None:
    """Continue an audit at its first unanswered question (answers so far are shown first)."""
    project = auditing.open_project(repo, resolve_today(today), language)
    context = auditing.open_audit(project, audit_id)
    if context.audit.completed is not None:
        raise QmsError(
            f"{audit_id} was completed on {context.audit.completed.isoformat()}; its answers "
            f"change only after `qms audit reopen {audit_id} --reason ...`")
    click.echo(f"{audit_id}: {context.checklist.id} ({visible(context.checklist.title)}) at "
               f"{context.audit.site}, {_progress(context)}")
    audit_session.show_answers(context)
    asked = auditing.questions_named(context, questions) if questions else context.unanswered()
    if not asked:
        click.echo("every question is answered")
    outcome = audit_session.run(context, asked)
    _finish_session(context, outcome, commit)


@audit_group.command("sheet")
@click.argument("checklist")
@click.option("-o", "--output", type=PATH_ARG, required=True, help="The .xlsx file to write.")
@click.option("--force", is_flag=True, help="Replace FILE.xlsx if it exists.")
@REPO_OPTION
@language_option
def sheet_command(checklist: str, output: Path, force: bool, repo: Path,
                  language: str | None) -> None:
    """Write an answer workbook of CHECKLIST to fill in offline (then `qms audit import`)."""
    project = auditing.open_project(repo, resolve_today(), language)
    found = auditing.find_checklist(project, checklist)
    if output.suffix.lower() != ".xlsx":
        raise QmsError(f"{output}: the workbook is written as .xlsx; name it "
                       f"{output.with_suffix('.xlsx').name}")
    if output.exists() and not force:
        raise QmsError(f"{output} exists (it may hold answers); choose another name or replace "
                       "it with --force")
    count = sheets.write_sheet(project, found, output)
    click.echo(f"wrote {output} ({count} questions of {found.id})")


@audit_group.command("import")
@click.argument("workbook", type=FILE_ARG)
@_options(SITE_OPTION, AUDITOR_OPTION)
@click.option("--checklist", default=None,
              help="Refuse the workbook unless it answers this checklist.")
@_options(AGAIN_OPTION, COMMIT_OPTION, REPO_OPTION, today_option)
def import_command(workbook: Path, site: str, auditors: tuple[str, ...], checklist: str | None,
                   again: bool, commit: bool, repo: Path, today: str | None) -> None:
    """Turn a filled-in answer workbook into an audit record (completed if fully answered).

    A workbook already imported (the same bytes) is refused unless --again says it is
    another audit.
    """
    day = resolve_today(today)
    project = auditing.open_project(repo, day)
    given = sheets.read_workbook(project, workbook, str(workbook), checklist)
    source = auditing.import_source(project, workbook, again)
    context = auditing.start(project, given.checklist.id, site, auditors, auditing.now(day),
                             given.checklist_fingerprint, source, again)
    click.echo(f"started {context.audit.id} ({context.shown})")
    _import(context, given, workbook.name, commit)


@audit_group.command("complete")
@click.argument("audit_id", metavar="AUDIT")
@_options(COMMIT_OPTION, REPO_OPTION, today_option)
def complete_command(audit_id: str, commit: bool, repo: Path, today: str | None) -> None:
    """Complete an audit; refused while questions are unanswered (they are named)."""
    day = resolve_today(today)
    context = auditing.open_audit(auditing.open_project(repo, day), audit_id)
    auditing.complete(context, auditing.now(day))
    click.echo(f"completed {audit_id} ({context.shown})")
    _commit(context, commit, f"audit {audit_id}: completed {context.checklist.id} at "
                             f"{context.audit.site}")


@audit_group.command("reopen")
@click.argument("audit_id", metavar="AUDIT")
@click.option("--reason", required=True, help="Why the completed audit is reopened (kept).")
@click.option("--by", "by", default=None, help="Who reopens it.")
@_options(COMMIT_OPTION, REPO_OPTION, today_option)
def reopen_command(audit_id: str, reason: str, by: str | None, commit: bool, repo: Path,
                   today: str | None) -> None:
    """Reopen a completed audit so answers can change (`qms audit resume AUDIT --question Q`)."""
    day = resolve_today(today)
    context = auditing.open_audit(auditing.open_project(repo, day), audit_id)
    auditing.reopen(context, auditing.now(day), by, reason)
    click.echo(f"reopened {audit_id}: {reason.strip()}")
    click.echo(f"change answers with: qms audit resume {audit_id} --question Q")
    _commit(context, commit, f"audit {audit_id}: reopened: {reason.strip()}")
