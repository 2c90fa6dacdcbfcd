"""qms.yaml's model: the organisation, the manual (languages, encounters, names), grades,
review, SQI and SERVQUAL settings, and where each kind of file lives.

Kept apart from the documents' models (qms.format.models) it builds on; like them, it validates
the file and generates its JSON Schema.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Discriminator, Field, Tag, model_validator

from qms.format.models import (
    DIMENSIONS,
    CapaPolicy,
    Dimension,
    Model,
    Slug,
    Text,
    empty_dict,
    empty_list,
)
from qms.format.texts import Language, LocalText, Texts, settle_languages


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
    languages: list[Language] = Field(default_factory=empty_list)
    audience: Literal["quality", "staff"] = "quality"
    # The order a customer meets the encounters: names, journeys of names, or both mixed.
    encounters: list[EncounterEntry] = Field(default_factory=empty_list)
    # How an encounter, owner, site, approver or SQI category reads in each language: the name
    # stays the key files refer to (and the pages' addresses); only what is shown changes.
    names: dict[Text, LocalText] = Field(default_factory=empty_dict)

    def shown_name(self, name: str) -> str:
        """A name (encounter, owner, site, approver, SQI category) as shown: its manual.names
        text, else itself."""
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

    weights: dict[Slug, float] = Field(default_factory=empty_dict)


class ServqualConfig(Model):
    """SERVQUAL survey settings."""

    scale: tuple[int, int] = (1, 7)
    weights: dict[Dimension, float] = Field(default_factory=lambda: {d: 20.0 for d in DIMENSIONS})
    instrument: dict[Dimension, list[Annotated[int, Field(ge=1)]]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_INSTRUMENT.items()}
    )
    reverse: list[int] = Field(default_factory=empty_list)


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
