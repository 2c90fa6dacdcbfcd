"""The file cache's status shortcut: a file whose recorded status (times, inode, device) still
holds is not read again, and no edit is ever missed for it."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from qms.format import loadcache
from qms.format.loadcache import LoadCache, cache_folder, load_valid_cached

from .cache_helpers import rewrite_entry
from .conftest import TODAY, counting_reads

STANDARD = "standards/appearance/APP-002.yaml"
BEFORE, AFTER = b"Wear the name badge", b"Wear the name BADGE"  # the same size


@pytest.fixture(autouse=True)
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own per-user key, not the one in the real home folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv("QMS_CACHE_KEY", raising=False)


@pytest.fixture
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Statuses are recorded for files a tick older than the signing, not two seconds older:
    the tests need not wait for the files they just wrote to settle."""
    monkeypatch.setattr(loadcache, "SETTLED_NS", 0)
    time.sleep(0.05)  # past a coarse clock tick since the fixture wrote the files


def load(repo: Path) -> Any:
    return load_valid_cached(repo, date.fromisoformat(TODAY), cache_folder(repo / "build"))


def english_title(project: Any, standard_id: str = "APP-002") -> str:
    return str(project.standards[standard_id].title.texts["en"])


def recorded(repo: Path, shown: str = STANDARD) -> Any:
    return LoadCache(cache_folder(repo / "build")).entries[shown][3]


def edit_keeping_size_and_mtime(path: Path) -> None:
    before = path.stat()
    data = path.read_bytes()
    assert BEFORE in data
    with path.open("r+b") as stream:  # in place: the same inode
        stream.write(data.replace(BEFORE, AFTER))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size, before.st_mtime_ns, before.st_ino)


def test_an_unchanged_file_is_not_read_again(sample_repo: Path, settled_at_once: None,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    load(sample_repo)
    load(sample_repo)  # the first load's statuses were those of freshly written files
    assert recorded(sample_repo) is not None
    hashed = counting_hashes(monkeypatch)
    read = counting_reads(monkeypatch)
    assert english_title(load(sample_repo)).startswith("Wear the name badge")
    assert hashed == [] and read == [[]]


def test_an_edit_that_keeps_size_and_mtime_is_seen(sample_repo: Path, settled_at_once: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    load(sample_repo)
    assert recorded(sample_repo) is not None  # the shortcut would apply
    edit_keeping_size_and_mtime(sample_repo / STANDARD)  # its change time moves all the same
    read = counting_reads(monkeypatch)
    assert english_title(load(sample_repo)).startswith("Wear the name BADGE")
    assert read == [[STANDARD]]


def frozen_times(monkeypatch: pytest.MonkeyPatch, nanoseconds: int,
                 clock_stopped: bool = False) -> None:
    # A filesystem whose clock does not move between two writes (coarse timestamps): the
    # standard's status reads the same before and after an edit of the same size. With the
    # clock stopped, the cache signs files in that same tick too.
    real_status, real_signature = loadcache.status_of, loadcache.signature_and_status
    if clock_stopped:
        monkeypatch.setattr(loadcache, "filesystem_now", lambda folder: nanoseconds)

    def frozen(path: Path, found: Any) -> Any:
        if found is None or not str(path).endswith(STANDARD):
            return found
        return SimpleNamespace(st_size=found.st_size, st_ino=found.st_ino, st_dev=found.st_dev,
                               st_mtime_ns=nanoseconds, st_ctime_ns=nanoseconds)

    def signature_and_status(path: Path) -> Any:
        signed, found = real_signature(path)
        return signed, frozen(path, found)

    monkeypatch.setattr(loadcache, "status_of", lambda path: frozen(path, real_status(path)))
    monkeypatch.setattr(loadcache, "signature_and_status", signature_and_status)


def counting_hashes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record the files whose bytes the cache reads to sign them."""
    hashed: list[Path] = []
    real = loadcache.signature_and_status

    def counting(path: Path) -> Any:
        hashed.append(path)
        return real(path)

    monkeypatch.setattr(loadcache, "signature_and_status", counting)
    return hashed


def test_an_edit_in_the_tick_of_the_signing_is_seen(sample_repo: Path, settled_at_once: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # "Racily clean": the file was written in the same tick as the cache signed it, then edited
    # within that tick. Its times are not older than the signing, so no status is recorded.
    frozen_times(monkeypatch, time.time_ns(), clock_stopped=True)
    load(sample_repo)
    assert recorded(sample_repo) is None
    edit_keeping_size_and_mtime(sample_repo / STANDARD)
    assert english_title(load(sample_repo)).startswith("Wear the name BADGE")


def test_a_recorded_status_is_what_spares_the_read(sample_repo: Path, settled_at_once: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # The control of the test above: with times long past, the status is recorded, and the
    # same status after the edit is taken at its word (which is why recent times are not).
    frozen_times(monkeypatch, 1)
    load(sample_repo)
    assert recorded(sample_repo) == (1, 1, *recorded(sample_repo)[2:])
    edit_keeping_size_and_mtime(sample_repo / STANDARD)
    assert english_title(load(sample_repo)).startswith("Wear the name badge")


def _shard_with(repo: Path, shown: str) -> Path:
    for shard in cache_folder(repo / "build").glob("load-*.json"):
        if f'"{shown}"'.encode() in shard.read_bytes():
            return shard
    raise AssertionError(f"no shard holds {shown}")


@pytest.mark.parametrize("sign", [False, True])
def test_a_tampered_status_is_not_trusted(sample_repo: Path, settled_at_once: None,
                                          monkeypatch: pytest.MonkeyPatch, sign: bool) -> None:
    # Someone who can write the build folder edits a file, then sets its recorded status to the
    # edited file's, so that qms would skip reading it: the MAC no longer matches, the shard
    # is not used. (Signed with qms's own key, the same status is trusted: the control.)
    load(sample_repo)
    path = sample_repo / STANDARD
    edit_keeping_size_and_mtime(path)
    now = path.stat()
    rewrite_entry(_shard_with(sample_repo, STANDARD), STANDARD, 2,
                    [now.st_mtime_ns, now.st_ctime_ns, now.st_ino, now.st_dev], sign)
    read = counting_reads(monkeypatch)
    title = english_title(load(sample_repo))
    assert title.startswith("Wear the name badge" if sign else "Wear the name BADGE")
    assert (STANDARD in read[0]) is not sign
    assert len(read[0]) > 1 or sign  # the whole shard is read again, not only the edited file


def test_a_checkout_that_rewrites_every_file_reuses_every_model(
        sample_repo: Path, settled_at_once: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # git checkout, or a fresh clone over a kept build folder: every file is written anew (new
    # times, new inode) with the same bytes. The cache is keyed on content: nothing is parsed.
    first = load(sample_repo)
    files = [p for p in sample_repo.rglob("*.yaml") if "build" not in p.parts]
    for path in files:
        data = path.read_bytes()
        path.unlink()
        path.write_bytes(data)
    read = counting_reads(monkeypatch)
    again = load(sample_repo)
    assert read == [[]]
    assert again.standards == first.standards and again.audits == first.audits
    time.sleep(0.05)
    load(sample_repo)  # the new statuses were recorded: the next load reads no file at all
    hashed = counting_hashes(monkeypatch)
    load(sample_repo)
    assert hashed == []


def test_a_status_is_recorded_only_once_the_file_is_older_than_the_signing(
        tmp_path: Path) -> None:
    path = tmp_path / "file.yaml"
    path.write_bytes(b"id: X-1\n")
    status = path.stat()
    signed = loadcache.signature(path)
    newest = max(status.st_mtime_ns, status.st_ctime_ns)
    settled = newest + loadcache.SETTLED_NS + 1
    assert loadcache.settled(status, signed, settled) == (
        status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev)
    assert loadcache.settled(status, signed, settled - 1) is None  # within the margin
    assert loadcache.settled(status, (signed[0] + 1, signed[1]), settled) is None  # it grew
    assert loadcache.settled(None, signed, settled) is None


def test_no_status_is_recorded_where_ctime_is_not_the_last_change(
        sample_repo: Path, settled_at_once: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # (Windows: st_ctime is the creation time, which an edit does not move.)
    monkeypatch.setattr(loadcache, "RECORD_STATUSES", False)
    load(sample_repo)
    load(sample_repo)
    assert {entry[3] for entry in LoadCache(cache_folder(sample_repo / "build")).entries.values()
            } == {None}
    edit_keeping_size_and_mtime(sample_repo / STANDARD)
    assert english_title(load(sample_repo)).startswith("Wear the name BADGE")
