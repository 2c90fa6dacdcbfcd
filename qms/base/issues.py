"""Issues: what validators yield instead of raising (after doorstop)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum

from qms.base.safetext import visible


class Severity(StrEnum):
    """How bad an issue is: errors fail `qms check`, warnings only with --strict."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Issue:
    """One thing wrong (or worth knowing) at one place in the repository."""

    path: str
    line: int
    severity: Severity
    code: str
    message: str
    column: int | None = None

    def render(self) -> str:
        """Format as `path:line: severity [code] message` (column after the line if known)."""
        place = f"{self.path}:{self.line}" if self.line else self.path
        if self.column:
            place += f":{self.column}"
        # paths and messages quote the repository's text: no control character reaches a terminal
        return visible(f"{place}: {self.severity.value} [{self.code}] {self.message}")

    def as_dict(self) -> dict[str, object]:
        """The issue as a JSON-ready mapping (the same fields as the text line)."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def error(path: str, line: int, code: str, message: str, column: int | None = None) -> Issue:
    """Build an error issue."""
    return Issue(path, line, Severity.ERROR, code, message, column)


def warning(path: str, line: int, code: str, message: str) -> Issue:
    """Build a warning issue."""
    return Issue(path, line, Severity.WARNING, code, message)


def sort_issues(issues: Iterable[Issue]) -> list[Issue]:
    """Issues in a stable order: by file, then line, then code."""
    return sorted(issues, key=lambda i: (i.path, i.line, i.code, i.message))


def issues_to_json(issues: Iterable[Issue]) -> str:
    """The issues as a JSON list, for CI annotations."""
    return json.dumps([i.as_dict() for i in issues], ensure_ascii=False, indent=2)


# Every code qms can report, with what it means. The docs and a test are built from this table.
ISSUE_CODES: dict[str, str] = {
    "unreadable": "a file cannot be read (permissions, a disk error)",
    "too-large": "a file is larger than qms reads (5 MB)",
    "binary": "a file is not text (it contains NUL bytes)",
    "encoding": "a file is not valid UTF-8",
    "link-outside": "a symbolic link leads outside the repository; it is not read",
    "file-name": "a file name is not valid UTF-8 (the file is skipped)",
    "stray-file": "a YAML or CSV file lies where qms reads no files (it is skipped)",
    "syntax": "the YAML (or CSV) cannot be parsed",
    "too-deep": "the YAML nests deeper than any QMS file needs",
    "alias": "the YAML uses anchors and aliases (&name / *name), which qms does not accept",
    "unsupported-tag": "the YAML uses a tag such as !!python/object",
    "duplicate-key": "a mapping names the same key twice",
    "empty": "a file is empty",
    "not-a-mapping": "a file's top level is not a mapping of fields",
    "missing-field": "a required field is absent",
    "unknown-field": "a field that this kind of file does not have (with a did-you-mean)",
    "wrong-type": "a value of the wrong type (text where a list belongs, ...)",
    "bad-value": "a value outside its enumeration or range",
    "bad-id": "an id that does not match the id pattern",
    "bad-date": "a date or time that is not a real date",
    "duplicate-id": "two files (or two entries) share an id",
    "unknown-reference": "a reference to an id that does not exist",
    "bad-clause": "an ISO 9001:2015 clause number that does not exist",
    "hard-without-target": "a hard standard without a measure with a numeric target",
    "capa-required": "a finding whose grade requires a CAPA has none",
    "capa-not-allowed": "a finding whose grade allows no CAPA has one",
    "capa-state": "a CAPA state that breaks the CAPA rules",
    "finding-mismatch": "a finding's standard or question does not match its checklist",
    "incomplete-audit": "a completed audit leaves questions unanswered",
    "csv-header": "a CSV file's header is not the one its kind needs",
    "csv-value": "a CSV cell that cannot be read (number, date, category)",
    "survey-scale": "a survey answer outside servqual.scale",
    "importance-sum": "a respondent's importance points do not sum to 100",
    "sqi-volume": "rows of one day disagree on that day's volume",
    "review-overdue": "a standard is past its review date",
    "action-overdue": "a planning action is past its due date and still open",
    "capa-overdue": "a CAPA is past its due date and not closed",
    "changed-since-approval": "an approved standard changed since its approval fingerprint",
    "uncovered-standard": "an approved standard that no checklist question audits",
    "retired-standard-checked": "a checklist question audits a retired standard",
    "changed-since-audited": "a question (or its standard) changed after an audit answered it",
    "missing-finding": "a nonconforming answer without a finding",
    "encounter-not-listed": "qms.yaml lists encounters (manual.encounters) but leaves out one "
    "that standards have",
    "unknown-encounter": "manual.encounters names an encounter no standard has (a typo?)",
    "duplicate-encounter": "manual.encounters names one encounter twice",
    "unknown-name": "manual.names names something no encounter, owner, approver, site or SQI "
    "category is called",
    "missing-translation": "a text written per language lacks one of manual.languages",
}
