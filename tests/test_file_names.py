"""A file whose name is not UTF-8 is reported by name (its bytes escaped) and skipped."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from qms.base.errors import QmsError
from qms.format.loadcache import cache_folder, load_valid_cached

STANDARD = r"standards/\xff\xfe.yaml"
MEASUREMENTS = r"audits/measurements/k\xe9.csv"


def misname(repo: Path) -> None:
    """A copy of TEL-001 (as TEL-901) and an empty KPI file, with names in no UTF-8."""
    text = (repo / "standards" / "telephone" / "TEL-001.yaml").read_bytes()
    with open(os.fsencode(repo / "standards") + b"/\xff\xfe.yaml", "wb") as handle:
        handle.write(text.replace(b"TEL-001", b"TEL-901"))
    with open(os.fsencode(repo / "audits" / "measurements") + b"/k\xe9.csv", "wb") as handle:
        handle.write(b"date,standard,measure,value\n")


def test_check_names_the_file_and_checks_the_rest(sample_repo: Path,
                                                  run: Callable[..., object]) -> None:
    misname(sample_repo)
    result = run("check", str(sample_repo))
    assert result.exit_code == 1, result.output
    assert f"{STANDARD}: error [file-name] the file name is not UTF-8" in result.output
    assert f"{MEASUREMENTS}: error [file-name]" in result.output
    assert "TEL-901" not in result.output  # skipped: not read, so not a duplicate of TEL-001
    assert "2 error(s)" in result.output
    issues = json.loads(run("check", "--format", "json", str(sample_repo)).output)
    assert {i["path"] for i in issues if i["code"] == "file-name"} == {STANDARD, MEASUREMENTS}


def test_due_names_it(sample_repo: Path, run: Callable[..., object]) -> None:
    misname(sample_repo)
    result = run("due", "-C", str(sample_repo))
    assert result.exit_code == 1, result.output
    assert f"{STANDARD}: error [file-name]" in result.output


def test_the_build_loader_names_it(sample_repo: Path) -> None:
    misname(sample_repo)
    with pytest.raises(QmsError) as caught:
        load_valid_cached(sample_repo, date(2026, 11, 23), cache_folder(sample_repo / "build"))
    assert f"{STANDARD}: error [file-name]" in str(caught.value)
