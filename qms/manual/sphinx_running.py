"""Sphinx run in qms's process, quickly (part of the extension in sphinx_build, the one module
that runs Sphinx): docutils' settings made once per build, and the garbage collector kept off
objects that make no garbage. None of this changes what Sphinx writes.
"""

from __future__ import annotations

import copy
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from docutils.utils import DependencyList


@contextmanager
def docutils_settings_made_once() -> Iterator[None]:
    """While Sphinx builds, make docutils' settings once, not once per page.

    Sphinx (8.2 and later) builds docutils' option parser anew for every page it reads: about
    10 % of a clean build, for settings that are the same for every page of one build. Each
    page gets its own copy, with its own list of dependencies (the one thing docutils adds to).
    """
    import sphinx.util.docutils as sphinx_docutils

    original = getattr(sphinx_docutils, "_get_settings", None)
    if original is None or not hasattr(sphinx_docutils, "_parse_str_to_doctree"):
        yield  # another Sphinx: leave it as it is
        return
    made: list[tuple[tuple[Any, ...], Any]] = []

    def get_settings(*components: Any, defaults: dict[str, Any],
                     read_config_files: bool = False) -> Any:
        key = (tuple(c if isinstance(c, type) else type(c) for c in components),
               tuple(defaults.items()), read_config_files)
        # Tuples compare item by item, identity first: the same env and config objects match
        # at once. (A list, not a dict: some settings are not hashable.)
        settings = next((s for known, s in made if known == key), None)
        if settings is None:
            settings = original(*components, defaults=defaults,
                                read_config_files=read_config_files)
            made.append((key, settings))
        page = copy.copy(settings)
        page.record_dependencies = DependencyList()
        return page

    patched: Any = sphinx_docutils  # a private name some Sphinx versions lack (checked above)
    patched._get_settings = get_settings
    try:
        yield
    finally:
        patched._get_settings = original


@contextmanager
def older_objects_left_out_of_collections() -> Iterator[None]:
    """While Sphinx builds, the garbage collector scans only what the build makes: the loaded
    environment (and, kept between builds, the search index) is millions of objects, and each
    full scan of them costs 0.1 s at 5,000 standards, several times in a one-title rebuild.
    Afterwards they are scanned again as before (their garbage collected then). Left as it is
    where the caller has frozen objects of its own."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
