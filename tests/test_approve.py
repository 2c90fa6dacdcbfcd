"""`qms approve` changes only the approval lines: every comment stays where the person put it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

TEL_001 = Path("standards") / "telephone" / "TEL-001.yaml"


def approve(run: Callable[..., object], repo: Path, *extra: str) -> None:
    result = run("approve", "TEL-001", "--by", "Head of Quality", "-C", str(repo), *extra)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]


def test_comments_on_unchanged_lines_and_at_the_end_stay(
        sample_repo: Path, run: Callable[..., object]) -> None:
    path = sample_repo / TEL_001
    text = path.read_text(encoding="utf-8")
    assert "approval:\n  by: Head of Quality\n  on: 2026-01-19\n" in text
    commented = (text.replace("status: approved", "status: approved   # by the board")
                 .replace("approval:\n  by: Head of Quality\n",
                          "approval:   # see the minutes\n  by: Head of Quality   # the role\n")
                 + "# End of TEL-001; TEL-002 follows.\n")
    path.write_bytes(commented.encode())
    approve(run, sample_repo, "--on", "2026-11-23")
    assert path.read_bytes() == commented.replace(
        "  on: 2026-01-19\n", "  on: 2026-11-23\n").encode()


def test_a_first_approval_goes_above_the_closing_comment(
        sample_repo: Path, run: Callable[..., object]) -> None:
    path = sample_repo / TEL_001
    text = path.read_text(encoding="utf-8")
    head, approval = text.split("approval:\n")
    draft = head.replace("status: approved", "status: draft") + "# End of TEL-001.\n"
    path.write_bytes(draft.encode())
    approve(run, sample_repo, "--on", "2026-11-23")
    assert path.read_bytes() == (
        head + "approval:\n" + approval.replace("2026-01-19", "2026-11-23")
        + "# End of TEL-001.\n").encode()


def test_the_approval_date_is_qms_today_by_default(
        sample_repo: Path, run: Callable[..., object], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QMS_TODAY", "2027-03-04")
    approve(run, sample_repo)
    assert "  on: 2027-03-04\n" in (sample_repo / TEL_001).read_text(encoding="utf-8")
