"""Text from a repository made harmless where it is shown: on a terminal and in spreadsheets.

A repository is untrusted input (CI builds pull requests), so its text must not steer the
terminal that shows it (escape sequences that retitle the window or clear the screen) nor the
spreadsheet that opens an export (a cell starting with `=` runs as a formula).
"""

from __future__ import annotations

import re

# OWASP's CSV-injection list: a spreadsheet reads a cell starting with one of these as a formula
# (TAB and CR because some programs drop them and then see the formula behind).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"
# C0, DEL and C1 (what a terminal obeys), and the bidirectional overrides and isolates that make
# a terminal show text in another order than it is stored ("Trojan Source", CVE-2021-42574).
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str, keep: str = "") -> str:
    """The text with control characters written as a visible `\\x1b` (those in `keep` stay)."""
    if not _CONTROLS.search(text):
        return text  # the usual case, and the cheap one

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if char in keep:
            return char
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"

    return _CONTROLS.sub(escape, text)


def neutralise_formula(text: str) -> str:
    """Text for a CSV cell: a `'` before text a spreadsheet would run as a formula (OWASP)."""
    return FORMULA_GUARD + text if text.startswith(FORMULA_STARTS) else text


def restore_formula(text: str) -> str:
    """Imported cell text without the `'` that neutralise_formula put before a formula start."""
    if text.startswith(FORMULA_GUARD) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
