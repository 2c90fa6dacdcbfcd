"""The data model of the repository format: one pydantic model per kind of file.

The same models validate the files and generate the JSON Schema editors use, so the two
cannot disagree. Field names follow docs/format.md (the contract with users).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    model_validator,
)

from qms.format.texts import Language, LocalNote, LocalText, Texts, settle_languages

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


Clause = Annotated[str, BeforeValidator(_number_to_text)]

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


# ------------------------------------------------------------------ qms.yaml


class Grade(Model):
    """A finding grade; `capa` says whether a finding of this grade needs a corrective action."""

    id: Slug
    label: LocalText
    capa: CapaPolicy = "optional"


DEFAULT_GRADES = (
    Grade(id="major", label="Major nonconformity", capa="required"),
    Grade(id="minor", label="Minor nonconformity", capa="required"),
    Grade(id="observation", label="Observation", capa="optional"),
    Grade(id="ofi", label="Opportunity for improvement", capa="optional"),
    Grade(id="good-practice", label="Good practice", capa="none"),
)

DEFAULT_INSTRUMENT: dict[Dimension, list[int]] = {
    "tangibles": [1, 2, 3, 4],
    "reliability": [5, 6, 7, 8, 9],
    "responsiveness": [10, 11, 12, 13],
    "assurance": [14, 15, 16, 17],
    "empathy": [18, 19, 20, 21, 22],
}


class Journey(Model):
    """A customer journey (store floor, telephone, delivery): its encounters in the order met."""

    journey: LocalText
    encounters: list[Text] = Field(min_length=1)


def _entry_kind(value: Any) -> str | None:
    # Tells the two kinds apart up front, so a wrong entry gets one message, not one per kind.
    if isinstance(value, str):
        return "encounter"
    return "Journey" if isinstance(value, (dict, Journey)) else None


EncounterEntry = Annotated[
    Annotated[Text, Tag("encounter")] | Annotated[Journey, Tag("Journey")],
    Discriminator(_entry_kind, custom_error_type="encounter_entry",
                  custom_error_message="must be an encounter name or a journey "
                  "({journey: name, encounters: [names]})"),
]


class ManualConfig(Model):
    """How the manual is published, and in which languages its texts are written."""

    title: LocalText = "Service Quality Manual"
    # The language texts are shown in (default: the first of `languages`), and the languages
    # they are written in, the main one (which a missing translation falls back to) first.
    language: Language = "en"
    languages: list[Language] = Field(default_factory=list)
    audience: Literal["quality", "staff"] = "quality"
    # The order a customer meets the encounters: names, journeys of names, or both mixed.
    encounters: list[EncounterEntry] = Field(default_factory=list)
    # How an encounter, owner or site reads in each language: the name stays the key files
    # refer to (and the pages' addresses); only what is shown changes.
    names: dict[Text, LocalText] = Field(default_factory=dict)

    def shown_name(self, name: str) -> str:
        """An encounter's, owner's or site's name as shown: its manual.names text, else itself."""
        return self.names.get(name, name)

    @model_validator(mode="after")
    def _settle_languages(self) -> ManualConfig:
        language, languages = settle_languages(self.language, self.languages,
                                               self.model_fields_set)
        object.__setattr__(self, "language", language)  # frozen: filled in once, while made
        object.__setattr__(self, "languages", languages)
        # A name without a text in a language reads as written (the key), not in the main
        # language: `Greeting: {zh_CN: 亲切招呼}` is "Greeting" in English.
        object.__setattr__(self, "names", {
            name: Texts(shown, {**dict.fromkeys(languages, name), **shown.texts})
            if isinstance(shown, Texts) else shown for name, shown in self.names.items()})
        return self

class ReviewConfig(Model):
    """Review cycle defaults."""

    default_interval_months: int = Field(12, ge=1, le=120)


class SqiConfig(Model):
    """Service quality indicator: failure categories and their weights."""

    weights: dict[Slug, float] = Field(default_factory=dict)


class ServqualConfig(Model):
    """SERVQUAL survey settings."""

    scale: tuple[int, int] = (1, 7)
    weights: dict[Dimension, float] = Field(default_factory=lambda: {d: 20.0 for d in DIMENSIONS})
    instrument: dict[Dimension, list[Annotated[int, Field(ge=1)]]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_INSTRUMENT.items()}
    )
    reverse: list[int] = Field(default_factory=list)


def _inside_repository(value: str) -> str:
    parts = value.replace("\\", "/").split("/")
    if value.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        raise ValueError("a path inside the repository (relative, without '..')")
    return value


RelPath = Annotated[Text, AfterValidator(_inside_repository)]


class PathsConfig(Model):
    """Where each kind of file lives, relative to the repository root."""

    standards: RelPath = "standards"
    planning: RelPath = "standards/planning"
    checklists: RelPath = "audits/checklists"
    records: RelPath = "audits/records"
    measurements: RelPath = "audits/measurements"
    sqi: RelPath = "audits/sqi"
    surveys: RelPath = "audits/surveys"
    templates: RelPath = "templates"
    build: RelPath = "build"


class Config(Model):
    """qms.yaml: the project configuration. Only `organisation` is required."""

    organisation: LocalText
    manual: ManualConfig = Field(default_factory=ManualConfig)
    grades: list[Grade] = Field(default_factory=lambda: list(DEFAULT_GRADES), min_length=1)
    review: ReviewConfig = Field(default_factory=ReviewConfig)
    sqi: SqiConfig = Field(default_factory=SqiConfig)
    servqual: ServqualConfig = Field(default_factory=ServqualConfig)
    paths: PathsConfig = Field(default_factory=PathsConfig)

    def grade(self, grade_id: str) -> Grade | None:
        """The grade with this id, if qms.yaml defines it."""
        return next((g for g in self.grades if g.id == grade_id), None)


# ------------------------------------------------------------------ standards and plans


class Measure(Model):
    """A measure of a standard, with a target such as '>= 95'."""

    id: Slug
    metric: LocalText
    unit: LocalNote | None = None
    target: (
        Annotated[str, BeforeValidator(_number_to_text), StringConstraints(pattern=TARGET_PATTERN)]
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
    dimensions: list[Dimension] = Field(default_factory=list)
    type: StandardType
    statement: LocalText
    do: list[LocalText] = Field(default_factory=list)
    dont: list[LocalText] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)
    clauses: list[Clause] = Field(default_factory=list)
    plans: list[Id] = Field(default_factory=list)
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
    actions: list[PlanAction] = Field(default_factory=list)


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
    history: list[CapaEvent] = Field(default_factory=list)


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
    answers: list[Answer] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    reopened: list[Reopening] = Field(default_factory=list)


KINDS: dict[str, type[Model]] = {
    "config": Config,
    "standard": Standard,
    "plan": Plan,
    "checklist": Checklist,
    "audit": Audit,
}
