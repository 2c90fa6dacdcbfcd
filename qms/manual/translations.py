"""The manual in each of manual.languages: where each one goes, the switcher between them, and
the theme's words in the manual's language.

One build makes one manual per language of `manual.languages`, each from the project shown in
that language (qms.format.languages.localised) with its own reST, doctrees and state. The
manual in `manual.language` is where a one-language manual always was (build/html, and
build/staff/html for the staff edition): links people already have keep working. Each other
language's manual is in a folder of that one named after the language (build/html/zh_CN/), so
the whole set is one folder to publish or serve, and the switcher's links are relative.

The theme's own words come through Sphinx's locale mechanism: qms ships a catalogue per language
it has words for (qms/manual/locale/<language>/LC_MESSAGES/sphinx.po), copied into the build's
source folder, where Sphinx compiles it. qms's page.html (qms/manual/sphinx_templates) draws the
switcher and passes the words furo writes without a translation mark through the catalogue.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qms.base.errors import QmsError
from qms.format.config import Config
from qms.format.languages import check_language, localised
from qms.format.project import Project
from qms.format.texts import LANGUAGE_PATTERN

HERE = Path(__file__).resolve().parent
LOCALE = HERE / "locale"
TEMPLATES = HERE / "sphinx_templates"
SWITCHER_CSS = "qms-languages.css"
# Each language's name in that language: a reader finds their own language by its name.
NAMES = {"zh_CN": "中文", "zh_TW": "中文（繁體）", "zh": "中文", "en": "English",
         "en_GB": "English", "en_US": "English", "de": "Deutsch", "fr": "Français",
         "es": "Español", "ja": "日本語", "ko": "한국어"}


def folder(language: str, shown: str) -> str:
    """The language's folder under the edition's html folder ('' for manual.language's)."""
    return "" if language == shown else language


def built_languages(config: Config, language: str | None) -> list[str]:
    """The languages a build makes the manual in: the one asked for (one of
    manual.languages), else every one, manual.language's first (the others' folders are in
    its HTML folder)."""
    if language is not None:
        check_language(config, language)
        return [language]
    return sorted(config.manual.languages, key=lambda other: other != config.manual.language)


def switcher(languages: list[str], shown: str, language: str) -> list[dict[str, Any]]:
    """The switcher of the manual in `language`: each language's name, and the way from this
    manual's html folder to that language's (to be followed by the page's name)."""
    up = "../" if folder(language, shown) else ""
    entries = []
    for other in languages:
        below = folder(other, shown)
        entries.append({"code": other, "name": NAMES.get(other, other),
                        "tag": other.replace("_", "-"), "current": other == language,
                        "root": up + (below + "/" if below else "")})
    return entries


def manual_switcher(config: Config, language: str) -> list[dict[str, Any]] | None:
    """The switcher of the manual in `language` (none when the manual has one language)."""
    languages = config.manual.languages
    return switcher(languages, config.manual.language, language) if len(languages) > 1 else None


def stale_language_folders(edition_folder: Path, config: Config) -> list[Path]:
    """The folders of manuals this edition no longer makes: a language manual.languages no
    longer lists, or the one now in the edition's own html folder (manual.language changed).
    Only what qms made: a language's folder with its state (build/de/.qms), and its HTML
    (build/html/de/) unless a page folder of the manual has that name."""
    found = []
    for state in sorted(edition_folder.glob("*/.qms")):
        code = state.parent.name
        if not re.match(LANGUAGE_PATTERN, code) or (
                code in config.manual.languages and code != config.manual.language):
            continue
        found.append(state.parent)
        html = edition_folder / "html" / code
        if html.is_dir() and not (edition_folder / "source" / code).exists():
            found.append(html)
    return found


def refuse_clashes(docnames: Iterable[str], languages: list[str]) -> None:
    """Refuse a manual with a page or folder named as a language: the manual in that language
    is the folder of that name, and would overwrite it."""
    clash = sorted({docname.split("/", 1)[0] for docname in docnames}.intersection(languages))
    if clash:
        raise QmsError(f"qms.yaml: manual.languages: the manual has pages named {clash[0]}, "
                       f"where the manual in {clash[0]} would go; this language cannot be "
                       "built beside the others")


def theme_files(language: str, several: bool) -> dict[str, str]:
    """The files a manual's Sphinx source needs for the theme's words in its language and for
    the switcher (none for a one-language manual in a language qms has no catalogue for)."""
    catalogue = LOCALE / language / "LC_MESSAGES" / "sphinx.po"
    files = {}
    if catalogue.is_file():
        files[f"locale/{language}/LC_MESSAGES/sphinx.po"] = catalogue.read_text(encoding="utf-8")
    if files or several:
        files["_templates/page.html"] = (TEMPLATES / "page.html").read_text(encoding="utf-8")
    if several:
        files[f"_static/{SWITCHER_CSS}"] = (HERE / "static" / SWITCHER_CSS).read_text(
            encoding="utf-8")
    return files


def code_files() -> list[Path]:
    """The files of this module's templates and catalogues (a change rewrites every page)."""
    return sorted([*TEMPLATES.iterdir(), *LOCALE.rglob("*.po")])


def in_language(project: Project, language: str) -> Project:
    """The project as the manual in `language` shows it: its texts and the manual's own labels
    in that language."""
    if language == project.config.manual.language:
        return project
    shown = localised(project, language)
    config = shown.config
    manual = config.manual.model_copy(update={"language": language})
    return dataclasses.replace(shown, config=config.model_copy(update={"manual": manual}))
