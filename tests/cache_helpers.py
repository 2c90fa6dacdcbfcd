"""Changing an entry of qms's load cache as someone with the build folder could."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qms.base.cachekey import cache_key, mac
from qms.format import loadcache


def rewrite_entry(shard: Path, shown: str, field: int, value: Any, sign: bool = True) -> bool:
    """Set one field of a file's entry in a shard (the layout of LoadCache._entries: format,
    version, MAC, then a "kind JSON" line per kind), signed again with qms's own key when
    `sign` (what only qms, holding the key, can do); whether the shard holds the file."""
    header, version, tag, body = shard.read_bytes().split(b"\n", 3)
    lines = []
    found = False
    for line in body.splitlines():
        kind, _, models = line.partition(b" ")
        entries = json.loads(models)
        if shown in entries:
            entries[shown][field] = value
            found = True
        lines.append(kind + b" " + json.dumps(entries, ensure_ascii=False).encode() + b"\n")
    body = b"".join(lines)
    if sign:
        tag = mac(cache_key(), loadcache.PURPOSE, version + b"\n" + body).encode()
    shard.write_bytes(b"\n".join((header, version, tag, body)))
    return found
