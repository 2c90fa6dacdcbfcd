"""Texts in the language asked for: showing a project in one language, and missing translations.

Loading shows every text in `manual.language` (see load.register); a command with a language
option (`qms show --language en`, `qms audit sheet --language zh_CN`) asks `localised` for the
project in that language. A text without the language falls back to the main language (the
first of `manual.languages`), then to the first one it is written in.

`qms build` makes one manual per language of manual.languages, each from the project `localised`
in that language (qms/manual/translations.py); the manual's own labels (qms/manual/labels.py,
and furo's strings through Sphinx's `language`) follow the same code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from qms.base.errors import UsageError
from qms.base.issues import Issue, warning
from qms.format.config import Config
from qms.format.models import Checklist, Plan, Standard
from qms.format.project import Project
from qms.format.texts import Texts

M = TypeVar("M", bound=BaseModel)


def lookup_order(config: Config, language: str | None = None) -> tuple[str, ...]:
    """The languages a text is looked up in, best first: the one asked for (default
    manual.language), its base language (en for en_GB), then manual.languages in order."""
    first = language or config.manual.language
    return tuple(dict.fromkeys((first, first.split("_")[0], *config.manual.languages)))


def in_languages(model: M, languages: Sequence[str]) -> M:
    """The model with each text shown in the first of languages it is written in (the same
    object when nothing changes: plain text is the same in every language)."""
    if not Texts.made:  # plain text everywhere (most repositories): nothing to pick
        return model
    changed = {}
    for name, value in model.__dict__.items():
        kind = type(value)
        if kind is str or kind is int or value is None:
            continue
        shown = _shown(value, languages)
        if shown is not value:
            changed[name] = shown
    return model.model_copy(update=changed) if changed else model


def _shown(value: Any, languages: Sequence[str]) -> Any:
    kind = type(value)
    if kind is Texts:
        return value.pick(languages)
    if kind is list:
        if not value or not (isinstance(value[0], BaseModel)
                             or any(type(item) is Texts for item in value)):
            return value  # ids, dimensions, plain texts
        shown = [_shown(item, languages) for item in value]
        return value if all(a is b for a, b in zip(shown, value, strict=True)) else shown
    if kind is dict:  # manual.names: a text per name
        if not any(type(item) is Texts for item in value.values()):
            return value
        return {key: _shown(item, languages) for key, item in value.items()}
    if isinstance(value, BaseModel):
        return in_languages(value, languages)
    return value


def check_language(config: Config, language: str | None) -> str | None:
    """A --language option's value, refused unless qms.yaml's manual.languages names it."""
    if language is not None and language not in config.manual.languages:
        raise UsageError(f"--language {language}: the texts are written in "
                         f"{', '.join(config.manual.languages)} (manual.languages in qms.yaml); "
                         "choose one of them")
    return language


def localised(project: Project, language: str | None) -> Project:
    """The project with its texts in this language (None: as loaded, in manual.language)."""
    if language is None or language == project.config.manual.language:
        return project
    languages = lookup_order(project.config, check_language(project.config, language))
    return dataclasses.replace(  # a new Project: its indexes are made again from these models
        project,
        config=in_languages(project.config, languages),
        standards={k: in_languages(v, languages) for k, v in project.standards.items()},
        plans={k: in_languages(v, languages) for k, v in project.plans.items()},
        checklists={k: in_languages(v, languages) for k, v in project.checklists.items()},
    )


def _texts(model: BaseModel, loc: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Texts]]:
    """Every text written per language in a model, with where it is (field names, indexes)."""
    for name, value in model.__dict__.items():
        kind = type(value)
        if kind is Texts:
            yield (*loc, name), value
        elif kind is list:
            for i, item in enumerate(value):
                if type(item) is Texts:
                    yield (*loc, name, i), item
                elif isinstance(item, BaseModel):
                    yield from _texts(item, (*loc, name, i))
        elif kind is dict:
            yield from (((*loc, name, key), item) for key, item in value.items()
                        if type(item) is Texts)
        elif isinstance(value, BaseModel):
            yield from _texts(value, (*loc, name))


def check_translations(project: Project) -> Iterator[Issue]:
    """A warning for each text written per language that lacks one of manual.languages."""
    if not Texts.made:  # plain text everywhere: nothing can lack a language
        return
    languages = project.config.manual.languages
    documents: list[Config | Standard | Plan | Checklist] = [
        project.config, *project.standards.values(), *project.plans.values(),
        *project.checklists.values()]
    for document in documents:
        if isinstance(document, Config):
            if project.config_source is None:
                continue
            source, name = project.config_source, "qms.yaml:"
        else:
            source, name = project.sources[document.id], document.id
        for loc, text in _texts(document, ()):
            missing = [lang for lang in languages if lang not in text.texts]
            if not missing:
                continue
            field = "".join(f" {part + 1}" if isinstance(part, int) else f".{part}"
                            for part in loc).lstrip(".")
            others = [lang for lang in text.texts if lang not in languages]
            aside = (f" ({', '.join(others)} {'is' if len(others) == 1 else 'are'} not in "
                     "manual.languages: a misspelt language?)") if others else ""
            yield warning(source.path, source.line(*loc), "missing-translation",
                          f"{name} {field} has no {' or '.join(missing)} text{aside}; "
                          f"it shows the {_fallback(text, languages)} text instead")


def _fallback(text: Texts, languages: Sequence[str]) -> str:
    return next((lang for lang in languages if lang in text.texts), next(iter(text.texts)))
