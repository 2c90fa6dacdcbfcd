"""Caches run no code: qms's file cache is authenticated data, Sphinx's pickles are read only
when qms vouches for them, and a cache made by other code or libraries is not used."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pydantic_core
import pytest

from qms.base.cachekey import key_file, read_signed, write_signed
from qms.manual import buildstate

from .conftest import ROOT, counting_reads
from .manual_helpers import build_once, move_standard

Run = Callable[..., Any]
TITLE = b"Wear the name badge"  # APP-002's title, which `qms due` shows


class Plant:
    """A pickle that, when loaded, creates a file: proof that unpickling ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


@pytest.fixture(autouse=True)
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own per-user key, not the one in the real home folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv("QMS_CACHE_KEY", raising=False)


def due_json(repo: Path, run: Run) -> str:
    result = run("due", "-C", str(repo), "--format", "json")
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def cache_of(repo: Path) -> Path:
    return repo / "build" / ".qms" / "cache"


def test_the_key_file_is_made_private(sample_repo: Path, run: Run) -> None:
    due_json(sample_repo, run)
    assert key_file().stat().st_mode & 0o777 == 0o600
    assert len(key_file().read_bytes()) == 32


def test_a_malicious_pickle_in_the_cache_runs_nothing(sample_repo: Path, run: Run,
                                                      tmp_path: Path) -> None:
    expected = due_json(sample_repo, run)
    marker = tmp_path / "code-ran"
    poison = pickle.dumps(Plant(marker))
    for shard in range(32):  # every name a shard has had: the old pickles and the new files
        for name in (f"load-{shard:02d}.pickle", f"load-{shard:02d}.json"):
            (cache_of(sample_repo) / name).write_bytes(poison)
    assert due_json(sample_repo, run) == expected
    assert not marker.exists()


def test_a_tampered_cache_entry_is_ignored(sample_repo: Path, run: Run) -> None:
    expected = due_json(sample_repo, run)
    assert TITLE.decode() in expected
    tampered = 0
    for shard in cache_of(sample_repo).iterdir():
        data = shard.read_bytes()
        if TITLE in data:  # the same length, so the shard still parses
            shard.write_bytes(data.replace(TITLE, b"Wear the name BADGE"))
            tampered += 1
    assert tampered == 1
    assert due_json(sample_repo, run) == expected


def test_a_cache_written_with_another_key_is_not_used(sample_repo: Path, run: Run,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QMS_CACHE_KEY", "one CI secret")
    due_json(sample_repo, run)
    read = counting_reads(monkeypatch)
    due_json(sample_repo, run)
    assert read[-1] == []  # the same key: every file from the cache
    monkeypatch.setenv("QMS_CACHE_KEY", "another secret")
    due_json(sample_repo, run)
    assert len(read[-1]) > 10


def test_a_cache_from_other_qms_code_is_ignored(sample_repo: Path, run: Run, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Another qms: the same package with one module changed (not the models), as after an
    # upgrade that changes how files are read.
    other = tmp_path / "other"
    shutil.copytree(ROOT / "qms", other / "qms", ignore=shutil.ignore_patterns("__pycache__"))
    with (other / "qms" / "format" / "validate.py").open("a", encoding="utf-8") as stream:
        stream.write("\n# another version of qms\n")
    shutil.rmtree(cache_of(sample_repo), ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "-c", "import qms, sys; from qms.cli.main import main;"
         "assert qms.__file__.startswith(sys.argv[1]); sys.argv[1:2] = []; main()",
         str(other), "due", "-C", str(sample_repo)],
        env={**os.environ, "PYTHONPATH": str(other)}, cwd=tmp_path, capture_output=True,
        text=True)
    assert done.returncode == 0, done.stderr
    assert list(cache_of(sample_repo).glob("load-*"))  # the other qms filled the cache
    read = counting_reads(monkeypatch)
    due_json(sample_repo, run)
    assert len(read[-1]) > 10


def test_a_cache_from_another_pydantic_core_is_ignored(sample_repo: Path, run: Run,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    due_json(sample_repo, run)
    read = counting_reads(monkeypatch)
    monkeypatch.setattr(pydantic_core, "__version__", "0.0.1")
    due_json(sample_repo, run)
    assert len(read[-1]) > 10


# ------------------------------------------------------------------ Sphinx's pickles


def _edit_a_standard(repo: Path) -> None:
    # The standard moves to the other encounter (and back): more than cards change on the two
    # encounters' pages, so Sphinx runs.
    target = repo / "standards" / "desk" / "DSK-003.yaml"
    here = "Reception" not in target.read_text(encoding="utf-8")
    move_standard(repo, "DSK-003", "Reception" if here else "Waiting area")


def test_a_planted_environment_pickle_runs_nothing(fixture_repo: Callable[[str], Path],
                                                   tmp_path: Path) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo)
    marker = tmp_path / "code-ran"
    (repo / "build" / "doctrees" / "environment.pickle").write_bytes(
        pickle.dumps(Plant(marker)))
    _edit_a_standard(repo)  # so that Sphinx runs
    result, lines = build_once(repo)
    assert not marker.exists()
    assert result.sphinx_ran and result.index.is_file()
    assert len([line for line in lines if "Sphinx's cache was not written" in line]) == 1
    # What this build wrote is trusted: the next one reads only what changed.
    _edit_a_standard(repo)
    again, lines = build_once(repo)
    assert again.sphinx_ran
    assert not [line for line in lines if "Sphinx's cache" in line]


def test_doctrees_signed_with_another_key_are_not_read(fixture_repo: Callable[[str], Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    repo = fixture_repo("manual-small")
    monkeypatch.setenv("QMS_CACHE_KEY", "the CI secret")
    build_once(repo)
    _edit_a_standard(repo)
    _, lines = build_once(repo)
    assert not [line for line in lines if "Sphinx's cache" in line]
    monkeypatch.setenv("QMS_CACHE_KEY", "someone else's secret")
    _edit_a_standard(repo)
    result, lines = build_once(repo)
    assert [line for line in lines if "Sphinx's cache was not written" in line]
    assert result.sphinx_ran and result.index.is_file()


@pytest.mark.parametrize("library", ["sphinx", "docutils", "furo"])
def test_upgrading_a_sphinx_library_rebuilds_the_manual(
        library: str, fixture_repo: Callable[[str], Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The stamp reads the libraries' versions from their installed metadata (importing them
    # would cost a no-change build more than the rest of it): an upgrade changes that.
    repo = fixture_repo("manual-small")
    build_once(repo)
    assert build_once(repo)[0].up_to_date
    installed = metadata.version
    monkeypatch.setattr(buildstate.metadata, "version",
                        lambda name: "0.0.1" if name == library else installed(name))
    result, _ = build_once(repo)
    assert not result.up_to_date and result.sphinx_ran


def test_a_kept_signed_file_is_trusted_only_while_its_bytes_are_the_same(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_signed(path, "test", {"pages": [1, 2]}, keep=True)
    assert read_signed(path, "test", keep=True) == {"pages": [1, 2]}
    kept = read_signed(path, "test", keep=True)
    assert read_signed(path, "test", keep=True) is kept  # the same bytes: not decoded again
    # another writer (another process) with other data: read as it is now
    write_signed(path, "test", {"pages": [3]})
    assert read_signed(path, "test", keep=True) == {"pages": [3]}
    # bytes planted over a kept file: checked again, and refused
    tag, _, body = path.read_bytes().partition(b"\n")
    path.write_bytes(tag + b"\n" + body.replace(b"3", b"4"))
    with pytest.raises(ValueError, match="not signed"):
        read_signed(path, "test", keep=True)
    # and a file kept for one purpose is not another purpose's
    write_signed(path, "test", {"pages": [5]}, keep=True)
    with pytest.raises(ValueError, match="not signed"):
        read_signed(path, "other", keep=True)
