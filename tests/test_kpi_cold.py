"""`qms kpi` on a fresh clone (no file cache): what it loads and computes, the same to the byte."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qms.format import loadcache
from qms.format.loadcache import LoadCache, cache_folder, load_valid_cached
from qms.measurement.kpi import pairwise_sum, xmr_limits

from .conftest import ROOT, TODAY, counting_reads

FINITE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(st.lists(FINITE, max_size=300))
def test_pairwise_sum_is_numpys_sum_to_the_last_bit(values: list[float]) -> None:
    assert pairwise_sum(values) == float(np.asarray(values, dtype=float).sum())


@given(st.lists(FINITE, min_size=2, max_size=60))
def test_xmr_limits_are_numpys_means_to_the_last_bit(values: list[float]) -> None:
    # the figures `qms kpi` printed when numpy worked them out: its mean of the first 20 values
    # and of their moving ranges
    base = np.asarray(values[:20], dtype=float)
    limits = xmr_limits(values)
    assert limits is not None
    assert limits.centre == float(base.mean())
    assert limits.mean_moving_range == float(np.abs(np.diff(base)).mean())


def test_kpi_loads_no_numpy(sample_repo: Path) -> None:
    # importing numpy took 0.1 s of a cold `qms kpi` at 5,000 standards, for means of 20 values
    code = ("import atexit, sys\nfrom qms.cli.main import main\n"
            "atexit.register(lambda: print('numpy' in sys.modules))\n"  # at the very end
            f"sys.argv = ['qms', 'kpi', '-C', {str(sample_repo)!r}, '--today', {TODAY!r}]\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    assert "TEL-001" in done.stdout
    assert done.stdout.split()[-1] == "False"


def test_a_fresh_clone_signs_each_file_from_the_bytes_it_parses(
        sample_repo: Path, run: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing cached: reading every file once more only to sign it would be wasted (it was
    # 0.06 s of the main process before the standards' workers started, at 5,000 standards).
    signed: list[Path] = []
    # No status is recorded (as for files written moments ago): the next run signs each file.
    monkeypatch.setattr(loadcache, "SETTLED_NS", 1 << 62)
    signing = loadcache.signature_and_status
    monkeypatch.setattr(loadcache, "signature_and_status",
                        lambda path: signed.append(path) or signing(path))
    assert run("kpi", "-C", str(sample_repo)).exit_code == 0
    assert signed == []
    cached = LoadCache(cache_folder(sample_repo / "build"), ("standard",)).entries
    standards = [p for p in (sample_repo / "standards").rglob("*.yaml")
                 if "planning" not in p.parts]
    assert len(cached) == len(standards) > 10
    for path in standards:  # each signature is the one a later run compares the file with
        kind, size, digest, _, _ = cached[path.relative_to(sample_repo).as_posix()]
        assert (kind, size, digest) == ("standard", *loadcache.bytes_signature(path.read_bytes()))
    read = counting_reads(monkeypatch)
    assert run("kpi", "-C", str(sample_repo)).exit_code == 0
    assert read == [[]]  # the next run takes every standard from the cache
    assert len(signed) == len(standards)


@pytest.mark.parametrize(("options", "code"), [((), 0), (("--fail",), 1)])
def test_kpi_ends_without_the_interpreters_teardown(sample_repo: Path, options: tuple[str, ...],
                                                   code: int) -> None:
    # freeing 5,000 standards' models and the rows one by one took 0.05 s after the table was out
    script = ("import os, sys\nreal_exit = os._exit\n"
              "def leave(code):\n    os.write(2, b'left without teardown')\n    real_exit(code)\n"
              "os._exit = leave\nfrom qms.cli.main import main\n"
              f"sys.argv = ['qms', 'kpi', '-C', {str(sample_repo)!r}, '--today', {TODAY!r}, "
              f"*{options!r}]\nmain()\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == code  # the sample has measures off target now: --fail says so
    assert done.stderr.endswith("left without teardown")
    assert done.stdout.endswith("\n") and done.stdout.count("\n") > 100  # flushed, whole
    assert ("off target" in done.stderr) is (code == 1)


def test_readings_of_unknown_measures_are_each_reported_in_file_order(
        sample_repo: Path, run: Callable[..., Any]) -> None:
    # only the readings of pairs no standard has are looked at one by one: every one of them is
    # still named, with its line, and the readings of real measures around them are not
    table = sample_repo / "audits" / "measurements" / "kpi-2026.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    lines[5:5] = ["2026-01-02,APP-001,uniform-complance,100,Xujiahui store,",
                  "2026-01-02,APP-999,uniform-compliance,100,Xujiahui store,"]
    lines.insert(40, "2026-01-09,APP-001,uniform-complance,99,Xujiahui store,")
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    checked = run("check", str(sample_repo))
    assert checked.exit_code == 1
    found = [line for line in checked.output.splitlines() if "kpi-2026.csv" in line]
    assert [line.split(":")[1] for line in found] == ["6", "7", "41"]
    assert "APP-001 has no measure 'uniform-complance' (did you mean 'uniform-compliance'?)" \
        in found[0] and "the standard APP-999 does not exist" in found[1]
    assert "APP-001 has no measure 'uniform-complance'" in found[2]


def test_a_fresh_clones_build_load_caches_signatures_a_second_load_can_match(
        sample_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the build's load keeps the parsed data and validates in this process: it signs the files
    # itself, and what it caches must match the files next time (not an "unreadable" mark)
    folder = cache_folder(sample_repo / "build")
    read = counting_reads(monkeypatch)
    first = load_valid_cached(sample_repo, date.fromisoformat(TODAY), folder)
    second = load_valid_cached(sample_repo, date.fromisoformat(TODAY), folder)
    assert len(read[0]) > 20 and read[1] == []
    assert second.standards.keys() == first.standards.keys()
