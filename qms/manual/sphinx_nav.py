"""The sidebar of every page follows a change of the manual's navigation (part of the extension
in sphinx_build, the one module that runs Sphinx).

Every page's sidebar shows the documents in toctrees with their titles, and previous / next
follow the toctrees' order. Sphinx writes again only the documents it read again, so when an
encounter's card appears, goes or moves (qms.yaml `manual.encounters`), the other pages would
keep the old sidebar. Here every document is written again when the navigation changed.

Sphinx draws each page's sidebar anew (5 ms a page at 1,000 standards). Here it is drawn once
per folder: pages outside every toctree (most of them) mark no entry and share it as it is; a
page in a toctree has it with its own entry marked, as Sphinx marks it (or, should the sidebar
not be as expected, Sphinx draws it).
"""

from __future__ import annotations

import hashlib
import inspect
import posixpath
import re
from typing import Any


def navigation(env: Any) -> str:
    """A digest of what the sidebars and previous / next are drawn from: each toctree's
    documents in order, and the title of each document in a toctree."""
    in_toctrees = {env.config.root_doc}.union(*env.toctree_includes.values())
    digest = hashlib.sha256()
    for docname in sorted(in_toctrees):
        title = env.titles.get(docname)
        parts = [docname, title.astext() if title is not None else "",
                 *env.toctree_includes.get(docname, [])]
        digest.update("\x00".join(parts).encode("utf-8") + b"\x01")
    return digest.hexdigest()


def rewrite_all_when_navigation_changes(app: Any, env: Any) -> list[str]:
    """Every document, when the navigation differs from the last build's (Sphinx's
    `env-get-updated`: the documents to write again besides those read again)."""
    now = navigation(env)
    before = getattr(env, "qms_navigation", None)
    env.qms_navigation = now  # kept in the pickled environment for the next build
    if before is None or before == now:
        return []
    return sorted(env.found_docs)


MARK_PAGES = True  # False: Sphinx draws the sidebar of each page in a toctree (tests compare)
# Sphinx's toctree HTML: the lists and items, and the links to documents of the manual.
_TAGS = re.compile(r'<(/?)(ul|li)\b([^>]*)>|<a class="reference internal" href="([^"]*)">')
_ITEM = re.compile(r' class="toctree-l\d+"')


def shared_navigation(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                      doctree: Any) -> None:
    """Sphinx's `html-page-context`, before furo's: the sidebar drawn once per folder, and
    each page's own entry marked in it."""
    # The sidebar of a page outside every toctree (a standard, an audit) marks no entry as
    # current, so all such pages of one folder have the same sidebar: compute it once per
    # folder instead of once per page (furo asks for it on every page). A page in a toctree
    # has that sidebar with its own entry marked current (see _marked): 5 ms a page saved.
    if "toctree" not in context:
        return
    in_toctree = pagename in _in_toctrees(app)
    builder = app.builder
    if in_toctree and not (MARK_PAGES and _can_mark(builder)):
        return
    cache = app.__dict__.setdefault("_qms_navigation", {})
    folder, compute = posixpath.dirname(pagename), context["toctree"]

    def toctree(**kwargs: Any) -> str:
        key = (folder, tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = (builder._get_local_toctree(posixpath.join(folder, _NO_PAGE), **kwargs)
                          if in_toctree else compute(**kwargs))
        if not in_toctree:
            return str(cache[key])
        marked = _marked(str(cache[key]),
                         builder.get_relative_uri(posixpath.join(folder, _NO_PAGE), pagename))
        if marked is None or builder.get_relative_uri(pagename, pagename) != "":
            return str(compute(**kwargs))  # not the sidebar this was written for
        return marked

    context["toctree"] = toctree


_NO_PAGE = "qms0no0page"  # a document name no page has: its sidebar marks no entry


def _can_mark(builder: Any) -> bool:
    # Sphinx's own sidebar of a page, for a name no page has, goes through a method it does
    # not document; used only while it is the one this was written for.
    try:
        parameters = list(inspect.signature(type(builder)._get_local_toctree).parameters)
    except (AttributeError, TypeError, ValueError):
        return False
    return parameters == ["self", "docname", "collapse", "kwargs"]


def _marked(html: str, href: str) -> str | None:
    """Sphinx's sidebar of the page linked as `href` from its folder, from the folder's
    sidebar: as Sphinx marks the entry of the current page, its link becomes "#" with the
    class `current`, and the lists and items around it take the class `current` too. None
    when the sidebar is not as expected (no such entry, or more than one)."""
    stack: list[tuple[str, int]] = []  # open ul / li: name and where its class goes
    marks: list[tuple[int, int, str]] = []  # (start, end, replacement)
    found = 0
    for match in _TAGS.finditer(html):
        closing, name, attributes, link = match.groups()
        if link is not None:
            if link == href:
                found += 1
                marks.append((match.start(), match.end(),
                              '<a class="current reference internal" href="#">'))
                for tag, at in stack:
                    marks.append((at, at, ' class="current"' if tag == "ul" else " current"))
        elif closing:
            if not stack or stack.pop()[0] != name:
                return None
        elif name == "ul" and attributes == "":
            stack.append((name, match.end() - 1))
        elif name == "li" and _ITEM.fullmatch(attributes):
            stack.append((name, match.end() - 2))  # before the closing quote
        else:
            return None
    if found != 1 or stack:
        return None
    parts, last = [], 0
    for start, end, text in sorted(marks):
        parts += [html[last:start], text]
        last = end
    return "".join(parts) + html[last:]


def _in_toctrees(app: Any) -> set[str]:
    found: set[str] | None = app.__dict__.get("_qms_in_toctrees")
    if found is None:
        env = app.env
        found = app.__dict__["_qms_in_toctrees"] = {env.config.root_doc}.union(
            *env.toctree_includes.values())
    return found
