"""The Project: every validated object of one repository, with indexes by id."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from qms.base.yamlread import line_of
from qms.format.config import Config
from qms.format.models import Audit, Checklist, Finding, Plan, Question, Standard
from qms.format.tables import KpiReading, SqiCount, SurveyWave


@dataclass(frozen=True, slots=True)
class Source:
    """Where an object was read: its file (relative to the root) and its line-marked data."""

    path: str
    data: Any

    def line(self, *loc: Any) -> int:
        """The line of a field (by its path of keys and indexes) in this file."""
        return line_of(self.data, loc)


@dataclass(frozen=True, slots=True)
class QuestionRef:
    """A question together with the checklist that asks it."""

    checklist: Checklist
    question: Question


@dataclass(frozen=True, slots=True)
class FindingRef:
    """A finding together with the audit that raised it."""

    audit: Audit
    finding: Finding


@dataclass
class Project:
    """One QMS repository, loaded: configuration, documents, tables and where each came from."""

    root: Path
    config: Config
    today: date
    standards: dict[str, Standard] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    checklists: dict[str, Checklist] = field(default_factory=dict)
    audits: dict[str, Audit] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    config_source: Source | None = None
    kpis: list[KpiReading] = field(default_factory=list)
    sqi: list[SqiCount] = field(default_factory=list)
    surveys: list[SurveyWave] = field(default_factory=list)
    # Ids of files that were read but failed validation: references to them are not dangling
    # (the file's own errors say what is wrong with it).
    invalid_ids: set[str] = field(default_factory=set)

    def path(self, name: str) -> Path:
        """The absolute folder configured under `paths.<name>` in qms.yaml."""
        return self.root / getattr(self.config.paths, name)

    @cached_property
    def questions_by_standard(self) -> dict[str, list[QuestionRef]]:
        """Every checklist question, by the standard it checks."""
        index: dict[str, list[QuestionRef]] = defaultdict(list)
        for checklist in self.checklists.values():
            for question in checklist.questions:
                index[question.standard].append(QuestionRef(checklist, question))
        return dict(index)

    @cached_property
    def questions_of(self) -> dict[str, dict[str, Question]]:
        """Each checklist's questions by their ids (once per checklist, not once per audit)."""
        return {checklist_id: {q.id: q for q in checklist.questions}
                for checklist_id, checklist in self.checklists.items()}

    @cached_property
    def standards_by_plan(self) -> dict[str, list[Standard]]:
        """Every standard, by the planning items it implements."""
        index: dict[str, list[Standard]] = defaultdict(list)
        for standard in self.standards.values():
            for plan_id in standard.plans:
                index[plan_id].append(standard)
        return dict(index)

    @cached_property
    def findings(self) -> list[FindingRef]:
        """Every finding of every audit, in audit order."""
        return [FindingRef(a, f) for a in self.audits.values() for f in a.findings]

    @cached_property
    def findings_by_id(self) -> dict[str, FindingRef]:
        """Every finding, by its id."""
        return {ref.finding.id: ref for ref in self.findings}

    @cached_property
    def findings_by_standard(self) -> dict[str, list[FindingRef]]:
        """Every finding, by the standard it was raised against."""
        index: dict[str, list[FindingRef]] = defaultdict(list)
        for ref in self.findings:
            index[ref.finding.standard].append(ref)
        return dict(index)

    @cached_property
    def _current(self) -> tuple[Standard, ...]:
        return tuple(sorted((s for s in self.standards.values() if s.status != "retired"),
                            key=lambda s: s.id))

    def current_standards(self) -> list[Standard]:
        """Standards that are not retired, by id (sorted once, as the indexes above are made
        once: a build asks five times, 8 ms each at 5,000 standards)."""
        return list(self._current)
