"""The one owner of writing files: atomic replacement and the folder lock that serialises edits."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def atomic_write(path: Path, text: str) -> None:
    """Write text so that a crash leaves either the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


_HELD: set[str] = set()  # folders this process holds the lock of (edits may nest)


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on a folder while one of its files is edited.

    Two commands changing the same record at once (two terminals, a script) would otherwise
    both read it, and the second write would drop the first one's change. The lock is on the
    folder, not on the file, because a save replaces the file (and so its inode) by a rename.
    """
    key = str(folder.resolve())
    fd = None if key in _HELD else _lock(folder)
    if fd is not None:
        _HELD.add(key)
    try:
        yield
    finally:
        if fd is not None:
            _HELD.discard(key)
            os.close(fd)  # closing the descriptor releases the lock


def _lock(folder: Path) -> int | None:
    """An open descriptor of the folder holding its exclusive lock, or None where locks fail."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no flock; edits are not serialised
        return None
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a folder that cannot be opened for reading
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:  # e.g. ENOLCK on a network file system: edit without the lock
        os.close(fd)
        return None
    return fd
