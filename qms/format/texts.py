"""A text in one or more languages: the one type every text field of the format uses.

A text field holds plain text (`title: Greet within ten seconds`) or a mapping of language codes
to texts (`title: {zh_CN: 欢迎光临十八淑女坊, en: Welcome to Eighteen Ladies}`). Plain text stays a
plain str. A mapping becomes a `Texts`: a str whose value is the text shown (one language's,
picked by `pick`) and whose `texts` keep every language, so what is dumped (the load cache,
fingerprints of approvals and audits) is the whole mapping whichever language is shown. Every
reader of a field therefore reads a str, and only the commands that choose a language need to
know that there is more than one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from pydantic import PlainSerializer, StringConstraints, WrapValidator
from pydantic_core import PydanticCustomError, core_schema

LANGUAGE_PATTERN = r"^[a-z]{2,3}(_[A-Z]{2})?$"
_LANGUAGE = re.compile(LANGUAGE_PATTERN)
LANGUAGE_HINT = "write a language code like zh_CN, en or en_GB (language, '_', country in capitals)"
Language = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]
TEXT_ERROR = "qms_text"  # the pydantic error type of a bad text mapping (schema.py reads it)


class Texts(str):
    """A text written per language: the str is the text shown, `texts` holds every language."""

    texts: dict[str, str]
    # How many were made in this process (unpickled ones included): while none, no model holds
    # one, and showing a project in a language has nothing to do.
    made = 0

    def __new__(cls, shown: str, texts: dict[str, str]) -> Texts:
        made = super().__new__(cls, shown)
        made.texts = texts
        Texts.made += 1
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (Texts, (str(self), self.texts))

    def __eq__(self, other: object) -> bool:
        # Two texts that show the same words are still different texts if a translation differs
        # (a model compares its fields with ==: an edited translation is an edit).
        if isinstance(other, Texts):
            return str.__eq__(self, other) and self.texts == other.texts
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = str.__hash__

    def pick(self, languages: Sequence[str]) -> Texts:
        """The same texts, showing the first of languages written (else the first written)."""
        shown = next((self.texts[lang] for lang in languages if lang in self.texts),
                     next(iter(self.texts.values())))
        return self if shown == str(self) else Texts(shown, self.texts)


def text_in(value: str, languages: Sequence[str]) -> str:
    """A text field's value shown in the first of languages it is written in."""
    return value.pick(languages) if isinstance(value, Texts) else value


def _refuse(code: str, hint: str, key: str | None = None) -> PydanticCustomError:
    # The hint goes through ctx: a template would read the braces of `{zh_CN: ...}` as fields.
    return PydanticCustomError(TEXT_ERROR, "{hint}", {"hint": hint, "code": code, "key": key})


def _from_mapping(value: dict[Any, Any], empty_ok: bool) -> Texts:
    if not value:
        raise _refuse("bad-value", "an empty mapping holds no text; write the text, or a text per "
                      "language (zh_CN: ..., en: ...)")
    texts: dict[str, str] = {}
    for key, text in value.items():
        if not isinstance(key, str) or not _LANGUAGE.match(key):
            raise _refuse("bad-value", f"{str(key)!r} is not a language; {LANGUAGE_HINT}", key)
        if not isinstance(text, str):
            got = "a mapping" if isinstance(text, dict) else "a list" if isinstance(text, list) \
                else "nothing" if text is None else repr(text)
            quote = " (YAML reads yes/no/on/off/true/false and numbers as values: put the text " \
                "in quotes)" if isinstance(text, (bool, int, float)) else ""
            raise _refuse("wrong-type", f"the {key} text must be text, got {got}{quote}", key)
        if not text and not empty_ok:
            raise _refuse("bad-value", f"the {key} text is empty; write it, or leave {key} out",
                          key)
        texts[str(key)] = str(text)
    return Texts(next(iter(texts.values())), texts)


def settle_languages(language: str, languages: list[str],
                     given: set[str]) -> tuple[str, list[str]]:
    """qms.yaml's manual.language and manual.languages made whole: `language` alone is the
    one-language form; `languages` alone shows its first; both: language must be listed."""
    if "languages" in given:
        if not languages:
            raise _refuse("bad-value", "must name at least one language, the main one first "
                          "(languages: [zh_CN, en])", "languages")
        twice = [lang for i, lang in enumerate(languages) if lang in languages[:i]]
        if twice:
            raise _refuse("bad-value", f"languages names {twice[0]} twice; name each once",
                          "languages")
    if not languages:
        return language, [language]
    if "language" not in given:
        return languages[0], languages
    if language not in languages:
        raise _refuse("bad-value", f"language {language} is not one of manual.languages "
                      f"({', '.join(languages)}); add it there or choose one of them", "language")
    return language, languages


def _validator(empty_ok: bool) -> WrapValidator:
    def validate(value: Any, handler: Any) -> str:
        if isinstance(value, Texts):  # already validated (a model built from models)
            return value
        if isinstance(value, dict):
            return _from_mapping(value, empty_ok)
        return str(handler(value))

    return WrapValidator(validate)


def _dump(value: str) -> Any:
    return value.texts if isinstance(value, Texts) else value


def _json_schema(min_length: int) -> dict[str, Any]:
    text: dict[str, Any] = {"type": "string", **({"minLength": 1} if min_length else {})}
    return {"anyOf": [text, {
        "type": "object", "minProperties": 1, "additionalProperties": False,
        "patternProperties": {LANGUAGE_PATTERN: text},
        "description": "the text in each language (zh_CN: ..., en: ...)"}]}


@dataclass(frozen=True)
class _TextSchema:
    """The JSON schema of a text, made anew for each field: pydantic before 2.11 writes a
    field's default into the schema it is given, and one shared dict carried the manual
    title's default into every other text (a grade's label)."""

    min_length: int

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        """A new dict on every call."""
        return _json_schema(self.min_length)


@dataclass(frozen=True)
class JsonAs:
    """JSON is validated by this pydantic-core schema alone, other input as annotated before it.

    The one reader of JSON is the load cache, which holds what the Python validators before
    this made of YAML's values (a clause as text, a text per language as its mapping): the
    same checks, made by pydantic-core without a call into Python per value (about 85,000 at
    5,000 standards)."""

    schema: Callable[[], Any]  # makes the pydantic-core schema (a dict: metadata is hashed)

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        """The schema annotated before, for Python input; this one for JSON."""
        python = handler(source)
        return core_schema.json_or_python_schema(json_schema=self.schema(), python_schema=python,
                                                 serialization=python.get("serialization"))

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> Any:
        """The JSON Schema editors get is the one of what people write (YAML: Python input)."""
        return handler(schema["python_schema"])


def _texts_of(texts: dict[str, str]) -> Texts:
    return Texts(next(iter(texts.values())), texts)


def _json_text(empty_ok: bool) -> Any:
    # A text as the cache dumps it: plain text, or a mapping of languages to texts, checked as
    # _validator checks YAML's.
    text = core_schema.str_schema(min_length=None if empty_ok else 1)
    mapping = core_schema.dict_schema(core_schema.str_schema(pattern=LANGUAGE_PATTERN), text,
                                      min_length=1)
    return core_schema.union_schema(
        [text, core_schema.no_info_after_validator_function(_texts_of, mapping)])


# A text that must not be empty, in one language or several.
LocalText = Annotated[str, StringConstraints(min_length=1), _validator(False),
                      PlainSerializer(_dump), JsonAs(partial(_json_text, False)),
                      _TextSchema(1)]
# A text that may be empty (optional fields such as guidance).
LocalNote = Annotated[str, _validator(True), PlainSerializer(_dump),
                      JsonAs(partial(_json_text, True)), _TextSchema(0)]
