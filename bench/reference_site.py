#!/usr/bin/env python3
"""Write the reference Sphinx project of issue 10: a QMS repository's pages as plain reST.

Usage::

    .venv/bin/python bench/reference_site.py GENERATED_REPO OUTDIR

The speed targets of `qms build` are ratios to plain `sphinx-build` (furo) building a Sphinx
project that holds the same pages as reST. This script writes that project from a repository
(normally one of bench/generate.py), read with qms's own loader so the text is the same:

- `conf.py`                 qms's own configuration without its extension and stylesheet
- `index.rst`               a toctree of the group pages (not one entry per item page)
- `groups/encounter-NN.rst` one per encounter: a list of links to its standards
- `groups/site-NN.rst`      one per audit site: a list of links to its audits
- `standards/<ID>.rst`      title, statement, do / don't lists, a list-table of measures
- `audits/<ID>.rst`         title, a list-table of answers (question, result, note)

Text is escaped with qms's own reST escaping. The output depends only on the repository
(sorted, no clock). OUTDIR must be absent, empty or an earlier output of this script (which it
replaces; the marker file `.reference-site` tells).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from qms.base.errors import QmsError
from qms.format.check import load_valid
from qms.format.models import Audit, Standard
from qms.format.project import Project
from qms.manual.render import escape, link, paragraphs, title
from qms.manual.sphinxconf import conf_py, conf_values

MARKER = ".reference-site"
TODAY = date(2026, 11, 23)  # validation only: no page shows a date relative to today


def list_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A list-table directive with a header row; every cell escaped text."""
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in (header, *rows):
        first = True
        for value in row:
            text = escape(value)
            bullet = "   * -" if first else "     -"
            lines.append(f"{bullet} {text}" if text else bullet)  # a bare bullet: an empty cell
            first = False
    return "\n".join(lines)


def bullets(items: Iterable[str]) -> str:
    """A bullet list of escaped items."""
    return "\n".join(f"- {escape(item)}" for item in items)


def standard_page(standard: Standard) -> str:
    """One standard: title, statement, do / don't lists, measures."""
    parts = [title(f"{standard.id} — {standard.title}"), ".. rubric:: Statement",
             paragraphs(standard.statement)]
    if standard.do:
        parts += [".. rubric:: Do", bullets(standard.do)]
    if standard.dont:
        parts += [".. rubric:: Don't", bullets(standard.dont)]
    if standard.measures:
        parts += [".. rubric:: Measures", list_table(
            ["Metric", "Target", "Unit", "Source", "Frequency"],
            ([m.metric, m.target or "—", m.unit, m.source, m.frequency]
             for m in standard.measures))]
    return "\n\n".join(parts) + "\n"


def audit_page(audit: Audit) -> str:
    """One audit: title and its answers."""
    parts = [title(f"Audit {audit.id} — {audit.site}"), ".. rubric:: Answers"]
    if audit.answers:
        parts.append(list_table(["Question", "Result", "Note"],
                                ([a.question, a.result, a.note] for a in audit.answers)))
    else:
        parts.append("No answers.")
    return "\n\n".join(parts) + "\n"


def group_page(heading: str, folder: str, members: dict[str, str]) -> str:
    """A group: its heading and a link to each member page (id → link text)."""
    entries = (f"- {link(text, f'{folder}/{item_id}')}"
               for item_id, text in sorted(members.items()))
    return f"{title(heading)}\n\n" + "\n".join(entries) + "\n"


def pages(project: Project) -> dict[str, str]:
    """Every page of the reference project, by file name relative to its source folder."""
    files: dict[str, str] = {}
    groups: list[str] = []
    encounters: dict[str, dict[str, str]] = defaultdict(dict)
    for standard in project.standards.values():
        encounters[standard.encounter][standard.id] = f"{standard.id} — {standard.title}"
        files[f"standards/{standard.id}.rst"] = standard_page(standard)
    for number, name in enumerate(sorted(encounters), 1):
        groups.append(f"groups/encounter-{number:02d}")
        files[f"{groups[-1]}.rst"] = group_page(f"Encounter: {name}", "standards",
                                                encounters[name])
    sites: dict[str, dict[str, str]] = defaultdict(dict)
    for audit in project.audits.values():
        sites[audit.site][audit.id] = f"{audit.id} — {audit.site}"
        files[f"audits/{audit.id}.rst"] = audit_page(audit)
    for number, name in enumerate(sorted(sites), 1):
        groups.append(f"groups/site-{number:02d}")
        files[f"{groups[-1]}.rst"] = group_page(f"Audits at {name}", "audits", sites[name])
    toctree = "\n".join(f"   {doc}" for doc in groups)
    files["index.rst"] = (f"{title(project.config.manual.title)}\n\n"
                          f".. toctree::\n   :maxdepth: 1\n\n{toctree}\n")
    values = conf_values(project.config.manual.title, project.config.organisation,
                         project.config.manual.language)
    # Plain Sphinx: none of qms's own extension (tables) and stylesheet.
    values.update(extensions=[], html_static_path=[], html_css_files=[])
    own = conf_py(values).split("\n", 1)[1]  # its docstring names qms build
    files["conf.py"] = f'"""Configuration written by bench/reference_site.py."""\n{own}'
    return files


def prepare_outdir(outdir: Path) -> None:
    """Empty OUTDIR if it is an earlier output of this script; refuse anything else."""
    if outdir.exists():
        if not outdir.is_dir():
            raise SystemExit(f"{outdir}: exists and is not a folder")
        if any(outdir.iterdir()) and not (outdir / MARKER).is_file():
            raise SystemExit(f"{outdir}: not empty and not written by this script; "
                             "choose another folder")
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True)
    (outdir / MARKER).write_text("written by bench/reference_site.py\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Read the repository and write the reference project."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path, help="a QMS repository (e.g. from bench/generate.py)")
    parser.add_argument("outdir", type=Path, help="the Sphinx project to write")
    args = parser.parse_args(argv)
    try:
        project = load_valid(args.repo.resolve(), TODAY)
    except QmsError as exc:
        print(exc, file=sys.stderr)
        return 1
    files = pages(project)
    prepare_outdir(args.outdir)
    for name in sorted(files):
        path = args.outdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[name], encoding="utf-8")
    print(f"{len(files)} files in {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
