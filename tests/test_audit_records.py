"""The audit-record writer: atomic new files, round-trip edits, finding ids, complete, reopen."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qms.audits import records
from qms.base.errors import QmsError
from qms.base.yamledit import dump_round_trip
from qms.base.yamlread import parse

WHEN = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def _new(tmp_path: Path) -> tuple[str, Path]:
    return records.create_record(tmp_path, "CL-PREMISES", "abcd", "Nanjing Road store",
                                 ["Li Wei"], WHEN)


def _answer(question: str, result: str = "conform", note: str | None = None) -> dict:
    return {"question": question, "result": result, "note": note, "fingerprint": "f",
            "answered": WHEN}


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_reads_back_exactly(value: str) -> None:
    assert parse(dump_round_trip({"note": records.text(value)}))["note"] == value


@pytest.mark.parametrize("value", ["yes", "No", "on", "14:40", "1e3", "0777", "null", "~",
                                   "2026-11-23", "- item", "a: b", "#x", "two\nlines"])
def test_words_yaml_1_1_would_misread_are_quoted(value: str) -> None:
    assert parse(dump_round_trip({"note": records.text(value)}))["note"] == value


def test_new_record_is_written_whole_with_its_fields(tmp_path: Path) -> None:
    audit_id, path = _new(tmp_path)
    assert path == tmp_path / "2026" / f"{audit_id}.yaml"
    assert path.read_text(encoding="utf-8") == (
        f"{records.HEADER}id: {audit_id}\nchecklist: CL-PREMISES\nchecklist_fingerprint: abcd\n"
        "site: Nanjing Road store\nauditors: [Li Wei]\nstarted: 2026-11-23T09:30:00+00:00\n")
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left


def test_answers_and_findings_keep_what_a_person_wrote(tmp_path: Path) -> None:
    audit_id, path = _new(tmp_path)
    records.save_answer(path, _answer("Q1"))
    edited = path.read_text(encoding="utf-8").replace(
        "site: Nanjing Road store\n", "site: 'Nanjing Road store'   # the flagship\n")
    edited = edited.replace("    result: conform\n",
                            "    # checked twice, morning and afternoon\n    result: conform\n")
    path.write_text(edited, encoding="utf-8")

    ids = records.save_answer(
        path, _answer("Q2", "nonconform", "3 of 30"),
        [{"question": "Q2", "standard": "PRM-002", "grade": "minor", "statement": "Wrong",
          "capa": {"owner": None, "due": date(2026, 12, 23), "status": "open"}}])
    assert ids == [f"{audit_id}-F1"]
    assert records.add_finding(path, {"question": "Q1", "standard": "PRM-001",
                                      "grade": "good-practice", "statement": "Tidy"}) \
        == f"{audit_id}-F2"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(edited.split("answers:")[0])  # untouched lines are byte for byte
    assert "site: 'Nanjing Road store'   # the flagship\n" in text
    assert "    # checked twice, morning and afternoon\n    result: conform\n" in text
    data = parse(text)
    assert list(data) == ["id", "checklist", "checklist_fingerprint", "site", "auditors",
                          "started", "answers", "findings"]
    assert data["findings"][0]["capa"] == {"due": date(2026, 12, 23), "status": "open"}


def test_answering_again_replaces_the_answer_in_place_and_keeps_findings(tmp_path) -> None:
    _, path = _new(tmp_path)
    records.save_answer(path, _answer("Q1", "nonconform"),
                        [{"question": "Q1", "standard": "S-1", "grade": "minor",
                          "statement": "x"}])
    records.save_answer(path, _answer("Q2"))
    records.save_answer(path, _answer("Q1", "conform", "rechecked"))
    data = parse(path.read_text(encoding="utf-8"))
    assert [(a["question"], a["result"]) for a in data["answers"]] == [("Q1", "conform"),
                                                                       ("Q2", "conform")]
    assert len(data["findings"]) == 1


def test_completed_record_refuses_changes_until_reopened(tmp_path: Path) -> None:
    audit_id, path = _new(tmp_path)
    records.save_answer(path, _answer("Q1"))
    records.complete(path, WHEN)
    before = path.read_bytes()
    with pytest.raises(QmsError, match=f"{audit_id} is completed; its answers change only after "
                                       f"`qms audit reopen {audit_id} --reason ...`"):
        records.save_answer(path, _answer("Q1", "nonconform"))
    with pytest.raises(QmsError, match="findings are added only after"):
        records.add_finding(path, {"question": "Q1", "standard": "S-1", "grade": "ofi",
                                   "statement": "x"})
    assert path.read_bytes() == before

    records.reopen(path, datetime(2026, 11, 24, 8, 0, tzinfo=UTC), "Li Wei", "wrong store")
    text = path.read_text(encoding="utf-8")
    assert "completed:" not in text
    assert text.endswith(
        "reopened:\n  - on: 2026-11-24T08:00:00+00:00  # was completed 2026-11-23T09:30:00+00:00\n"
        "    by: Li Wei\n    reason: wrong store\n")
    records.save_answer(path, _answer("Q1", "not-applicable"))
    with pytest.raises(QmsError, match="is not completed; there is nothing to reopen"):
        records.reopen(path, WHEN, None, "again")


def test_a_broken_record_is_reported_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "AUD-20261123-X-0000.yaml"
    path.write_text("id: AUD-20261123-X-0000\nchecklist: [\n", encoding="utf-8")
    with pytest.raises(QmsError, match="the audit record cannot be read; fix it first"):
        records.read_record(path, "audits/records/2026/AUD-20261123-X-0000.yaml")


def test_a_closing_comment_stays_below_a_new_finding(tmp_path: Path) -> None:
    from qms.audits.records import add_finding

    path = tmp_path / "AUD-20261120-NRS-0A1B.yaml"
    path.write_text(
        "id: AUD-20261120-NRS-0A1B\nchecklist: CL-X\nsite: Nanjing Road store\n"
        "auditors: [Li Wei]\nstarted: 2026-11-20T09:30:00+08:00\nanswers:\n"
        "  - question: Q1\n    result: nonconform\nfindings:\n"
        "  - id: AUD-20261120-NRS-0A1B-F1\n    question: Q1\n    standard: GRT-001\n"
        "    grade: observation\n    statement: First.\n"
        "# end of the auditor's notes\n"
    )
    add_finding(path, {"question": "Q1", "standard": "GRT-001", "grade": "observation",
                       "statement": "Second."})
    text = path.read_text()
    assert text.rstrip().endswith("# end of the auditor's notes")
    assert text.index("Second.") < text.index("# end of the auditor's notes")
