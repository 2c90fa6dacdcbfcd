"""Writing files: permissions stay as the person set them; a killed write leaves nothing behind."""

from __future__ import annotations

import os
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qms.base.files import atomic_write, temporary_name
from qms.base.yamledit import edit


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.parametrize("mode", [0o644, 0o664, 0o600, 0o755], ids=oct)
def test_an_edited_file_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "TEL-001.yaml"
    path.write_text("id: TEL-001\nstatus: draft\n", encoding="utf-8")
    path.chmod(mode)
    with edit(path) as doc:
        doc["status"] = "approved"
    assert path.read_text(encoding="utf-8") == "id: TEL-001\nstatus: approved\n"
    assert mode_of(path) == mode


def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "records" / "AUD-1.yaml"
    atomic_write(path, "id: AUD-1\n")
    assert mode_of(path) == 0o666 & ~0o022


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_what_a_killed_write_left_is_removed_on_the_next_write(tmp_path: Path) -> None:
    path = tmp_path / "AUD-1.yaml"
    path.write_text("id: AUD-1\nstatus: open\n", encoding="utf-8")
    killed = tmp_path / f".AUD-1.yaml.{dead_pid()}.0a1b2c3d.tmp"
    old = tmp_path / f".AUD-2.yaml.{os.getppid()}.deadbeef.tmp"  # a live pid, but long ago
    fresh = temporary_name(tmp_path / "AUD-3.yaml")  # a write in progress in this process
    users = [tmp_path / name for name in (
        ".AUD-1.yaml.tmp", ".AUD-1.yaml.k2j3h4g5.tmp", "AUD-1.yaml.1.0a1b2c3d.tmp",
        f".AUD-1.yaml.{dead_pid()}.0a1b2c3d.tmp.bak", ".notes.tmp")]
    for leftover in (killed, old, fresh, *users):
        leftover.write_text("partial", encoding="utf-8")
    an_hour_ago = time.time() - 3600
    for aged in (old, *users):
        os.utime(aged, (an_hour_ago, an_hour_ago))
    with edit(path) as doc:
        doc["status"] = "closed"
    assert not killed.exists()
    assert not old.exists()
    assert fresh.exists()
    assert all(user.exists() for user in users)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == sorted(
        p.name for p in (fresh, *users) if p.name.endswith(".tmp"))


def test_check_does_not_report_a_left_temporary_file(sample_repo: Path,
                                                     run: Callable[..., object]) -> None:
    leftover = sample_repo / "standards" / "telephone" / f".TEL-001.yaml.{dead_pid()}.0a1b2c3d.tmp"
    leftover.write_text("id: TEL-001\nstatus: [\n", encoding="utf-8")
    result = run("check", str(sample_repo))
    assert result.exit_code == 0, result.output
    assert ".tmp" not in result.output


def test_what_a_user_wrote_is_forced_to_disk_and_what_a_build_derives_is_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A record (yamledit, the default) survives a power cut: its bytes and its folder's entry
    # are synced. A build's files (durable=False) are only replaced atomically.
    synced: list[str] = []
    real_fsync = os.fsync

    def noting(descriptor: int) -> None:
        synced.append("folder" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "file")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", noting)
    record = tmp_path / "AUD-1.yaml"
    atomic_write(record, "id: AUD-1\n")
    assert synced == ["file", "folder"]
    synced.clear()
    page = tmp_path / "build" / "searchindex.js"
    atomic_write(page, "Search.setIndex({})", durable=False)
    assert synced == []
    assert page.read_text(encoding="utf-8") == "Search.setIndex({})"
    assert [p.name for p in page.parent.iterdir()] == ["searchindex.js"]  # no temporary left
