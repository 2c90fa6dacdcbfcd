"""An id is only an id: it is matched against the id pattern and looked up, never made a path.

`qms audit reopen '../../../x/AUD-X'` once rewrote a record outside the repository, `'*'` picked
some record and an absolute path crashed: every command that takes an id refuses a malformed
one (exit 1, saying what an id looks like) and leaves every file outside the repository alone.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from qms.format.ids import is_id

SAMPLE_AUDIT = "AUD-20261015-NJR-7F3A"  # completed, in the sample QMS
ID_SHAPE = "an id is capital letters and digits in parts joined by hyphens"


@pytest.fixture
def outside_record(sample_repo: Path) -> Path:
    """A valid, completed audit record outside the repository, where `../../../x/AUD-X` leads
    from the records folder."""
    folder = sample_repo.parent / "x"
    folder.mkdir()
    target = folder / "AUD-X.yaml"
    shutil.copy(sample_repo / f"audits/records/2026/{SAMPLE_AUDIT}.yaml", target)
    return target


def _hostile_ids(outside: Path) -> list[str]:
    return ["../../../x/AUD-X", "*", "/etc/passwd", str(outside.with_suffix("")),
            str(outside), "AUD-20261015-NJR-7F3A\n", "**/AUD-*"]


@pytest.mark.parametrize("command", [
    ["audit", "reopen", "{id}", "--reason", "r"],
    ["audit", "complete", "{id}"],
    ["audit", "resume", "{id}"],
])
def test_audit_commands_refuse_what_is_not_an_id(
        sample_repo: Path, outside_record: Path, run: Callable[..., object],
        command: list[str]) -> None:
    before = outside_record.read_bytes()
    records = sorted((sample_repo / "audits/records").rglob("*.yaml"))
    kept = [path.read_bytes() for path in records]
    for hostile in _hostile_ids(outside_record):
        args = [hostile if part == "{id}" else part for part in command]
        result = run(*args, "-C", str(sample_repo), input="")
        assert result.exit_code == 1, (hostile, result.output)
        assert "is not an audit id" in result.output and ID_SHAPE in result.output
        assert "Traceback" not in result.output
    assert outside_record.read_bytes() == before
    assert [path.read_bytes() for path in records] == kept


def test_an_unknown_audit_id_says_so_and_suggests_a_close_one(
        sample_repo: Path, run: Callable[..., object]) -> None:
    result = run("audit", "reopen", "AUD-20261015-NJR-7F3B", "--reason", "r",
                 "-C", str(sample_repo))
    assert result.exit_code == 1
    assert (f"no audit has the id AUD-20261015-NJR-7F3B (did you mean '{SAMPLE_AUDIT}'?)"
            in result.output)


def test_a_record_that_does_not_validate_is_still_found_by_its_name(
        sample_repo: Path, run: Callable[..., object]) -> None:
    record = sample_repo / f"audits/records/2026/{SAMPLE_AUDIT}.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("site:", "syte:", 1),
                      encoding="utf-8")
    result = run("audit", "complete", SAMPLE_AUDIT, "-C", str(sample_repo))
    assert result.exit_code == 1
    assert "the audit record cannot be read" in result.output and "syte" in result.output


@pytest.mark.parametrize("command, kind", [
    (["capa", "{id}", "--owner", "x"], "a finding"),
    (["show", "{id}"], "an"),
    (["approve", "{id}", "--by", "x"], "a standard"),
    (["audit", "start", "{id}", "--site", "s", "--auditor", "a"], "a checklist"),
    (["audit", "sheet", "{id}", "-o", "{out}"], "a checklist"),
])
def test_every_command_taking_an_id_refuses_a_path_or_pattern(
        sample_repo: Path, outside_record: Path, run: Callable[..., object],
        command: list[str], kind: str, tmp_path: Path) -> None:
    before = outside_record.read_bytes()
    out = tmp_path / "sheet.xlsx"
    for hostile in ["../../../x/AUD-X-F1", "*", "/etc/passwd", str(outside_record), "TEL-*"]:
        args = [{"{id}": hostile, "{out}": str(out)}.get(part, part) for part in command]
        result = run(*args, "-C", str(sample_repo), input="")
        assert result.exit_code == 1, (hostile, result.output)
        assert f"is not {kind} id" in result.output and ID_SHAPE in result.output
    assert outside_record.read_bytes() == before
    assert not out.exists()


def test_an_id_with_a_trailing_line_break_is_no_id() -> None:
    assert is_id("TEL-001") and not is_id("TEL-001\n") and not is_id("../TEL-001")
