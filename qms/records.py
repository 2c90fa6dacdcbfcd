"""Audit records on disk: collision-free ids and where a new record is written."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from pathlib import Path


def site_code(site: str) -> str:
    """A short code for a site: the initials of its words (Nanjing Road store -> NRS)."""
    words = re.findall(r"[A-Za-z0-9]+", site)
    code = "".join(w[0] for w in words).upper()[:4]
    return code or "SITE"


def new_audit_id(site: str, when: datetime) -> str:
    """A new audit id: date, site code and 4 random hex digits, so clones never collide."""
    return f"AUD-{when:%Y%m%d}-{site_code(site)}-{secrets.token_hex(2).upper()}"


def record_path(records_folder: Path, audit_id: str, when: datetime) -> Path:
    """Where a new audit record is written: one file per audit, in a folder per year."""
    return records_folder / f"{when:%Y}" / f"{audit_id}.yaml"
