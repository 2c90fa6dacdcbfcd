"""`qms check` as a library call: load, validate, and return every issue in a stable order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from qms.base.issues import Issue, Severity, sort_issues
from qms.format.load import CONFIG_FILE, find_root, load_project, stop_on_errors
from qms.format.project import Project
from qms.format.validate import validate_project


@dataclass(frozen=True)
class CheckResult:
    """A loaded project and every issue found in it."""

    project: Project
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        """The issues that are errors."""
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        """The issues that are warnings."""
        return [i for i in self.issues if i.severity is Severity.WARNING]

    def failed(self, strict: bool = False) -> bool:
        """Whether the check fails: on errors, or on warnings too when strict."""
        return bool(self.errors) or (strict and bool(self.warnings))


def check(path: Path, today: date) -> CheckResult:
    """Load the repository at (or above) path and validate it; never writes a file."""
    root = find_root(path)
    project, issues = load_project(root, today)
    # Checks across files go by qms.yaml (grades, SQI categories, the survey scale, names):
    # while it has errors they would judge every file by the defaults instead and bury its
    # errors under thousands that follow from them. Its errors first, the rest once it is fixed.
    if not any(i.path == CONFIG_FILE and i.severity is Severity.ERROR for i in issues):
        issues.extend(validate_project(project))
    return CheckResult(project, sort_issues(issues))


def load_readable(path: Path, today: date) -> tuple[Project, int]:
    """Load a repository for a command that only shows it: what is valid, and how many errors
    the rest has (files with errors are left out; commands that write use load_valid)."""
    result = check(path, today)
    return result.project, len(result.errors)


def load_valid(path: Path, today: date) -> Project:
    """Load a repository for a command that needs valid data; errors stop it with a summary."""
    result = check(path, today)
    stop_on_errors(result.issues)
    return result.project
