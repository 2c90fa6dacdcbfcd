"""One error base and the exit-code table (after pre-commit's error policy)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_USER_ERROR = 1
EXIT_USAGE = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a process a closed pipe ended

BUG_REPORT_HINT = (
    "This is a bug in qms, not in your files. Please report it with the command you ran "
    "and the traceback above."
)


class QmsError(Exception):
    """A problem the user can fix; printed as one clear message, exit code 1."""

    exit_code = EXIT_USER_ERROR


class UsageError(QmsError):
    """The command was called wrongly; exit code 2."""

    exit_code = EXIT_USAGE
