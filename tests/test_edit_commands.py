"""Commands that edit a file (`qms capa`, `qms approve`) change only the lines they must."""

from __future__ import annotations

import difflib
import re
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=timezone(timedelta(hours=8)))
RECORD = Path("audits/records/2026/AUD-20261015-NJR-7F3A.yaml")
F2 = "AUD-20261015-NJR-7F3A-F2"  # action-planned
TAB_LINE = "(items 7, 12, 18);\tPOS sales report"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("qms.cli.capa.now", lambda day: NOW)


def with_tab_and_mixed_endings(path: Path) -> bytes:
    """The record with a tab in a plain scalar and every other line ending in CRLF."""
    text = path.read_text(encoding="utf-8").replace("(items 7, 12, 18); POS sales report",
                                                    TAB_LINE)
    lines = text.splitlines(keepends=True)
    data = "".join(line[:-1] + "\r\n" if i % 2 else line for i, line in enumerate(lines))
    path.write_bytes(data.encode())
    return data.encode()


def test_a_capa_move_keeps_tabs_and_each_line_ending(sample_repo: Path, tmp_path: Path,
                                                      run: Callable[..., Any]) -> None:
    lf_repo = shutil.copytree(sample_repo, tmp_path / "lf")
    (lf_repo / RECORD).write_text((lf_repo / RECORD).read_text(encoding="utf-8").replace(
        "(items 7, 12, 18); POS sales report", TAB_LINE), encoding="utf-8")
    before = with_tab_and_mixed_endings(sample_repo / RECORD)
    assert run("check", str(sample_repo)).exit_code == 0
    for repo in (sample_repo, lf_repo):
        result = run("capa", F2, "--status", "implemented", "--by", "Li Wei", "-C", str(repo))
        assert result.exit_code == 0, result.output
    after = (sample_repo / RECORD).read_bytes()
    # The same change as in the LF copy ...
    assert after.replace(b"\r\n", b"\n") == (lf_repo / RECORD).read_bytes()
    # ... made by replacing one line and adding the history, every other line as it was.
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    changes = [op for op in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
               if op[0] != "equal"]
    status = old.index(b"      status: action-planned\r\n"
                       if b"      status: action-planned\r\n" in old
                       else b"      status: action-planned\n")
    assert [tag for tag, *_ in changes] == ["replace", "insert"]
    _, o1, o2, n1, n2 = changes[0]
    assert (o1, o2, n2 - n1) == (status, status + 1, 1)
    assert new[n1] == old[status].replace(b"action-planned", b"implemented")
    _, o1, _, n1, n2 = changes[1]
    assert all(line.endswith(b"\r\n") == old[o1 - 1].endswith(b"\r\n") for line in new[n1:n2])
    assert TAB_LINE.encode() in after


def test_approve_edits_a_standard_with_a_tab_in_its_title(sample_repo: Path,
                                                          run: Callable[..., Any]) -> None:
    path = sample_repo / "standards" / "telephone" / "TEL-002.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\nstatus: approved\n" in text
    path.write_bytes(text.replace("\nstatus: approved\n", "\nstatus: draft\n")
                     .replace("  en: Open every call", "  en: Open\tevery call").encode())
    result = run("approve", "TEL-002", "--by", "Head of Quality", "--on", "2026-11-23",
                 "-C", str(sample_repo))
    assert result.exit_code == 0, result.output
    expected = (text.replace("  en: Open every call", "  en: Open\tevery call")
                .replace("  on: 2026-01-19\n", "  on: 2026-11-23\n"))
    # The title is part of what is approved: only the fingerprint's value is new.
    written = path.read_text(encoding="utf-8")
    assert re.sub(r"fingerprint: \w+", "fingerprint: F", written) == re.sub(
        r"fingerprint: \w+", "fingerprint: F", expected)
    assert written != expected
