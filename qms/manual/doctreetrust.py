"""Sphinx's cache is pickles; unpickling runs code, so Sphinx reads only a cache qms vouches for.

After each Sphinx run qms writes a manifest of the SHA-256 of every file in the doctrees folder
(`environment.pickle` and the `.doctree` pickles), authenticated with the cache key
(qms.base.cachekey). Before the next run the files are hashed again and compared: a folder
committed to the repository, restored from a cache someone else filled, or changed in any way
since, fails, and is deleted so that Sphinx starts from nothing. Hashing costs about 0.1 s per
20 MB of doctrees, and only builds that run Sphinx pay it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from qms.base.cachekey import authentic, cache_key, mac
from qms.base.files import temporary_name

MANIFEST = "doctrees.json"  # in the build's state folder, next to the stamp
PURPOSE = "sphinx-doctrees"
Stat = tuple[int, int, int]  # size, modification and change time (ns)
Known = dict[str, tuple[Stat, str]]  # relative path -> (its stat when hashed, its SHA-256)


def _files(doctrees: Path) -> dict[str, Stat]:
    found: dict[str, Stat] = {}
    top = len(str(doctrees)) + 1
    for folder, _dirs, files in os.walk(doctrees):
        for name in files:
            path = os.path.join(folder, name)
            st = os.stat(path, follow_symlinks=False)
            found[path[top:]] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    return found


def _sha256(path: Path) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def verified(doctrees: Path, state: Path) -> Known | None:
    """The doctrees' files with their digests when the signed manifest vouches for every one
    (a missing folder is an empty, trusted one); None when it does not."""
    if not doctrees.exists():
        return {}
    try:
        tag, _, body = (state / MANIFEST).read_bytes().partition(b"\n")
        if not authentic(cache_key(), PURPOSE, body, tag.decode("ascii")):
            return None
        signed = json.loads(body)
        present = _files(doctrees)
        if not isinstance(signed, dict) or signed.keys() != present.keys():
            return None
        known: Known = {}
        for name, stat in present.items():
            digest = _sha256(doctrees / name)
            if digest != signed[name]:
                return None
            known[name] = (stat, digest)
        return known
    except (OSError, ValueError):  # no manifest, a damaged one, a file gone meanwhile
        return None


def forget(doctrees: Path) -> None:
    """Delete Sphinx's cache, so that Sphinx reads every page again."""
    shutil.rmtree(doctrees, ignore_errors=True)


def sign(doctrees: Path, state: Path, known: Known) -> None:
    """Write the manifest of the doctrees as Sphinx left them; files unchanged since they were
    verified keep their digest, the others are hashed."""
    digests = {}
    for name, stat in _files(doctrees).items():
        old = known.get(name)
        digests[name] = old[1] if old and old[0] == stat else _sha256(doctrees / name)
    body = json.dumps(digests, sort_keys=True, separators=(",", ":")).encode("utf-8")
    tag = mac(cache_key(), PURPOSE, body)
    state.mkdir(parents=True, exist_ok=True)
    target = state / MANIFEST
    temporary = temporary_name(target)
    temporary.write_bytes(tag.encode("ascii") + b"\n" + body)
    os.replace(temporary, target)
