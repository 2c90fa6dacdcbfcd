"""The HTML templates of item pages (standards, audits, checklists): Jinja2 with autoescape.

An item page's article is made by qms straight to HTML; Sphinx only wraps it in the theme's
page template (see sphinx_build). Every `{{ value }}` is HTML-escaped by Jinja2 unless it is
markup made by the helpers here (a table, a link, paragraphs): text stays text. The templates
run in the same sandbox, with the same repository-first search order, as the reST ones.
"""

from __future__ import annotations

import re
import unicodedata
from html import escape
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from markupsafe import escape as markup_escape

from qms.manual.render import Table, cell, make_table, sandbox
from qms.manual.tablehtml import CONTROL, plain_text, relative_uri

ITEM_TEMPLATES = ("standard", "audit", "checklist")  # manual/<name>.html.j2
_NOT_ID = re.compile(r"[^a-z0-9]+")


def section_id(text: Any) -> str:
    """The id of a heading, as docutils makes it (ASCII letters and digits joined by '-')."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return _NOT_ID.sub("-", ascii_text.lower()).strip("-") or "id1"


@jinja2.pass_context
def _finalize(context: Any, value: Any) -> Any:
    # Before autoescaping: tables become their HTML, dates their ISO text, None nothing.
    if value is None:
        return ""
    if isinstance(value, Table):
        return Markup(value.html(context["pagename"]))
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return CONTROL.sub("", value)
    return plain_text(value)


def paragraphs(value: Any) -> Markup:
    """Text as HTML paragraphs (split at blank lines, whitespace collapsed), escaped."""
    blocks = re.split(r"\n\s*\n", CONTROL.sub("", plain_text(value or "")))
    return Markup("\n".join(f"<p>{escape(' '.join(b.split()), quote=False)}</p>"
                            for b in blocks if b.strip()))


@jinja2.pass_context
def link(context: Any, text: Any, doc: str) -> Markup:
    """A link to another page of the manual, with text shown literally."""
    return page_link(context["pagename"], text, doc)


def page_link(pagename: str, text: Any, doc: str) -> Markup:
    """A link from page `pagename` to another page of the manual, text shown literally."""
    uri = relative_uri(pagename, doc)
    shown = escape(" ".join(plain_text(text).split()) or doc, quote=False)
    return Markup(f'<a class="reference internal" href="{escape(uri)}">{shown}</a>')


def shown_text(value: str) -> str:
    """Text as a template's `{{ value }}` writes it: control characters dropped, escaped."""
    return str(markup_escape(CONTROL.sub("", value)))


def html_environment(user_templates: Path | None, cache: Path | None = None,
                     root: Path | None = None) -> jinja2.Environment:
    """The sandbox of the HTML templates: the repository's first, qms's packaged second."""
    env = sandbox(user_templates, cache, root, finalize=_finalize, autoescape=True)
    env.filters.update(paras=paragraphs, anchor=section_id)
    env.globals.update(table=make_table, cell=cell, link=link)
    return env
