"""The sidebar of every page follows a change of the manual's navigation (part of the extension
in sphinx_build, the one module that runs Sphinx).

Every page's sidebar shows the documents in toctrees with their titles, and previous / next
follow the toctrees' order. Sphinx writes again only the documents it read again, so when an
encounter's card appears, goes or moves (qms.yaml `manual.encounters`), the other pages would
keep the old sidebar. Here every document is written again when the navigation changed.

Pages outside every toctree (most of them) share one sidebar per folder, computed once.
"""

from __future__ import annotations

import hashlib
import posixpath
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


def shared_navigation(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                      doctree: Any) -> None:
    """Sphinx's `html-page-context`, before furo's: one sidebar for the pages of a folder
    outside every toctree."""
    # The sidebar of a page outside every toctree (a standard, an audit) marks no entry as
    # current, so all such pages of one folder have the same sidebar: compute it once per
    # folder instead of once per page (furo asks for it on every page).
    if "toctree" not in context or pagename in _in_toctrees(app):
        return
    cache = app.__dict__.setdefault("_qms_navigation", {})
    folder, compute = posixpath.dirname(pagename), context["toctree"]

    def toctree(**kwargs: Any) -> str:
        key = (folder, tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = compute(**kwargs)
        return str(cache[key])

    context["toctree"] = toctree


def _in_toctrees(app: Any) -> set[str]:
    found: set[str] | None = app.__dict__.get("_qms_in_toctrees")
    if found is None:
        env = app.env
        found = app.__dict__["_qms_in_toctrees"] = {env.config.root_doc}.union(
            *env.toctree_includes.values())
    return found
