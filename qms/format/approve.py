"""`qms approve`: record an approval and the fingerprint of the content approved."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from qms.base.errors import QmsError
from qms.base.yamledit import update_file
from qms.format.check import load_valid
from qms.format.fingerprint import standard_fingerprint


def approve(repo: Path, standard_id: str, approver: str, on: date) -> Path:
    """Mark a standard approved with by/on/fingerprint; comments in its file are kept."""
    project = load_valid(repo, on)
    standard = project.standards.get(standard_id)
    if standard is None:
        raise QmsError(f"no standard has the id {standard_id}")
    if standard.status == "retired":
        raise QmsError(f"{standard_id} is retired; a retired standard cannot be approved")
    path = project.root / project.sources[standard_id].path
    fingerprint = standard_fingerprint(standard)

    def change(doc: dict) -> None:
        doc["status"] = "approved"
        doc["approval"] = {"by": approver, "on": on, "fingerprint": fingerprint}

    update_file(path, change)
    return path
