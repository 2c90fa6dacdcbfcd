"""The `qms` command: a root group that knows its commands by name and imports each on first use.

The command modules never import this one back (Click's lazy-group pattern): no registration
cycle, and `qms --help` does not import Sphinx, openpyxl or git.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import sys
import traceback
from typing import Any, NoReturn

import click

from qms import __version__
from qms.base.errors import (
    BUG_REPORT_HINT,
    EXIT_BROKEN_PIPE,
    EXIT_BUG,
    EXIT_INTERRUPTED,
    QmsError,
)
from qms.base.safetext import visible

# name -> "module:attribute"; the order is the order of `qms --help`.
COMMANDS = {
    "check": "qms.cli.repo:check_command",
    "init": "qms.cli.repo:init_command",
    "schema": "qms.cli.repo:schema_command",
    "list": "qms.cli.query:list_group",
    "show": "qms.cli.query:show_command",
    "approve": "qms.cli.query:approve_command",
    "audit": "qms.cli.audit:audit_group",
    "capa": "qms.cli.capa:capa_command",
    "findings": "qms.cli.capa:findings_command",
    "due": "qms.cli.capa:due_command",
    "kpi": "qms.cli.kpi:kpi_command",
    "sqi": "qms.cli.sqi:sqi_command",
    "servqual": "qms.cli.servqual:servqual_command",
    "survey": "qms.cli.survey:survey_group",
    "gaps": "qms.cli.gaps:gaps_command",
    "build": "qms.cli.manual:build_command",
    "serve": "qms.cli.manual:serve_command",
}

# Commands after which the process ends without the interpreter's teardown (see _leave).
FAST_EXIT = frozenset({"build", "kpi"})


class QmsGroup(click.Group):
    """Lazy subcommands; QmsError is a one-line message (exit 1), any other exception exit 3."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, in help order."""
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import the command's module on first use."""
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command with qms's error policy."""
        try:
            return super().invoke(ctx)
        except QmsError as exc:
            click.echo(visible(f"qms: error: {exc}", keep="\n\t"), err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("\nqms: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # `qms findings | head`: the reader has all it wanted. Say nothing; and point
            # stdout at nothing, so the flush at exit cannot fail on the closed pipe again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(EXIT_BROKEN_PIPE)
        except Exception:
            traceback.print_exc()
            click.echo(f"qms: internal error. {BUG_REPORT_HINT}", err=True)
            ctx.exit(EXIT_BUG)


@click.group(cls=QmsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qms")
def cli() -> None:
    """qms: a quality-management system kept as code.

    Standards, planning items, checklists and audit records live as YAML in git;
    qms checks them, publishes the manual, runs audits and follows findings.
    """


# pydantic looks for plugins (the "pydantic" entry-point group) in every installed
# distribution when qms's first model is built: 4-8 ms of every command (80 distributions), for
# plugins qms does not use. pydantic's documented switch turns the search off for this process
# (and the ones it starts) only. The cost: a pydantic plugin the user installed (a tracer, a
# validation logger) sees nothing of qms, unless they ask for it; a value they set is kept, and
# PYDANTIC_DISABLE_PLUGINS= (empty) enables every plugin. Set in the console script's entry, not
# on import: qms used as a library leaves the plugins alone.
PLUGINS_VARIABLE = "PYDANTIC_DISABLE_PLUGINS"


def main() -> NoReturn:
    """Console-script entry point."""
    os.environ.setdefault(PLUGINS_VARIABLE, "__all__")
    try:
        cli(prog_name="qms")  # standalone mode: it always ends in SystemExit
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    if len(sys.argv) > 1 and sys.argv[1] in FAST_EXIT:
        _leave(code)
    sys.exit(code)


def _leave(code: object) -> NoReturn:
    # A large build leaves hundreds of MB of objects behind, and the interpreter frees them one
    # by one at exit: 1.5 s after a one-page rebuild at 5,000 standards, longer than the page.
    # `qms kpi` at 5,000 standards and 100,000 readings: 0.05 s. Measured for these commands
    # only, so only they end this way. The atexit handlers (coverage, logging) still run, and
    # every stream is flushed; only the freeing of objects is skipped.
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
