"""Content fingerprints: what was approved or audited, so later edits show as suspect."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from qms.format.models import Audit, Checklist, Question, Standard
from qms.format.project import Project

# The fields that say what a standard requires; owner, review dates and approval are not.
NORMATIVE_FIELDS = (
    "title",
    "type",
    "encounter",
    "statement",
    "do",
    "dont",
    "measures",
    "dimensions",
    "gap",
    "clauses",
)


def _digest(content: Any) -> str:
    text = json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def standard_fingerprint(standard: Standard) -> str:
    """The fingerprint of a standard's normative content (what an approval covers)."""
    return _digest(standard.model_dump(mode="json", include=set(NORMATIVE_FIELDS)))


def question_fingerprint(question: Question, standard: Standard | None) -> str:
    """The fingerprint of a question as asked: its text and the standard it checks."""
    return _digest(
        {
            "question": question.model_dump(mode="json"),
            "standard": standard_fingerprint(standard) if standard else None,
        }
    )


def checklist_fingerprint(checklist: Checklist) -> str:
    """The fingerprint of a whole checklist (its title, method and questions)."""
    return _digest(checklist.model_dump(mode="json"))


def changed_since_audited(audit: Audit, checklist: Checklist,
                          standards: Mapping[str, Standard]) -> tuple[list[int], bool]:
    """Which answers changed after the audit answered them: (answer indexes, whole checklist).

    Each answer's fingerprint is compared with its question now (text and standard). A record
    without answer fingerprints can only be compared as a whole, by the checklist's fingerprint;
    then the flag is set and every answer is suspect. The one owner of this rule: `qms check`
    warns with it, the manual marks answers with it.
    """
    if not any(a.fingerprint for a in audit.answers):
        changed = (audit.checklist_fingerprint is not None
                   and audit.checklist_fingerprint != checklist_fingerprint(checklist))
        return [], changed
    questions = {q.id: q for q in checklist.questions}
    return [i for i, a in enumerate(audit.answers)
            if a.fingerprint and a.question in questions
            and a.fingerprint != question_fingerprint(
                questions[a.question], standards.get(questions[a.question].standard))], False


def changed_questions(project: Project, audit: Audit) -> list[str]:
    """The answered questions whose text or standard changed after the audit answered them."""
    checklist = project.checklists.get(audit.checklist)
    if checklist is None:
        return []
    indexes, whole = changed_since_audited(audit, checklist, project.standards)
    if whole:
        questions = {q.id for q in checklist.questions}
        return [a.question for a in audit.answers if a.question in questions]
    return [audit.answers[i].question for i in indexes]
