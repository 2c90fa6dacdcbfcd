"""The secret that vouches for qms's caches, so a cache someone else wrote is never trusted.

A build folder can come from anywhere: committed to the repository by a pull request, or
restored from a CI cache another job filled. qms reads such a cache only when it carries an
HMAC-SHA256 made with a key that never lives in the repository: `QMS_CACHE_KEY` when set (a CI
secret, so jobs can share a cache), else a random per-user key kept with mode 0600 in
`$XDG_CACHE_HOME/qms/` (or `~/.cache/qms/`). When neither can be had, a key made for this one
process is used: caches are then trusted only within the process that wrote them.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qms.base.files import atomic_write

KEY_VARIABLE = "QMS_CACHE_KEY"
KEY_FILE = "cache-key"
KEY_BYTES = 32
_PROCESS_KEY = secrets.token_bytes(KEY_BYTES)


def key_file() -> Path:
    """Where this user's key lives: $XDG_CACHE_HOME/qms/cache-key, else ~/.cache/qms/cache-key."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec says to ignore a relative path: it would name a folder in the repository.
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "qms" / KEY_FILE


def cache_key() -> bytes:
    """The key caches are authenticated with (see the module docstring)."""
    given = os.environ.get(KEY_VARIABLE, "")
    if given:
        return hashlib.sha256(b"qms cache key\0" + given.encode("utf-8", "surrogateescape")
                              ).digest()
    try:
        return _user_key(key_file())
    except (OSError, RuntimeError):  # no home, a read-only one, or a key file not ours alone
        return _PROCESS_KEY


# What a MAC is made of: bytes, or parts of them one after the other (memoryviews of a file
# read: a cache of 15 MB is not copied to be joined).
Data = bytes | memoryview | Sequence[bytes | memoryview]


def mac(key: bytes, purpose: str, data: Data) -> str:
    """The HMAC-SHA256 (hex) of data for one purpose, so a tag made for one file kind cannot
    vouch for another."""
    digest = hmac.new(key, purpose.encode("utf-8") + b"\0", "sha256")
    for part in (data,) if isinstance(data, (bytes, memoryview)) else data:
        digest.update(part)
    return digest.hexdigest()


def authentic(key: bytes, purpose: str, data: Data, tag: str) -> bool:
    """Whether tag is the MAC of data for purpose (compared in constant time)."""
    return hmac.compare_digest(mac(key, purpose, data), tag)


# Files written or read with keep=True, as (their bytes, their data), by path and purpose: a
# process that reads one again (`qms serve`, every edit) decodes and checks it only when its
# bytes are not those. The data is shared: whoever keeps a file treats its data as read-only.
_KEPT: dict[tuple[Path, str], tuple[bytes, Any]] = {}


def write_signed(path: Path, purpose: str, data: Any, *, keep: bool = False) -> None:
    """Write data as JSON (atomically) with its MAC for one purpose, made with the cache key
    (keep: remembered for read_signed, with data itself)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = mac(cache_key(), purpose, body.encode("utf-8")) + "\n" + body
    # Not forced to the disk: a file a power cut damaged fails its MAC and is not used.
    atomic_write(path, text, durable=False)
    if keep:
        _KEPT[path, purpose] = (text.encode("utf-8"), data)


def read_signed(path: Path, purpose: str, *, keep: bool = False) -> Any:
    """The data of a file write_signed wrote for this purpose with this cache key (ValueError:
    not such a file; OSError: none). keep: the data of the same bytes read or written with
    keep before is given again, not decoded again (it is not to be changed)."""
    raw = path.read_bytes()
    kept = _KEPT.get((path, purpose)) if keep else None
    if kept is not None and kept[0] == raw:
        return kept[1]
    tag, _, body = raw.partition(b"\n")
    if not authentic(cache_key(), purpose, body, tag.decode("ascii", "replace")):
        raise ValueError("not signed with this cache key")
    data = json.loads(body)
    if keep:
        _KEPT[path, purpose] = (raw, data)
    return data


def _user_key(path: Path) -> bytes:
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(secrets.token_bytes(KEY_BYTES))
        with contextlib.suppress(FileExistsError):  # never replaces: two first runs agree
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as stream:
        status = os.fstat(stream.fileno())
        if hasattr(os, "getuid") and (status.st_uid != os.getuid() or status.st_mode & 0o077):
            raise RuntimeError(f"{path} is readable or owned by another user")
        key = stream.read(KEY_BYTES + 1)
    if len(key) != KEY_BYTES:
        raise RuntimeError(f"{path} does not hold a key")
    return key
