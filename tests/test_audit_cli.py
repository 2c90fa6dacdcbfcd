"""`qms audit start/resume/complete/reopen` through the CLI (in-process), on the sample QMS."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from qms.format.check import check
from qms.format.fingerprint import changed_questions, checklist_fingerprint, question_fingerprint

from .audit_helpers import PREMISES_CSV, audit_id, read_record, record_file, write
from .conftest import git

TODAY = "2026-11-23"


def _start_csv(run, repo: Path, csv_text: str, *extra: str):
    answers = write(repo.parent / "answers.csv", csv_text)
    return run("audit", "start", "CL-PREMISES", "--site", "Nanjing Road store", "--auditor",
               "Li Wei", "--answers", str(answers), "-C", str(repo), *extra)


def test_start_with_every_answer_from_csv_completes_the_audit(run, sample_repo: Path) -> None:
    result = _start_csv(run, sample_repo, PREMISES_CSV)
    assert result.exit_code == 0, result.output
    audit = audit_id(result.output)
    assert audit.startswith("AUD-20261123-NRS-")
    assert f"completed {audit}" in result.output
    record = read_record(sample_repo, audit)
    project = check(sample_repo, date(2026, 11, 23)).project
    checklist = project.checklists["CL-PREMISES"]
    assert record["checklist_fingerprint"] == checklist_fingerprint(checklist)
    assert [a["question"] for a in record["answers"]] == ["Q1", "Q2", "Q3"]
    for answer, question in zip(record["answers"], checklist.questions, strict=True):
        standard = project.standards[question.standard]
        assert answer["fingerprint"] == question_fingerprint(question, standard)
        assert answer["answered"].date().isoformat() == TODAY
    assert record["completed"] >= record["started"]
    [finding] = record["findings"]
    assert finding["id"] == f"{audit}-F1"
    assert (finding["question"], finding["standard"], finding["grade"]) == ("Q2", "PRM-002",
                                                                            "minor")
    assert finding["capa"] == {"owner": "Store manager",
                               "due": date(2026, 12, 20),
                               "status": "open"}
    result = check(sample_repo, date(2026, 11, 23))
    assert [i.render() for i in result.errors] == []
    assert audit in project.audits


def test_a_required_capa_without_due_gets_today_plus_30_days(run, sample_repo: Path) -> None:
    text = PREMISES_CSV.replace("Store manager,2026-12-20", ",")
    result = _start_csv(run, sample_repo, text)
    assert result.exit_code == 0, result.output
    capa = read_record(sample_repo, audit_id(result.output))["findings"][0]["capa"]
    assert capa == {"due": date(2026, 12, 23), "status": "open"}


def test_partial_answers_leave_the_audit_open_and_complete_names_the_gaps(
        run, sample_repo: Path) -> None:
    partial = "\n".join(PREMISES_CSV.splitlines()[:2]) + "\n"
    result = _start_csv(run, sample_repo, partial)
    assert result.exit_code == 0, result.output
    audit = audit_id(result.output)
    assert "unanswered: Q2, Q3" in result.output
    assert f"resume with: qms audit resume {audit}" in result.output
    assert "completed" not in read_record(sample_repo, audit)

    refused = run("audit", "complete", audit, "-C", str(sample_repo))
    assert refused.exit_code == 1
    assert refused.output == (
        f"qms: error: {audit} cannot be completed: 2 question(s) are unanswered: Q2, Q3; "
        f"answer them with `qms audit resume {audit}`\n")


def test_interactive_session_in_process_records_answers_and_findings(
        run, sample_repo: Path) -> None:
    keys = "\n".join([
        "c", "Clean", "n",                       # Q1 conform, no observation
        "n", "Wrong tickets", "major", "Tickets wrong on 3 of 30 items", "Sample sheet",
        "Head of VM", "2027-01-10", "n",         # Q2 nonconform, major, CAPA, no other finding
        "a", "", "y", "ofi", "Add a second mirror", "", "y", "Named owner", "", "n",  # Q3
        "y",                                     # complete now
    ]) + "\n"
    result = run("audit", "start", "CL-PREMISES", "--site", "Nanjing Road store", "--auditor",
                 "Li Wei", "--auditor", "Zhou Min", "-C", str(sample_repo), input=keys)
    assert result.exit_code == 0, result.output
    assert "Question 1 of 3" in result.output and "Question 3 of 3" in result.output
    audit = audit_id(result.output)
    record = read_record(sample_repo, audit)
    assert record["auditors"] == ["Li Wei", "Zhou Min"]
    assert [(a["question"], a["result"]) for a in record["answers"]] == [
        ("Q1", "conform"), ("Q2", "nonconform"), ("Q3", "not-applicable")]
    assert "note" not in record["answers"][2]
    major, ofi = record["findings"]
    assert major["grade"] == "major" and major["capa"]["owner"] == "Head of VM"
    assert str(major["capa"]["due"]) == "2027-01-10"
    assert ofi["id"] == f"{audit}-F2" and ofi["grade"] == "ofi"
    assert ofi["capa"] == {"owner": "Named owner",
                           "due": date(2026, 12, 23), "status": "open"}
    assert "completed" in record
    assert not check(sample_repo, date(2026, 11, 23)).errors


def test_conform_answer_offers_only_grades_without_required_capa(run, sample_repo: Path) -> None:
    keys = "c\n\ny\nminor\nobservation\nWell kept\n\nn\nn\n"
    result = run("audit", "start", "CL-PREMISES", "--site", "S", "--auditor", "A",
                 "-C", str(sample_repo), input=keys + "\x04")
    assert "Grade (observation, ofi, good-practice):" in result.output
    assert "Error: 'minor' is not one of 'observation', 'ofi', 'good-practice'." in result.output
    record = read_record(sample_repo, audit_id(result.output))
    assert record["findings"][0]["grade"] == "observation"
    assert "capa" not in record["findings"][0]


def test_completed_audit_changes_only_after_reopen_which_keeps_the_reason(
        run, sample_repo: Path) -> None:
    audit = audit_id(_start_csv(run, sample_repo, PREMISES_CSV).output)
    refused = run("audit", "resume", audit, "-C", str(sample_repo))
    assert refused.exit_code == 1
    assert refused.output.startswith(f"qms: error: {audit} was completed on 2026-11-23")
    assert refused.output.endswith(
        f"; its answers change only after `qms audit reopen {audit} --reason ...`\n")
    again = run("audit", "complete", audit, "-C", str(sample_repo))
    assert again.exit_code == 1 and "was completed on" in again.output

    reopened = run("audit", "reopen", audit, "--reason", "Q1 was answered for the wrong store",
                   "--by", "Li Wei", "-C", str(sample_repo))
    assert reopened.exit_code == 0, reopened.output
    text = record_file(sample_repo, audit).read_text(encoding="utf-8")
    assert "# was completed 2026-11-23" in text
    record = read_record(sample_repo, audit)
    assert "completed" not in record
    [entry] = record["reopened"]
    assert (entry["by"], entry["reason"]) == ("Li Wei", "Q1 was answered for the wrong store")

    redo = run("audit", "resume", audit, "--question", "Q1", "-C", str(sample_repo),
               input="n\nDust on mirrors\nminor\nMirrors dusty\n\n\n\nn\ny\n")
    assert redo.exit_code == 0, redo.output
    assert "Answered so far (3 of 3)" in redo.output
    record = read_record(sample_repo, audit)
    assert [(a["question"], a["result"]) for a in record["answers"]] == [
        ("Q1", "nonconform"), ("Q2", "nonconform"), ("Q3", "not-applicable")]
    assert [f["id"][-3:] for f in record["findings"]] == ["-F1", "-F2"]
    assert "completed" in record and len(record["reopened"]) == 1
    assert not check(sample_repo, date(2026, 11, 23)).errors


def test_reopen_of_an_open_audit_is_refused(run, sample_repo: Path) -> None:
    partial = "\n".join(PREMISES_CSV.splitlines()[:2]) + "\n"
    audit = audit_id(_start_csv(run, sample_repo, partial).output)
    result = run("audit", "reopen", audit, "--reason", "x", "-C", str(sample_repo))
    assert result.exit_code == 1
    assert result.output == f"qms: error: {audit} is not completed; there is nothing to reopen\n"


def test_unknown_checklist_and_audit_name_what_exists(run, sample_repo: Path) -> None:
    result = run("audit", "start", "CL-PREMISE", "--site", "S", "--auditor", "A",
                 "-C", str(sample_repo))
    assert result.exit_code == 1
    assert result.output == (
        "qms: error: no checklist has the id CL-PREMISE (did you mean 'CL-PREMISES'?); the "
        "checklists are: CL-COMPLAINTS, CL-DELIVERY, CL-PREMISES, CL-STORE-FLOOR, "
        "CL-TELEPHONE\n")
    missing = run("audit", "resume", "AUD-20261015-NJR-7F3B", "-C", str(sample_repo))
    assert missing.exit_code == 1
    assert missing.output == ("qms: error: no audit has the id AUD-20261015-NJR-7F3B (did you "
                              "mean 'AUD-20261015-NJR-7F3A'?); `qms list audits` lists them\n")
    no_records = list((sample_repo / "audits" / "records" / "2026").glob("AUD-20261123*"))
    assert no_records == []


def test_edited_standard_shows_the_answer_as_changed_since_audited(
        run, sample_repo: Path) -> None:
    audit = audit_id(_start_csv(run, sample_repo, PREMISES_CSV).output)
    standard = sample_repo / "standards" / "premises" / "PRM-002.yaml"
    text = standard.read_text(encoding="utf-8")
    standard.write_text(text.replace("matches the POS price", "matches the shelf label"),
                        encoding="utf-8")
    project = check(sample_repo, date(2026, 11, 23)).project
    assert changed_questions(project, project.audits[audit]) == ["Q2"]
    result = run("check", str(sample_repo))
    suspect = [line for line in result.output.splitlines() if "changed-since-audited" in line]
    lines = record_file(sample_repo, audit).read_text(encoding="utf-8").splitlines()
    q2_line = lines.index("  - question: Q2") + 1
    assert suspect == [
        f"audits/records/2026/{audit}.yaml:{q2_line}: warning [changed-since-audited] "
        "CL-PREMISES Q2 (or PRM-002) changed after this audit answered it"]


def test_commit_commits_only_the_record_and_leaves_other_staged_files(
        run, sample_repo: Path) -> None:
    write(sample_repo / "notes.txt", "unrelated work in progress\n")
    git(sample_repo, "add", "notes.txt")
    result = _start_csv(run, sample_repo, PREMISES_CSV, "--commit")
    assert result.exit_code == 0, result.output
    audit = audit_id(result.output)
    committed = git(sample_repo, "show", "--name-only", "--format=%s", "HEAD").split("\n")
    assert committed[0] == f"audit {audit}: CL-PREMISES at Nanjing Road store, imported from " \
                           "answers.csv"
    assert [n for n in committed[1:] if n] == [f"audits/records/2026/{audit}.yaml"]
    assert git(sample_repo, "diff", "--cached", "--name-only") == "notes.txt\n"
    assert git(sample_repo, "status", "--porcelain") == "A  notes.txt\n"

    reopened = run("audit", "reopen", audit, "--reason", "typo", "--commit",
                   "-C", str(sample_repo))
    assert reopened.exit_code == 0, reopened.output
    assert git(sample_repo, "log", "-1", "--format=%s") == f"audit {audit}: reopened: typo\n"
    assert git(sample_repo, "status", "--porcelain") == "A  notes.txt\n"


def test_site_codes_differ_for_sites_without_latin_letters() -> None:
    from qms.format.ids import site_code

    assert site_code("Nanjing Road store") == "NRS"
    assert site_code("南京路店") != site_code("徐家汇店")
    assert site_code("南京路店").startswith("S") and len(site_code("南京路店")) == 4


def test_the_same_csv_answers_are_not_imported_twice_unless_asked(run, sample_repo: Path) -> None:
    first = _start_csv(run, sample_repo, PREMISES_CSV)
    assert first.exit_code == 0, first.output
    assert read_record(sample_repo, audit_id(first.output))["imported_from"]["file"] == \
        "answers.csv"
    again = _start_csv(run, sample_repo, PREMISES_CSV)
    assert again.exit_code == 1
    assert "answers.csv was already imported as" in again.stderr
    assert _start_csv(run, sample_repo, PREMISES_CSV, "--again").exit_code == 0
