"""The one module that talks to Sphinx: the manual's Sphinx extension and the in-process build.

The extension does three things. It hardens docutils (no raw HTML, no file insertion, no
`literalinclude`), so nothing in the generated reST can pull in a file or markup. It adds the
`qms-table` directive, whose rows are JSON lines turned straight into docutils nodes: YAML
values in tables are never parsed as reST (text stays text), and big tables skip docutils'
nested parsing, which costs about a millisecond per cell. And it records which documents Sphinx
re-read, so warnings can be kept per page across incremental builds.
"""

from __future__ import annotations

import io
import json
import posixpath
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

# docutils settings that make the manual text-only (checked again in each directive below).
HARDENED_SETTINGS = {"raw_enabled": False, "file_insertion_enabled": False}
DOCUTILS_CONF = "[general]\nraw_enabled: false\nfile_insertion_enabled: false\n"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # not text: never written into a page
_PROGRESS = re.compile(r"^(?P<phase>.*?)\[\s*(?P<pct>\d+)%\]")

# ------------------------------------------------------------------ the extension


def _cell_nodes(cell: Any, docname: str) -> list[nodes.Node]:
    """The inline nodes of one table cell: text, or spans with links and classes."""
    spans = cell if isinstance(cell, list) else [cell]
    paragraph = nodes.paragraph()
    out: list[nodes.Node] = [paragraph]
    for span in spans:
        if span is None:
            continue
        if not isinstance(span, dict):
            paragraph += nodes.Text(_CONTROL.sub("", str(span)))
            continue
        if span.get("p") and len(paragraph):  # a new paragraph inside the cell
            paragraph = nodes.paragraph()
            out.append(paragraph)
        text = _CONTROL.sub("", str(span.get("t", "")))
        target = span.get("doc")
        if target is not None:
            uri = relative_uri(docname, str(target))
            anchor = nodes.make_id(str(span["anchor"])) if span.get("anchor") else ""
            node: nodes.Element = nodes.reference("", text, internal=True,
                                                  refuri=uri + (f"#{anchor}" if anchor else ""))
        else:
            node = nodes.inline(text, text)
        if span.get("cls"):
            node["classes"].append(str(span["cls"]))
        paragraph += node
    return out


class TableDirective(SphinxDirective):
    """`qms-table`: JSON lines, the first one {"header": [...], "stub": n, "class": "..."},
    then one row per line (a list of cells, or {"id": ..., "cls": ..., "cells": [...]}).

    It takes no options on purpose: docutils parses directive options with a nested state
    machine, which would cost more than the whole table.
    """

    has_content = True

    def run(self) -> list[nodes.Node]:
        """Build the table node from the JSON lines."""
        try:
            lines = [json.loads(line) for line in self.content if line.strip()]
        except ValueError as exc:
            raise self.error(f"qms-table: a line is not JSON ({exc})") from None
        settings: dict[str, Any] = {}
        if lines and isinstance(lines[0], dict) and "header" in lines[0]:
            settings, lines = lines[0], lines[1:]
        header = settings.get("header")
        if not lines and not header:
            return []
        width = max(len(r["cells"] if isinstance(r, dict) else r) for r in [header or [], *lines])
        classes = ["qms-table", *([settings["class"]] if settings.get("class") else [])]
        table = nodes.table(classes=classes)
        group = nodes.tgroup(cols=width)
        table += group
        for _column in range(width):
            group += nodes.colspec(colwidth=1)
        if header:
            head = nodes.thead()
            head += self._row(header, width, 0)
            group += head
        body = nodes.tbody()
        stubs = int(settings.get("stub", 0))
        body.extend(self._row(row, width, stubs) for row in lines)
        group += body
        return [table]

    def _row(self, row: Any, width: int, stubs: int) -> nodes.row:
        node = nodes.row()
        if isinstance(row, dict):
            if row.get("id"):
                node["ids"].append(nodes.make_id(str(row["id"])))
            if row.get("cls"):
                node["classes"].append(str(row["cls"]))
            row = row["cells"]
        docname = self.env.docname
        for i in range(width):
            entry = nodes.entry()
            if i < stubs:
                entry["classes"].append("stub")
            entry.extend(_cell_nodes(row[i] if i < len(row) else "", docname))
            node += entry
        return node


class DisabledDirective(SphinxDirective):
    """Stands in for directives that read files: they are switched off in the manual."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = None  # type: ignore[assignment]  # accept (and ignore) any option

    def run(self) -> list[nodes.Node]:
        """Warn and produce nothing."""
        raise self.warning(f'"{self.name}" directive disabled.')


def _harden(app: Sphinx) -> None:
    app.env.settings.update(HARDENED_SETTINGS)


def _note_read(app: Sphinx, env: Any, docnames: list[str]) -> None:
    reread = getattr(app, "qms_reread", None)
    if reread is not None:  # only when qms runs the build (not a plain sphinx-build)
        reread.update(docnames)


def setup(app: Sphinx) -> dict[str, Any]:
    """Sphinx extension entry point (conf.py lists `qms.sphinx_build`)."""
    app.add_directive("qms-table", TableDirective)
    for name in ("literalinclude", "raw", "include"):
        app.add_directive(name, DisabledDirective, override=True)
    app.connect("builder-inited", _harden)
    app.connect("env-before-read-docs", _note_read)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}


# ------------------------------------------------------------------ configuration


def conf_values(title: str, organisation: str, language: str) -> dict[str, Any]:
    """The Sphinx configuration of the manual (written to conf.py as Python literals)."""
    values: dict[str, Any] = {
        "project": title,
        "author": organisation,
        "copyright": organisation,
        "language": language,
        "extensions": ["qms.sphinx_build"],
        "root_doc": "index",
        "html_theme": "furo",
        "html_title": title,
        "html_static_path": ["_static"],
        "html_css_files": ["qms.css"],
        "html_copy_source": False,
        "html_show_sourcelink": False,
        "html_show_sphinx": False,
        "html_use_index": False,
        "html_domain_indices": False,
        "html_last_updated_fmt": None,
        "html_permalinks": True,
        "smartquotes": False,
        "exclude_patterns": [],
        # Pages of single standards, audits and groups are reached from index pages and search,
        # not from the sidebar (which would otherwise list thousands of pages on every page).
        "suppress_warnings": ["toc.not_included"],
        "html_theme_options": {"top_of_page_buttons": []},
    }
    return values


def conf_py(values: dict[str, Any]) -> str:
    """conf.py text for the values; every value is a Python literal (repr), never code."""
    lines = ['"""Sphinx configuration of the manual, written by `qms build`; do not edit."""', ""]
    lines += [f"{key} = {value!r}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ running a build


class ProgressStream(io.TextIOBase):
    """Sphinx's progress lines only, and when not on a terminal one per 10 % of each phase."""

    def __init__(self, out: Callable[[str], None], tty: bool) -> None:
        super().__init__()
        self._out, self._tty, self._buffer, self._last = out, tty, "", ("", -1)

    def write(self, text: str) -> int:
        """Collect text; emit complete lines."""
        self._buffer += _ANSI.sub("", text).replace("\r", "\n")
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
        if not self._tty:
            bucket = (match["phase"], int(match["pct"]) // 10)
            if bucket == self._last:
                return
            self._last = bucket
        self._out(line.rstrip())


@dataclass
class SphinxResult:
    """What a Sphinx run did: the documents it re-read and the warnings it gave, by page."""

    reread: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)

    def by_document(self, srcdir: Path) -> dict[str, list[str]]:
        """The warnings grouped by the document they name ('' for the others)."""
        prefix = str(srcdir) + "/"
        grouped: dict[str, list[str]] = {}
        for warning in self.warnings:
            docname = ""
            if warning.startswith(prefix):
                docname = warning[len(prefix):].split(":", 1)[0].rsplit(".", 1)[0]
            grouped.setdefault(docname, []).append(warning)
        return grouped


def run_sphinx(srcdir: Path, outdir: Path, doctrees: Path, *, jobs: int = 1, fresh: bool = False,
               echo: Callable[[str], None] = print, tty: bool = False) -> SphinxResult:
    """Build srcdir (which holds conf.py) into outdir with the HTML builder, in this process."""
    result = SphinxResult()
    warnings = io.StringIO()
    status = ProgressStream(echo, tty)
    app = Sphinx(str(srcdir), str(srcdir), str(outdir), str(doctrees), "html",
                 confoverrides={}, status=cast(IO[str], status), warning=warnings, freshenv=fresh,
                 parallel=max(jobs, 1) if jobs != 1 else 0)
    app.qms_reread = result.reread  # type: ignore[attr-defined]
    app.build(force_all=fresh)
    result.warnings = [_ANSI.sub("", w) for w in warnings.getvalue().splitlines() if w.strip()]
    return result


def relative_uri(base: str, target: str) -> str:
    """The link from one document to another in the HTML output (documents are /-separated)."""
    return posixpath.relpath(target, posixpath.dirname(base) or ".") + ".html"


def sphinx_version() -> str:
    """The version of Sphinx in use (for the build stamp)."""
    import sphinx

    return str(sphinx.__version__)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("qms.sphinx_build is a Sphinx extension and library module, not a program")
