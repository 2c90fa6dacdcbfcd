"""Schema validation of one document (pydantic errors become issues) and JSON Schema export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from qms.base.issues import Issue, error
from qms.base.yamlread import LineDict, line_of
from qms.format.kinds import KINDS
from qms.format.models import Model
from qms.format.texts import LANGUAGE_HINT, TEXT_ERROR

_DATE_ERRORS = {
    "date_parsing",
    "date_type",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
    "datetime_parsing",
    "datetime_type",
    "datetime_from_date_parsing",
    "datetime_object_invalid",
    "date_past",
    "date_future",
}
_ID_FIELDS = {"id", "standard", "checklist", "plans", "question"}
_KIND_NAMES = {
    "config": "qms.yaml",
    "standard": "a standard",
    "plan": "a planning item",
    "checklist": "a checklist",
    "audit": "an audit record",
}


def did_you_mean(word: str, choices: list[str]) -> str:
    """A ' (did you mean 'x'?)' suffix when a close match exists, else ''."""
    import difflib  # only for a mistake (1 ms to import on every command that loads)

    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def validate_document(kind: str, data: Any, shown: str) -> tuple[Model | None, list[Issue]]:
    """Validate line-marked data as one kind; every schema problem becomes an issue."""
    if data is None:
        return None, [
            error(
                shown, 1, "empty", f"the file is empty; {_KIND_NAMES[kind]} is a mapping of fields"
            )
        ]
    if not isinstance(data, LineDict):
        what = "a list" if isinstance(data, list) else f"the single value {data!r}"
        return None, [
            error(
                shown,
                getattr(data, "line", 1),
                "not-a-mapping",
                f"the file holds {what}; {_KIND_NAMES[kind]} is a mapping of fields "
                "(key: value lines)",
            )
        ]
    model = KINDS[kind]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [_issue(model, data, shown, e) for e in exc.errors(include_url=False)]


def _issue(model: type[BaseModel], data: LineDict, shown: str, detail: ErrorDetails) -> Issue:
    loc = tuple(detail["loc"])
    where = ".".join(str(p) for p in loc) or "the file"
    kind, value = detail["type"], detail.get("input")
    line = line_of(data, tuple(step for step in loc if step not in _UNION_TAGS))
    if kind == TEXT_ERROR:  # a text per language, or the languages of qms.yaml
        context = detail.get("ctx", {})
        key = context.get("key")
        line = line_of(data, (*loc, key)) if key is not None else line
        return error(shown, line, context["code"], f"{where}: {context['hint']}")
    if kind == "missing":
        return error(shown, line, "missing-field", f"'{loc[-1]}' is required in {_owner(loc)}")
    if kind == "extra_forbidden":
        fields = _fields_at(model, loc[:-1])
        return error(
            shown,
            line,
            "unknown-field",
            f"'{loc[-1]}' is not a field of {_owner(loc)}{did_you_mean(str(loc[-1]), fields)}"
            f"; the fields are: {', '.join(fields)}",
        )
    if kind in _DATE_ERRORS:
        return error(
            shown,
            line,
            "bad-date",
            f"{where}: {value!r} is not a real date; write YYYY-MM-DD "
            "(a time as YYYY-MM-DDTHH:MM:SS+08:00)",
        )
    if kind == "literal_error":
        allowed = [str(a) for a in _literal_choices(detail)]
        return error(
            shown,
            line,
            "bad-value",
            f"{where}: {value!r} is not allowed{did_you_mean(str(value), allowed)}; "
            f"use one of: {', '.join(allowed)}",
        )
    if kind == "string_pattern_mismatch":
        if str(loc[-1]) in _ID_FIELDS or (len(loc) > 1 and str(loc[-2]) in _ID_FIELDS):
            return error(
                shown, line, "bad-id", f"{where}: {value!r} is not a valid id; {_id_rule(loc)}"
            )
        return error(shown, line, "bad-value", f"{where}: {value!r} {_pattern_hint(loc)}")
    return error(shown, line, _type_code(kind), f"{where}: {_message(detail)}")


# Steps of a location that name a kind of union member, not a key of the file (models.py).
_UNION_TAGS = frozenset({"Journey"})


def _owner(loc: tuple[Any, ...]) -> str:
    parents = [str(p) for p in loc[:-1] if not isinstance(p, int)]
    return f"'{parents[-1]}'" if parents else "this file"


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for step in loc:
        if isinstance(step, int):
            continue
        if _is_model(current) and step not in current.model_fields:
            continue  # a tag of a union (`journey`), not a field
        info = current.model_fields.get(step) if _is_model(current) else None
        if info is None:
            return []
        current = _inner_model(info.annotation)
    return list(current.model_fields) if _is_model(current) else []


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _inner_model(annotation: Any) -> Any:
    if _is_model(annotation):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _literal_choices(detail: ErrorDetails) -> list[Any]:
    expected = str(detail.get("ctx", {}).get("expected", ""))
    return [part.strip().strip("'") for part in expected.replace(" or ", ", ").split(", ") if part]


def _id_rule(loc: tuple[Any, ...]) -> str:
    if "question" in (str(loc[-1]), str(loc[-2]) if len(loc) > 1 else ""):
        return "question ids are Q followed by a number (Q1, Q2, ...)"
    return (
        "ids are capital letters and digits in parts joined by '-', like TEL-001 or CL-FRONT-DESK"
    )


def _pattern_hint(loc: tuple[Any, ...]) -> str:
    last = str(loc[-1])
    if last.startswith("language") or (len(loc) > 1 and str(loc[-2]) == "languages"):
        return f"is not a language; {LANGUAGE_HINT}"
    if last == "target":
        return "is not a target; write a comparator and a number, like '>= 95'"
    if last in ("id", "grade") or (len(loc) > 1 and str(loc[-2]) == "weights"):
        return "is not a valid name; use lowercase letters, digits and '-', like 'answered-in-time'"
    return "has the wrong form"


def _type_code(kind: str) -> str:
    return (
        "bad-value"
        if kind
        in {
            "greater_than",
            "greater_than_equal",
            "less_than",
            "less_than_equal",
            "too_short",
            "too_long",
            "string_too_short",
            "value_error",
        }
        else "wrong-type"
    )


def _message(detail: ErrorDetails) -> str:
    value = detail.get("input")
    message = detail["msg"].replace("Value error, ", "must be ")
    if detail["type"] == "string_too_short":
        return "must not be empty"
    if detail["type"] == "too_short":
        return message.replace("List", "the list").replace("after validation, not 0", "")
    if isinstance(value, bool) and detail["type"] == "string_type":
        return (
            f"{message}, got {str(value).lower()} (YAML reads yes/no/on/off/true/false as "
            "a truth value: put the text in quotes)"
        )
    if detail["type"] == "model_type" or detail["type"] == "dict_type":
        return f"must be a mapping of fields, got {_describe(value)}"
    if detail["type"] == "list_type":
        return f"must be a list (lines starting with '- '), got {_describe(value)}"
    return f"{message}, got {_describe(value)}"


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of each kind, generated from the models the validator uses."""
    schemas = {}
    for kind, model in KINDS.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"qms-{kind}.schema.json"
        schemas[kind] = schema
    return schemas


def write_json_schemas(folder: Path) -> list[Path]:
    """Write qms-<kind>.schema.json files into folder; return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, schema in json_schemas().items():
        path = folder / f"qms-{kind}.schema.json"
        text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


__all__ = ["did_you_mean", "json_schemas", "validate_document", "write_json_schemas"]
