"""Every kind of file qms reads, by name, with its model (the file cache and the JSON Schemas
go by it)."""

from __future__ import annotations

from qms.format.config import Config
from qms.format.models import Audit, Checklist, Model, Plan, Standard

KINDS: dict[str, type[Model]] = {
    "config": Config,
    "standard": Standard,
    "plan": Plan,
    "checklist": Checklist,
    "audit": Audit,
}
