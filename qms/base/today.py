"""The day a command judges dates against: today, unless pinned for reproducible reports.

Nothing here imports the format's models: a build with nothing to do reads the day first.
"""

from __future__ import annotations

import os
from datetime import date

from qms.base.errors import UsageError

TODAY_VARIABLE = "QMS_TODAY"


def resolve_today(value: str | None = None) -> date:
    """Today, unless pinned by --today or the QMS_TODAY variable (for reproducible reports)."""
    text = value or os.environ.get(TODAY_VARIABLE)
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        source = "--today" if value else TODAY_VARIABLE
        raise UsageError(f"{source}: {text!r} is not a date; write YYYY-MM-DD") from None
