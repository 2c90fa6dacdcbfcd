"""One invalid fixture per issue code: `qms check` reports exactly the expected lines."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from qms.base.issues import ISSUE_CODES, Severity
from qms.format.load import load_project
from qms.format.validate import validate_project

from .conftest import FIXTURES, TODAY, make_git_repo

INVALID = FIXTURES / "invalid"
CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())
# Codes that need more than a fixture file (a 5 MB file, a failing disk, a file name that is not
# UTF-8, which a checkout may not even create) have their own tests.
CODES_TESTED_ELSEWHERE = {"too-large", "unreadable", "file-name", "link-outside"}


def overlay(tmp_path: Path, case: str) -> Path:
    """The minimal valid repository with the files of one invalid case laid over it."""
    repo = tmp_path / case
    shutil.copytree(FIXTURES / "minimal", repo)
    shutil.copytree(INVALID / case, repo, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("expected.txt"))
    return make_git_repo(repo)


def test_the_minimal_fixture_is_clean(run: Callable[..., object]) -> None:
    result = run("check", "--strict", str(FIXTURES / "minimal"))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


@pytest.mark.parametrize("case", CASES)
def test_invalid_fixture_reports_exact_lines(
    case: str, tmp_path: Path, run: Callable[..., object]
) -> None:
    repo = overlay(tmp_path, case)
    expected = (INVALID / case / "expected.txt").read_text(encoding="utf-8")
    result = run("check", str(repo))
    assert result.stdout == expected
    assert f" [{case}] " in expected, "each fixture demonstrates the code it is named after"
    has_errors = " error [" in expected
    assert result.exit_code == (1 if has_errors else 0)
    strict = run("check", "--strict", str(repo))
    assert strict.exit_code == 1


def test_every_issue_code_has_a_fixture() -> None:
    assert set(CASES) == set(ISSUE_CODES) - CODES_TESTED_ELSEWHERE


@pytest.mark.parametrize("case", CASES)
def test_validation_without_warnings_finds_every_error(case: str, tmp_path: Path) -> None:
    # `qms build`'s cached load only needs the errors: it skips the checks that can only warn.
    project, _ = load_project(overlay(tmp_path, case), date.fromisoformat(TODAY))
    everything = list(validate_project(project))
    errors_only = list(validate_project(project, warnings=False))
    assert [i for i in errors_only if i.severity is Severity.ERROR] == [
        i for i in everything if i.severity is Severity.ERROR]
    assert all(issue in everything for issue in errors_only)


def test_validation_without_warnings_finds_errors_across_kinds(sample_repo: Path) -> None:
    # The sample has approved standards and warnings; errors made in a checklist
    # must still be found without the warnings.
    checklist = sample_repo / "audits" / "checklists" / "CL-COMPLAINTS.yaml"
    text = checklist.read_text(encoding="utf-8")
    checklist.write_text(text.replace("    standard: CMP-002\n", "    standard: CMP-999\n", 1)
                         + "  - {id: Q1, standard: CMP-004, ask: Twice?}\n", encoding="utf-8")
    project, _ = load_project(sample_repo, date.fromisoformat(TODAY))
    everything = list(validate_project(project))
    errors = [i for i in everything if i.severity is Severity.ERROR]
    assert {i.code for i in errors} >= {"unknown-reference", "duplicate-id"}
    assert any(i.severity is Severity.WARNING for i in everything)
    errors_only = list(validate_project(project, warnings=False))
    assert [i for i in errors_only if i.severity is Severity.ERROR] == errors
