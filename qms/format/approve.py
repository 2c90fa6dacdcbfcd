"""`qms approve`: record an approval and the fingerprint of the content approved."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, cast

from ruamel.yaml.comments import CommentedMap

from qms.base.errors import QmsError
from qms.base.yamledit import set_key, update_file
from qms.format.check import load_valid
from qms.format.fingerprint import standard_fingerprint
from qms.format.ids import require_id
from qms.format.models import Approval, Standard
from qms.format.schema import did_you_mean

# The cast: pydantic before 2.11 types model_fields on the class as a method, not a mapping.
STANDARD_KEYS: tuple[str, ...] = tuple(cast("dict[str, Any]", Standard.model_fields))
APPROVAL_KEYS: tuple[str, ...] = tuple(cast("dict[str, Any]", Approval.model_fields))


def approve(repo: Path, standard_id: str, approver: str, on: date) -> Path:
    """Mark a standard approved with by/on/fingerprint; comments in its file are kept."""
    require_id(standard_id, "a standard", "qms list standards")
    project = load_valid(repo, on)
    standard = project.standards.get(standard_id)
    if standard is None:
        hint = did_you_mean(standard_id, list(project.standards))
        raise QmsError(f"no standard has the id {standard_id}{hint}; `qms list standards` "
                       "lists them")
    if standard.status == "retired":
        raise QmsError(f"{standard_id} is retired; a retired standard cannot be approved")
    path = project.root / project.sources[standard_id].path
    fingerprint = standard_fingerprint(standard)

    approval = {"by": approver, "on": on, "fingerprint": fingerprint}

    def change(doc: Any) -> None:
        # Key by key, so comments on the lines that stay (and the file's closing comment) stay.
        set_key(doc, "status", "approved", STANDARD_KEYS)
        node = doc.get("approval")
        if not isinstance(node, CommentedMap):
            set_key(doc, "approval", CommentedMap(approval), STANDARD_KEYS)
            return
        for key, value in approval.items():
            set_key(node, key, value, APPROVAL_KEYS)

    update_file(path, change)
    return path
