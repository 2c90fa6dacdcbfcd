"""Helpers shared by the audit tests: reading records, finding the audit id, running `qms check`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from qms.base.yamlread import parse

ID_IN_OUTPUT = re.compile(r"started (AUD-\d{8}-[A-Z0-9]+-[0-9A-F]{4})")

PREMISES_CSV = (
    "question,result,note,grade,statement,evidence,owner,due\n"
    "Q1,conform,Floors and mirrors clean; round sheets signed.,,,,,\n"
    "Q2,nonconform,3 of 30 tickets wrong.,minor,Three price tickets did not match the POS.,"
    "Price-ticket sample sheet,Store manager,2026-12-20\n"
    "Q3,not-applicable,Fitting rooms closed for refit.,,,,,\n"
)


def audit_id(output: str) -> str:
    """The id of the audit a command started, from its output."""
    match = ID_IN_OUTPUT.search(output)
    assert match, output
    return match.group(1)


def record_file(repo: Path, audit: str) -> Path:
    """The record file of an audit (one per audit, under audits/records/<year>/)."""
    return repo / "audits" / "records" / audit[4:8] / f"{audit}.yaml"


def read_record(repo: Path, audit: str) -> Any:
    """The parsed record of an audit."""
    return parse(record_file(repo, audit).read_text(encoding="utf-8"))


def write(path: Path, text: str) -> Path:
    """Write a UTF-8 text file and return its path."""
    path.write_text(text, encoding="utf-8")
    return path
