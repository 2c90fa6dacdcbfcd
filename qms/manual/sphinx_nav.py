"""The sidebar of every page follows a change of the manual's navigation (part of the extension
in sphinx_build, the one module that runs Sphinx).

Every page's sidebar shows the documents in toctrees with their titles, and previous / next
follow the toctrees' order. Sphinx writes again only the documents it read again, so when an
encounter's card appears, goes or moves (qms.yaml `manual.encounters`), the other pages would
keep the old sidebar. Here every document is written again when the navigation changed.
"""

from __future__ import annotations

import hashlib
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
