"""The one owner of writing files: atomic replacement and the folder lock that serialises edits."""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

# `.NAME.PID.TOKEN.tmp`: the writer's pid tells a later write whether the writer is gone.
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<pid>[1-9][0-9]{0,9})\.(?P<token>[0-9a-f]{8})\.tmp$")
STALE_AFTER = 60.0  # seconds: no write of one file takes this long between create and rename
_SWEPT: set[str] = set()  # folders this process has cleared of stale temporary files


def temporary_name(path: Path) -> Path:
    """The hidden name a new version of path is written under before it replaces path."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def atomic_write(path: Path, text: str | bytes | Iterable[str], durable: bool = True) -> None:
    """Write text (or its parts in order, or bytes) so that a crash leaves either the old
    file or the new one, never half.

    A rewritten file keeps its permissions; a new one gets those the umask gives (0644 under
    the usual umask 022), as any editor would create it. Parts spare a large file's whole text
    in memory. Durable (the default, for what a user wrote): the bytes and the rename are on
    the disk before this returns, so a power cut keeps them too. Not durable (what a build
    derives, as Sphinx writes its own files): a stopped process still leaves the old file or
    the new one, and a power cut may leave one the next build does not trust (signed files)
    or that `qms build --clean` writes again; an edit's build then waits for no disk.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path.parent)
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    tmp = temporary_name(path)
    # 0o666 before the umask: the kernel applies it, as it does for any new file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode is not None:
                os.chmod(fd if os.chmod in os.supports_fd else tmp, mode)
            for part in [text] if isinstance(text, (str, bytes)) else text:
                handle.write(part if isinstance(part, bytes) else part.encode("utf-8"))
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if not durable:
        return
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_stale_temporaries(folder: Path) -> None:
    """Delete what a killed write left in folder: only qms's own temporary names, only stale."""
    key = str(folder)
    if key in _SWEPT:  # once per folder and process: a folder of records is written often
        return
    _SWEPT.add(key)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        with suppress(OSError):  # gone meanwhile, or not ours to delete: leave it
            if not _alive(int(match["pid"])) or now - entry.stat().st_mtime > STALE_AFTER:
                os.unlink(entry.path)


def _alive(pid: int) -> bool:
    """Whether a process with this pid exists (on this machine)."""
    if os.name == "nt":  # pragma: no cover - signal 0 is CTRL_C_EVENT there: rely on the age
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # it exists under another user, or cannot be asked about
        return True
    return True
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
