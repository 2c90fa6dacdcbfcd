"""The data model of the repository format: one pydantic model per kind of file.

The same models validate the files and generate the JSON Schema editors use, so the two
cannot disagree. Field names follow docs/format.md (the contract with users).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)
from pydantic_core import core_schema

from qms.format.texts import JsonAs, LocalNote, LocalText

ID_PATTERN = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$"
QUESTION_PATTERN = r"^Q[0-9]+[A-Za-z0-9.-]*$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
TARGET_PATTERN = r"^\s*(>=|>|<=|<|==)\s*-?[0-9]+(\.[0-9]+)?\s*$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
QuestionId = Annotated[str, StringConstraints(pattern=QUESTION_PATTERN)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1)]


def _number_to_text(value: Any) -> Any:
    # `9.1` unquoted is a float to YAML; a clause number is text.
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


# (JSON, the load cache's, holds the text _number_to_text made)
Clause = Annotated[str, BeforeValidator(_number_to_text), JsonAs(core_schema.str_schema)]


def empty_list() -> list[Any]:
    """A new empty list, the default of a list field.

    Not `default_factory=list`: pydantic reads a default factory's signature when it builds a
    model, and a builtin's is parsed from its text with the tokenizer (4 ms of every command's
    start, a third of it compiling the tokenizer's pattern); a function's is at hand.
    """
    return []


def empty_dict() -> dict[Any, Any]:
    """A new empty dict, the default of a mapping field (see empty_list)."""
    return {}

Dimension = Literal["tangibles", "reliability", "responsiveness", "assurance", "empathy"]
DIMENSIONS: tuple[Dimension, ...] = (
    "tangibles",
    "reliability",
    "responsiveness",
    "assurance",
    "empathy",
)
Gap = Literal[1, 2, 3, 4]
StandardStatus = Literal["draft", "approved", "retired"]
StandardType = Literal["hard", "soft"]
PlanCategory = Literal[
    "service-concept",
    "expectation-management",
    "outcome-management",
    "internal-marketing",
    "tangible-evidence",
    "information-technology",
    "customer-participation",
]
PLAN_CATEGORIES: tuple[str, ...] = PlanCategory.__args__  # type: ignore[attr-defined]
ActionStatus = Literal["open", "done", "dropped"]
Method = Literal["observation", "interview", "records", "mystery-shopping"]
Result = Literal["conform", "nonconform", "not-applicable"]
CapaStatus = Literal[
    "open",
    "contained",
    "root-cause-found",
    "action-planned",
    "implemented",
    "verified",
    "closed",
]
CAPA_STATES: tuple[str, ...] = CapaStatus.__args__  # type: ignore[attr-defined]
CapaPolicy = Literal["required", "optional", "none"]


class Model(BaseModel):
    """Base of every file model: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------ standards and plans


class Measure(Model):
    """A measure of a standard, with a target such as '>= 95'."""

    id: Slug
    metric: LocalText
    unit: LocalNote | None = None
    target: (
        Annotated[str, BeforeValidator(_number_to_text), StringConstraints(pattern=TARGET_PATTERN),
                  JsonAs(partial(core_schema.str_schema, pattern=TARGET_PATTERN))]
        | None
    ) = None
    source: LocalNote | None = None  # where the readings come from
    frequency: LocalNote | None = None  # how often (the manual translates daily, weekly, ...)


class Review(Model):
    """When a standard was last reviewed and how often it must be."""

    interval_months: int | None = Field(None, ge=1, le=120)
    last_reviewed: date | None = None


class Approval(Model):
    """Who approved a standard, when, and the fingerprint of what they approved."""

    by: Text
    on: date
    fingerprint: Text


class Standard(Model):
    """A service standard: what staff do (and do not do) at one service encounter."""

    id: Id
    title: LocalText
    status: StandardStatus
    owner: Text
    encounter: Text
    gap: Gap | None = None
    dimensions: list[Dimension] = Field(default_factory=empty_list)
    type: StandardType
    statement: LocalText
    do: list[LocalText] = Field(default_factory=empty_list)
    dont: list[LocalText] = Field(default_factory=empty_list)
    measures: list[Measure] = Field(default_factory=empty_list)
    clauses: list[Clause] = Field(default_factory=empty_list)
    plans: list[Id] = Field(default_factory=empty_list)
    review: Review | None = None
    approval: Approval | None = None
    effective: date | None = None


class PlanAction(Model):
    """One action of a planning item."""

    action: LocalText
    owner: str | None = None
    due: date | None = None
    status: ActionStatus = "open"


class Plan(Model):
    """A service-quality planning item in one of the seven areas."""

    id: Id
    category: PlanCategory
    title: LocalText
    objective: LocalNote | None = None
    owner: Text
    gap: Gap | None = None
    actions: list[PlanAction] = Field(default_factory=empty_list)


# ------------------------------------------------------------------ audits


class Question(Model):
    """A checklist question; it checks exactly one standard."""

    id: QuestionId
    standard: Id
    ask: LocalText
    guidance: LocalNote | None = None
    evidence: LocalNote | None = None


class Checklist(Model):
    """An audit checklist."""

    id: Id
    title: LocalText
    method: Method = "observation"
    questions: list[Question] = Field(min_length=1)


class Answer(Model):
    """The answer to one question in an audit."""

    question: QuestionId
    result: Result
    note: str | None = None
    fingerprint: str | None = None
    answered: datetime | None = None


class Verification(Model):
    """The check that a corrective action worked."""

    by: Text
    on: date
    result: Literal["effective", "not-effective"]
    note: str | None = None


class CapaEvent(Model):
    """One dated change of a CAPA, kept so its history can be followed."""

    on: datetime
    status: CapaStatus
    by: str | None = None
    note: str | None = None


class Capa(Model):
    """A corrective and preventive action that follows a finding."""

    owner: str | None = None
    due: date | None = None
    status: CapaStatus = "open"
    containment: str | None = None
    root_cause: str | None = None
    action: str | None = None
    verification: Verification | None = None
    history: list[CapaEvent] = Field(default_factory=empty_list)


class Finding(Model):
    """A graded finding raised against the standard a question checks."""

    id: Id
    question: QuestionId
    standard: Id
    grade: Slug
    statement: Text
    evidence: str | None = None
    capa: Capa | None = None


class Reopening(Model):
    """A record that a completed audit was reopened, and why."""

    on: datetime
    by: str | None = None
    reason: Text


class ImportSource(Model):
    """The answer file an audit was imported from: its name and a SHA-256 of its bytes."""

    file: Text
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Audit(Model):
    """One audit: a checklist run at a site, its answers and findings."""

    id: Id
    checklist: Id
    checklist_fingerprint: str | None = None
    site: Text
    auditors: list[Text] = Field(min_length=1)
    started: datetime
    imported_from: ImportSource | None = None
    completed: datetime | None = None
    answers: list[Answer] = Field(default_factory=empty_list)
    findings: list[Finding] = Field(default_factory=empty_list)
    reopened: list[Reopening] = Field(default_factory=empty_list)
