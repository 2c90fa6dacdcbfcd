"""The manual's Sphinx configuration (conf.py, docutils.conf) and Sphinx's progress output.

Plain data and text: nothing here imports Sphinx (sphinx_build is the module that does).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Iterable
from typing import Any

from qms.manual.itemdata import ITEMS

DOCUTILS_CONF = "[general]\nraw_enabled: false\nfile_insertion_enabled: false\n"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PROGRESS = re.compile(r"^(?P<phase>.*?)\[\s*(?P<pct>\d+)%\]")



def conf_values(title: str, organisation: str, language: str,
                switcher: list[dict[str, Any]] | None = None,
                theme_files: Iterable[str] = ()) -> dict[str, Any]:
    """The Sphinx configuration of the manual (written to conf.py as Python literals); with
    the language switcher of a manual in several languages, and the theme files qms adds to
    the source (qms.manual.translations.theme_files)."""
    values: dict[str, Any] = {
        "project": title,
        "author": organisation,
        "copyright": organisation,
        "language": language,
        "extensions": ["qms.manual.sphinx_build"],
        "root_doc": "index",
        "html_theme": "furo",
        # furo prints html_title as HTML in the sidebar (and strips tags, then escapes, in
        # <title>): it is text from qms.yaml, so it goes in escaped.
        "html_title": html.escape(title, quote=False),
        "html_static_path": ["_static"],
        "html_css_files": ["qms.css"],
        "html_copy_source": False,
        "html_show_sourcelink": False,
        "html_show_sphinx": False,
        "html_use_index": False,
        "html_domain_indices": False,
        "html_last_updated_fmt": None,
        # Search result snippets are fetched page by page, which browsers refuse on file://;
        # without them search works the same from a folder and from a web server.
        "html_show_search_summary": False,
        "html_permalinks": True,
        "smartquotes": False,
        # Item pages' files (JSON, thousands of them) are no documents: Sphinx need not list
        # them on every build to find the few hundred reST pages (80 ms at 5,000 standards).
        "exclude_patterns": [ITEMS],
        # Pages of single standards, audits and groups are reached from index pages and search,
        # not from the sidebar (which would otherwise list thousands of pages on every page).
        "suppress_warnings": ["toc.not_included"],
        "html_theme_options": {"top_of_page_buttons": []},
    }
    # Only where used: a manual in one language without a catalogue keeps the conf.py (and so
    # the pages) it always had.
    files = set(theme_files)
    if "_templates/page.html" in files:
        values["templates_path"] = ["_templates"]
    if any(name.startswith("locale/") for name in files):
        values["locale_dirs"] = ["locale"]  # Sphinx compiles the catalogue there
    if language.startswith("zh"):
        # Sphinx's Chinese search loads jieba's own dictionary again for every build, and each
        # load adds to jieba's word counts in the process: a second build in one process (a
        # manual in two languages, `qms serve`) would split words differently. jieba's own
        # dictionary is used as loaded, once.
        values["html_search_options"] = {"dict": ""}
    if switcher:
        values["html_context"] = {"qms_languages": switcher}
        values["html_css_files"] = ["qms.css", "qms-languages.css"]
    return values


def conf_py(values: dict[str, Any]) -> str:
    """conf.py text for the values; every value is a Python literal (repr), never code."""
    lines = ['"""Sphinx configuration of the manual, written by `qms build`; do not edit."""', ""]
    lines += [f"{key} = {value!r}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


class ProgressStream(io.TextIOBase):
    """Sphinx's progress lines only, one per 10 % of each phase."""

    def __init__(self, out: Callable[[str], None]) -> None:
        super().__init__()
        self._out, self._buffer, self._last = out, "", ("", -1)

    def restart(self) -> None:
        """A new build begins: its first progress line of each phase is shown again."""
        self._buffer, self._last = "", ("", -1)

    def write(self, text: str) -> int:
        """Collect text; emit complete lines."""
        self._buffer += ANSI.sub("", text).replace("\r", "\n")
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            self._line(line)
        return len(text)

    def _line(self, line: str) -> None:
        if not line.strip():
            return
        match = _PROGRESS.match(line)
        if not match:
            return  # qms prints its own summary; Sphinx's other chatter is noise here
        bucket = (match["phase"], int(match["pct"]) // 10)
        if bucket != self._last:
            self._last = bucket
            self._out(line.rstrip())
