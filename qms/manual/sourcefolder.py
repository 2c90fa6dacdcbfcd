"""The generated source folder besides the pages: the files the theme's frame is made from,
the pages that are gone, the pages present, and item templates of an older qms."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from qms.base.errors import QmsError
from qms.format.config import Config
from qms.manual import translations
from qms.manual.build import BuildPaths, BuildResult
from qms.manual.buildstate import PendingNotes
from qms.manual.htmlpages import ITEM_TEMPLATES
from qms.manual.itemdata import ITEMS
from qms.manual.render import write_if_changed
from qms.manual.sphinxconf import DOCUTILS_CONF, conf_py, conf_values

STATIC = Path(__file__).resolve().parent / "static"


def write_frame_files(config: Config, paths: BuildPaths, result: BuildResult,
                       switcher: list[dict[str, Any]] | None, noting: PendingNotes) -> None:
    """Write conf.py, docutils.conf and the static files the theme's frame is made with."""
    language = config.manual.language
    theme = translations.theme_files(language, several=bool(switcher))
    values = conf_values(config.manual.title, config.organisation, language, switcher, theme)
    static = {f"_static/{name}": (STATIC / name).read_text(encoding="utf-8")
              for name in ("qms.css", "qms-zh-search.js", "qms-search.js")}
    static.update(theme)
    for name, text in (("conf.py", conf_py(values)), ("docutils.conf", DOCUTILS_CONF),
                       *static.items()):
        if write_if_changed(paths.source / name, text, functools.partial(noting, name)):
            result.written.append(name)


def remove_gone(paths: BuildPaths, result: BuildResult, wanted: dict[str, str],
                 present: set[str], noting: PendingNotes) -> None:
    """Remove the files of pages the manual no longer has (of those present before rendering:
    the pages it wrote are wanted), and their HTML."""
    docnames = set(wanted.values())
    for name in sorted(present - wanted.keys()):
        docname = name.removeprefix(f"{ITEMS}/").rsplit(".", 1)[0]
        gone = docname not in docnames  # not a page that only changed from reST to HTML
        if gone:
            noting(docname, removed=True)
        (paths.source / name).unlink()
        if gone:
            (paths.html / f"{docname}.html").unlink(missing_ok=True)
            result.removed.append(docname)


def present_pages(source: Path) -> set[str]:
    """The pages' files (reST, and item pages' JSON under _items/), relative to source."""
    # Plain strings, not Path objects: this runs over every page on every build.
    found: set[str] = set()
    top = len(str(source)) + 1
    for folder, _dirs, files in os.walk(source):
        prefix = folder[top:] + "/" if len(folder) >= top else ""
        items = prefix.startswith(f"{ITEMS}/")
        found.update(prefix + name for name in files
                     if name.endswith(".json" if items else ".rst"))
    return found


def refuse_old_item_templates(templates: Path, root: Path) -> None:
    """Refuse an item page's reST template (item pages are HTML templates now)."""
    # A repository's override of an item page written for qms before item pages were HTML
    # would silently stop applying: say so, and how to carry it over.
    for name in ITEM_TEMPLATES:
        old = templates / "manual" / f"{name}.rst.j2"
        if old.is_file():
            shown = old.relative_to(root).as_posix()
            raise QmsError(f"{shown}: the {name} page is an HTML template now; write it as "
                           f"templates/manual/{name}.html.j2 (extending "
                           f"\"qms/manual/{name}.html.j2\", see README: \"Templates\") and "
                           "remove this file")
