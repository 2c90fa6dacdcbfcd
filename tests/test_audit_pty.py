"""The interactive audit driven through a pseudo-terminal (pexpect), as an auditor types it.

Covers a full audit, a skip and resume, Ctrl-C (exit 130, answers kept) and a process killed
with SIGKILL between answers, after which `qms audit resume` shows every earlier answer.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import date
from pathlib import Path

import pexpect
import pytest

from qms.format.check import check

from .audit_helpers import ID_IN_OUTPUT, read_record, record_file
from .conftest import GIT_IDENTITY, TODAY, interruptible

QMS = Path(sys.executable).with_name("qms")
COMMAND = [str(QMS)] if QMS.exists() else [sys.executable, "-m", "qms.cli.main"]
START = ["audit", "start", "CL-PREMISES", "--site", "Nanjing Road store", "--auditor", "Li Wei"]


def _spawn(repo: Path, *args: str) -> pexpect.spawn:
    env = {**os.environ, **GIT_IDENTITY, "QMS_TODAY": TODAY, "COLUMNS": "100"}
    return pexpect.spawn(COMMAND[0], [*COMMAND[1:], *args], cwd=str(repo), env=env,
                         encoding="utf-8", timeout=30, dimensions=(50, 100),
                         preexec_fn=interruptible)


def _answer(child: pexpect.spawn, number: int, result: str, note: str,
            header: bool = True) -> None:
    if header:
        child.expect_exact(f"Question {number} of 3")
    child.expect_exact("Result: [c]onform, [n]onconform, not [a]pplicable, [s]kip:")
    child.sendline(result)
    if result == "s":
        return
    child.expect_exact("Note:")
    child.sendline(note)


def _no_more_findings(child: pexpect.spawn, prompt: str = "Record an observation") -> None:
    child.expect_exact(prompt)
    child.sendline("n")


def _finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus if child.exitstatus is not None else 128 + child.signalstatus


def _started(child: pexpect.spawn) -> str:
    child.expect(ID_IN_OUTPUT)
    return child.match.group(1)


def _answer_q2_with_minor_finding(child: pexpect.spawn) -> None:
    _answer(child, 2, "n", "3 of 30 tickets wrong")
    child.expect_exact("A nonconformity needs a finding.")
    child.expect_exact("Grade (major, minor, observation, ofi, good-practice):")
    child.sendline("minor")
    child.expect_exact("Finding statement:")
    child.sendline("Three price tickets did not match the POS.")
    child.expect_exact("Evidence:")
    child.sendline("Price-ticket sample sheet")
    child.expect_exact("CAPA owner (blank if not known yet):")
    child.sendline("Store manager")
    child.expect_exact("CAPA due [2026-12-23]:")
    child.sendline("")
    _no_more_findings(child, "Record another finding on this question?")
    child.expect(r"saved Q2: nonconform, finding (AUD-\S+-F1)")


def test_full_audit_through_a_terminal(sample_repo: Path) -> None:
    child = _spawn(sample_repo, *START)
    audit = _started(child)
    child.expect_exact("Question 1 of 3 (Q1; 0 answered)")
    child.expect_exact("Standard PRM-001")
    child.expect_exact("Do:")
    child.expect_exact("Guidance:")
    _answer(child, 1, "c", "Floors and mirrors clean", header=False)
    _no_more_findings(child)
    child.expect_exact("saved Q1: conform")
    _answer_q2_with_minor_finding(child)
    _answer(child, 3, "a", "Fitting rooms closed for refit")
    child.expect_exact("Record an observation or other finding? [y/N]:")
    child.sendline("y")
    child.expect_exact("Grade (observation, ofi, good-practice):")
    child.sendline("good-practice")
    child.expect_exact("Finding statement:")
    child.sendline("Closure notice with the reopening date at the door.")
    child.expect_exact("Evidence:")
    child.sendline("")
    _no_more_findings(child, "Record another finding on this question?")
    child.expect_exact("All 3 questions are answered.")
    child.expect_exact("Complete the audit now? [Y/n]:")
    child.sendline("y")
    child.expect_exact(f"completed {audit}")
    assert _finish(child) == 0

    record = read_record(sample_repo, audit)
    assert [(a["question"], a["result"]) for a in record["answers"]] == [
        ("Q1", "conform"), ("Q2", "nonconform"), ("Q3", "not-applicable")]
    minor, good = record["findings"]
    assert minor["capa"] == {"owner": "Store manager", "due": date(2026, 12, 23),
                             "status": "open"}
    assert (good["id"], good["grade"]) == (f"{audit}-F2", "good-practice") and "capa" not in good
    assert "completed" in record
    assert not check(sample_repo, date(2026, 11, 23)).errors


def test_skip_then_resume_continues_at_the_unanswered_question(sample_repo: Path) -> None:
    child = _spawn(sample_repo, *START)
    audit = _started(child)
    _answer(child, 1, "s", "")
    child.expect_exact("skipped Q1; it is asked again at the end")
    _answer(child, 2, "c", "Tickets right")
    _no_more_findings(child)
    _answer(child, 3, "c", "Rooms reset in 3 min")
    _no_more_findings(child)
    child.expect_exact("1 question(s) skipped: Q1")
    child.expect_exact("Go back to them now? [Y/n]:")
    child.sendline("n")
    child.expect_exact("unanswered: Q1")
    child.expect_exact(f"resume with: qms audit resume {audit}")
    assert _finish(child) == 0
    assert "completed" not in read_record(sample_repo, audit)

    child = _spawn(sample_repo, "audit", "resume", audit)
    child.expect_exact("Answered so far (2 of 3):")
    child.expect(r"Q2\s+conform\s+Tickets right")
    child.expect(r"Q3\s+conform\s+Rooms reset in 3 min")
    _answer(child, 1, "c", "Clean")
    _no_more_findings(child)
    child.expect_exact("Complete the audit now? [Y/n]:")
    child.sendline("")
    child.expect_exact(f"completed {audit}")
    assert _finish(child) == 0
    record = read_record(sample_repo, audit)
    assert [a["question"] for a in record["answers"]] == ["Q2", "Q3", "Q1"]
    assert "completed" in record


def test_ctrl_c_saves_prints_the_resume_command_and_exits_130(sample_repo: Path) -> None:
    child = _spawn(sample_repo, *START)
    audit = _started(child)
    _answer(child, 1, "c", "Floors clean")
    _no_more_findings(child)
    child.expect_exact("saved Q1: conform")
    _answer(child, 2, "n", "Tickets wrong")
    child.expect_exact("Grade (major, minor, observation, ofi, good-practice):")
    child.sendintr()
    child.expect_exact("interrupted: 1 of 3 answered, saved in "
                       f"audits/records/2026/{audit}.yaml")
    child.expect_exact(f"resume with: qms audit resume {audit}")
    assert _finish(child) == 130
    record = read_record(sample_repo, audit)
    assert [(a["question"], a["result"], a["note"]) for a in record["answers"]] == [
        ("Q1", "conform", "Floors clean")]
    assert "findings" not in record


@pytest.mark.parametrize("kill_at", ["question 3 prompt", "note of question 3"])
def test_sigkill_between_answers_loses_nothing_already_answered(sample_repo: Path,
                                                                kill_at: str) -> None:
    child = _spawn(sample_repo, *START)
    audit = _started(child)
    _answer(child, 1, "c", "Floors clean: 14:40 round signed")
    _no_more_findings(child)
    _answer_q2_with_minor_finding(child)
    child.expect_exact("Question 3 of 3")
    child.expect_exact("Result:")
    if kill_at == "note of question 3":
        child.sendline("c")
        child.expect_exact("Note:")
        child.send("half a no")  # being typed when the battery dies
    child.kill(signal.SIGKILL)
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus == signal.SIGKILL
    leftovers = [p.name for p in record_file(sample_repo, audit).parent.iterdir()
                 if p.name.endswith(".tmp")]
    assert leftovers == []

    child = _spawn(sample_repo, "audit", "resume", audit)
    child.expect_exact("Answered so far (2 of 3):")
    child.expect(r"Q1\s+conform\s+Floors clean: 14:40 round signed")
    child.expect(r"Q2\s+nonconform\s+3 of 30 tickets wrong")
    child.expect_exact(f"{audit}-F1 (minor): Three price tickets did not match the POS.")
    _answer(child, 3, "c", "Rooms reset")
    _no_more_findings(child)
    child.expect_exact("Complete the audit now? [Y/n]:")
    child.sendline("y")
    assert _finish(child) == 0
    record = read_record(sample_repo, audit)
    assert [(a["question"], a["note"]) for a in record["answers"]] == [
        ("Q1", "Floors clean: 14:40 round signed"), ("Q2", "3 of 30 tickets wrong"),
        ("Q3", "Rooms reset")]
    assert [f["id"] for f in record["findings"]] == [f"{audit}-F1"]
    assert not check(sample_repo, date(2026, 11, 23)).errors
