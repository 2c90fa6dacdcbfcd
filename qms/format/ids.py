"""Ids: the patterns every id must match, and the making of new audit ids.

An id is only ever matched against its pattern and looked up; it is never a path or a glob.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from qms.base.errors import QmsError
from qms.base.safetext import visible
from qms.format.models import ID_PATTERN

_ID = re.compile(ID_PATTERN)
ID_SHAPE = ("an id is capital letters and digits in parts joined by hyphens, such as TEL-001, "
            "CL-PREMISES, AUD-20261015-NJR-7F3A or the finding AUD-20261015-NJR-7F3A-F2")


def is_id(text: str) -> bool:
    """Whether text is an id as the format writes them (AUD-20261015-NJR-7F3A, TEL-001, ...)."""
    return bool(_ID.fullmatch(text))  # fullmatch: `$` alone lets "TEL-001\n" through


def require_id(text: str, kind: str, listing: str) -> str:
    """text when it is an id; otherwise a QmsError saying what an id looks like.

    `kind` names what was asked for ("an audit"), `listing` the command that lists them.
    """
    if not is_id(text):
        raise QmsError(f"{visible(text)!r} is not {kind} id: {ID_SHAPE} (`{listing}` lists "
                       "them)")
    return text


def site_code(site: str) -> str:
    """A short code for a site: the initials of its words (Nanjing Road store -> NRS).

    A name without Latin letters or digits (南京路店) gets a code derived from a hash of the
    name, so different sites still get different codes.
    """
    words = re.findall(r"[A-Za-z0-9]+", site)
    code = "".join(w[0] for w in words).upper()[:4]
    return code or "S" + hashlib.sha256(site.strip().encode("utf-8")).hexdigest()[:3].upper()


def new_audit_id(site: str, when: datetime) -> str:
    """A new audit id: date, site code and 4 random hex digits, so clones never collide."""
    return f"AUD-{when:%Y%m%d}-{site_code(site)}-{secrets.token_hex(2).upper()}"
