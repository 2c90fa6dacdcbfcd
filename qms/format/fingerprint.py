"""Content fingerprints: what was approved or audited, so later edits show as suspect."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from qms.format.models import Checklist, Question, Standard

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
