"""`qms capa`: every move and rule of the CAPA lifecycle, accepted and refused, and its writes."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from qms.audits.capa import FORWARD, VERIFY
from qms.base.yamlread import parse
from qms.format.models import CAPA_STATES

from .conftest import git

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=timezone(timedelta(hours=8)))
AUDIT = "AUD-20261015-NJR-7F3A"
RECORD = f"audits/records/2026/{AUDIT}.yaml"
F1, F2, F3, F4, F5 = (f"{AUDIT}-F{n}" for n in range(1, 6))  # closed, major, minor, obs., good
CSC = "AUD-20261102-CSC-19B4"
CSC_F1 = f"{CSC}-F1"  # minor, implemented, no verification yet

Run = Callable[..., Any]


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every change is dated 2026-11-23 10:30 +08:00, so written records are predictable."""
    monkeypatch.setattr("qms.cli.capa.now", lambda day: NOW)


def capa(repo: Path, run: Run, *args: str) -> Any:
    return run("capa", *args, "-C", str(repo))


def record(repo: Path, path: str = RECORD) -> Any:
    return parse((repo / path).read_text(encoding="utf-8"))


def finding(repo: Path, finding_id: str, path: str = RECORD) -> Any:
    return next(f for f in record(repo, path)["findings"] if f["id"] == finding_id)


def assert_check_passes(repo: Path, run: Run) -> None:
    result = run("check", str(repo))
    assert result.exit_code == 0, result.output


def assert_refused(repo: Path, run: Run, message: str, *args: str) -> None:
    before = (repo / RECORD).read_bytes()
    result = capa(repo, run, *args)
    assert result.exit_code == 1, result.output
    assert result.stderr == f"qms: error: {message}\n"
    assert (repo / RECORD).read_bytes() == before  # a refusal writes nothing


# ---------------------------------------------------------------- the table


def test_the_table_moves_forward_only_and_closed_is_final() -> None:
    for state, targets in FORWARD.items():
        assert all(CAPA_STATES.index(t) > CAPA_STATES.index(state) for t in targets)
    assert FORWARD["closed"] == ()
    assert "verified" not in {t for targets in FORWARD.values() for t in targets}
    assert VERIFY == {"effective": (("implemented",), "verified"),
                      "not-effective": (("implemented", "verified"), "root-cause-found")}


# ---------------------------------------------------------------- accepted moves


def test_a_forward_move_is_written_and_dated(sample_repo: Path, run: Run) -> None:
    result = capa(sample_repo, run, F2, "--status", "implemented", "--by", "Li Wei",
                  "--note", "One calendar since 20 Nov.")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"{F2}: status action-planned -> implemented; One calendar since 20 Nov.\n"
        f"wrote {RECORD}\n")
    capa_data = finding(sample_repo, F2)["capa"]
    assert capa_data["status"] == "implemented"
    assert capa_data["history"] == [{
        "on": NOW, "status": "implemented", "by": "Li Wei",
        "note": "status action-planned -> implemented; One calendar since 20 Nov."}]
    assert_check_passes(sample_repo, run)


def test_every_state_can_be_reached_in_order(sample_repo: Path, run: Run) -> None:
    steps = [
        ("--status", "contained", "--containment", "Second associate on the door."),
        ("--status", "root-cause-found", "--root-cause", "Uniform stock ran out in October."),
        ("--status", "action-planned", "--action", "Stock check in the weekly order."),
        ("--status", "implemented"),
        ("--verify", "effective", "--by", "Li Wei"),
        ("--status", "closed"),
    ]
    for step, state in zip(steps, CAPA_STATES[1:], strict=True):
        result = capa(sample_repo, run, F3, *step)
        assert result.exit_code == 0, result.output
        assert finding(sample_repo, F3)["capa"]["status"] == state
        assert_check_passes(sample_repo, run)
    data = finding(sample_repo, F3)["capa"]
    assert [e["status"] for e in data["history"]] == list(CAPA_STATES[1:])
    assert data["verification"] == {"by": "Li Wei", "on": date(2026, 11, 23),
                                    "result": "effective"}


def test_an_effective_verification_and_closing_in_one_command(sample_repo: Path,
                                                              run: Run) -> None:
    result = capa(sample_repo, run, CSC_F1, "--verify", "effective", "--by", "Wang Fang",
                  "--status", "closed", "--commit")
    assert result.exit_code == 0, result.output
    path = f"audits/records/2026/{CSC}.yaml"
    assert result.stdout.splitlines()[0] == (
        f"{CSC_F1}: status implemented -> closed; verification effective by Wang Fang")
    data = finding(sample_repo, CSC_F1, path)["capa"]
    assert data["status"] == "closed"
    assert data["verification"] == {"by": "Wang Fang", "on": date(2026, 11, 23),
                                    "result": "effective"}
    assert_check_passes(sample_repo, run)


def test_a_not_effective_verification_goes_back_to_root_cause_found(sample_repo: Path,
                                                                    run: Run) -> None:
    result = capa(sample_repo, run, CSC_F1, "--verify", "not-effective", "--by", "Wang Fang",
                  "--note", "Week 48 still at 91 %.")
    assert result.exit_code == 0, result.output
    path = f"audits/records/2026/{CSC}.yaml"
    data = finding(sample_repo, CSC_F1, path)["capa"]
    assert data["status"] == "root-cause-found"
    assert data["verification"] == {"by": "Wang Fang", "on": date(2026, 11, 23),
                                    "result": "not-effective", "note": "Week 48 still at 91 %."}
    assert data["history"][-1]["note"] == (
        "status implemented -> root-cause-found; verification not-effective by Wang Fang; "
        "Week 48 still at 91 %.")
    assert_check_passes(sample_repo, run)
    # ... and the CAPA then moves forward again to a new verification.
    for step in (("--status", "implemented"), ("--verify", "effective", "--by", "Wang Fang")):
        assert capa(sample_repo, run, CSC_F1, *step).exit_code == 0
    assert finding(sample_repo, CSC_F1, path)["capa"]["verification"]["result"] == "effective"
    assert_check_passes(sample_repo, run)


def test_a_minor_finding_plans_its_action_without_a_root_cause(sample_repo: Path,
                                                               run: Run) -> None:
    result = capa(sample_repo, run, F3, "--status", "action-planned",
                  "--action", "Uniform check in the opening checklist.")
    assert result.exit_code == 0, result.output
    assert_check_passes(sample_repo, run)


def test_a_major_finding_plans_its_action_once_it_has_a_root_cause(sample_repo: Path,
                                                                   run: Run) -> None:
    major_open(sample_repo)
    result = capa(sample_repo, run, F3, "--status", "action-planned", "--action", "Stock check.",
                  "--root-cause", "Uniform stock ran out in October.")
    assert result.exit_code == 0, result.output
    assert finding(sample_repo, F3)["capa"]["status"] == "action-planned"
    assert_check_passes(sample_repo, run)


def test_a_capa_is_opened_on_a_finding_of_an_optional_grade(sample_repo: Path,
                                                            run: Run) -> None:
    result = capa(sample_repo, run, F4, "--owner", "Store manager", "--due", "2027-01-31",
                  "--by", "Li Wei")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        f"{F4}: CAPA opened; owner Store manager; due 2027-01-31")
    assert finding(sample_repo, F4)["capa"] == {
        "owner": "Store manager", "due": date(2027, 1, 31), "status": "open",
        "history": [{"on": NOW, "status": "open", "by": "Li Wei",
                     "note": "CAPA opened; owner Store manager; due 2027-01-31"}]}
    assert_check_passes(sample_repo, run)


def test_field_changes_alone_are_dated_too(sample_repo: Path, run: Run) -> None:
    result = capa(sample_repo, run, F2, "--due", "2027-02-28", "--owner", "Head of Retail")
    assert result.exit_code == 0, result.output
    data = finding(sample_repo, F2)["capa"]
    assert data["due"] == date(2027, 2, 28)
    assert data["history"][-1] == {"on": NOW, "status": "action-planned",
                                   "note": "owner Head of Retail; due 2027-02-28"}
    assert_check_passes(sample_repo, run)


def test_nothing_to_change_writes_nothing(sample_repo: Path, run: Run) -> None:
    before = (sample_repo / RECORD).read_bytes()
    result = capa(sample_repo, run, F2, "--status", "action-planned")
    assert result.exit_code == 0
    assert result.stdout == f"{F2}: nothing to change (the CAPA is action-planned)\n"
    assert (sample_repo / RECORD).read_bytes() == before


def test_without_options_the_capa_is_shown(sample_repo: Path, run: Run) -> None:
    result = capa(sample_repo, run, F3)
    assert result.exit_code == 0
    assert result.stdout == (
        f"{F3}  minor  APP-001  Nanjing Road store  ({RECORD})\n"
        "  status        open\n"
        "  due           2026-10-31 (23 day(s) overdue)\n"
        "  owner         Store manager, Nanjing Road\n"
        "  next          contained, root-cause-found, action-planned, implemented\n")


# ---------------------------------------------------------------- refusals


def major_open(repo: Path) -> None:
    """Make F3 a major finding whose CAPA is open (no root cause, no action yet)."""
    path = repo / RECORD
    text = path.read_text(encoding="utf-8")
    marker = "    standard: APP-001\n    grade: minor\n"
    assert marker in text
    path.write_text(text.replace(marker, "    standard: APP-001\n    grade: major\n"),
                    encoding="utf-8")


def test_closing_needs_an_effective_verification(sample_repo: Path, run: Run) -> None:
    assert_refused(
        sample_repo, run,
        f"{F2}: the CAPA cannot be closed: 'closed' needs a verification with result effective; "
        f"record an effective verification first: `qms capa {F2} --verify effective --by NAME`",
        F2, "--status", "closed")


def test_closing_an_open_capa_names_every_rule_it_breaks(sample_repo: Path, run: Run) -> None:
    assert_refused(
        sample_repo, run,
        f"{F3}: the CAPA cannot be closed: 'closed' needs a verification with result effective; "
        "'closed' needs the planned action ('action'); record an effective verification first: "
        f"`qms capa {F3} --verify effective --by NAME`; give the planned action with --action TEXT",
        F3, "--status", "closed")


def test_verified_is_reached_only_by_a_verification(sample_repo: Path, run: Run) -> None:
    assert_refused(
        sample_repo, run,
        f"{F2}: a CAPA becomes verified only by an effective verification; record it: "
        f"`qms capa {F2} --verify effective --by NAME`",
        F2, "--status", "verified")


def test_a_major_finding_needs_a_root_cause_before_action_planned(sample_repo: Path,
                                                                  run: Run) -> None:
    major_open(sample_repo)
    assert_refused(
        sample_repo, run,
        f"{F3}: the CAPA cannot be action-planned: a major finding needs a root_cause before "
        "'action-planned'; give the root cause with --root-cause TEXT",
        F3, "--status", "action-planned", "--action", "Stock check.")


def test_action_planned_needs_an_action(sample_repo: Path, run: Run) -> None:
    assert_refused(
        sample_repo, run,
        f"{F3}: the CAPA cannot be action-planned: 'action-planned' needs the planned action "
        "('action'); give the planned action with --action TEXT",
        F3, "--status", "action-planned")


def test_root_cause_found_needs_a_root_cause(sample_repo: Path, run: Run) -> None:
    assert_refused(
        sample_repo, run,
        f"{F3}: the CAPA cannot be root-cause-found: 'root-cause-found' needs a root_cause; "
        "give the root cause with --root-cause TEXT",
        F3, "--status", "root-cause-found")


def test_a_capa_does_not_move_back(sample_repo: Path, run: Run) -> None:
    assert_refused(
        sample_repo, run,
        f"{F2}: the CAPA cannot go back from action-planned to contained; a CAPA moves forward "
        "only (from action-planned to: implemented); a not-effective verification "
        "(--verify not-effective) is the one way back",
        F2, "--status", "contained")


def test_a_verification_waits_for_the_implementation(sample_repo: Path, run: Run) -> None:
    assert_refused(
        sample_repo, run,
        f"{F2}: a verification is recorded once the action is implemented, and the CAPA is "
        f"action-planned; move it on first: `qms capa {F2} --status implemented`",
        F2, "--verify", "effective", "--by", "Li Wei")


def test_a_verified_capa_is_not_verified_again(sample_repo: Path, run: Run) -> None:
    path = f"audits/records/2026/{CSC}.yaml"
    assert capa(sample_repo, run, CSC_F1, "--verify", "effective", "--by", "W").exit_code == 0
    result = capa(sample_repo, run, CSC_F1, "--verify", "effective", "--by", "W")
    assert result.exit_code == 1
    assert result.stderr == (f"qms: error: {CSC_F1}: the CAPA is verified already; close it: "
                             f"`qms capa {CSC_F1} --status closed`\n")
    assert finding(sample_repo, CSC_F1, path)["capa"]["status"] == "verified"


def test_a_closed_capa_does_not_change(sample_repo: Path, run: Run) -> None:
    assert_refused(
        sample_repo, run,
        f"{F1}: the CAPA is closed, and a closed CAPA does not change; if the problem came back, "
        "raise a new finding in a new audit",
        F1, "--owner", "Someone else")


def test_a_grade_that_takes_no_capa_is_refused(sample_repo: Path, run: Run) -> None:
    assert_refused(
        sample_repo, run,
        f"{F5}: a finding graded good-practice takes no CAPA (capa: none in qms.yaml); there is "
        "nothing to follow up",
        F5, "--owner", "Store manager")


@pytest.mark.parametrize(("finding_id", "message"), [
    (f"{AUDIT}-F9", f"{AUDIT} has no finding {AUDIT}-F9 (did you mean '{F5}'?); its findings: "
                    f"{F1}, {F2}, {F3}, {F4}, {F5}"),
    ("AUD-20260101-XYZ-0000-F1", "no audit AUD-20260101-XYZ-0000 in audits/records, so no "
                                 "finding AUD-20260101-XYZ-0000-F1 (`qms findings` lists the "
                                 "findings)"),
    ("TEL-001", "TEL-001 is not a finding id; finding ids are <audit id>-F<n>, e.g. "
                "AUD-20261015-NJR-7F3A-F2 (`qms findings` lists them)"),
])
def test_unknown_findings_are_named(sample_repo: Path, run: Run, finding_id: str,
                                    message: str) -> None:
    assert_refused(sample_repo, run, message, finding_id, "--owner", "X")


@pytest.mark.parametrize(("args", "message"), [
    (("--due", "2027-1-31"), "Invalid value for '--due': '2027-1-31' is not a date; write "
                             "YYYY-MM-DD, e.g. 2027-01-31"),
    (("--due", "2027-02-30"), "Invalid value for '--due': '2027-02-30' is not a date; write "
                              "YYYY-MM-DD, e.g. 2027-01-31"),
    (("--verify", "effective"), "--verify needs --by NAME (who verified the action)"),
    (("--owner", "  "), "Invalid value for '--owner': must not be empty"),
    (("--status", "done"), "Invalid value for '--status': 'done' is not one of 'open', "
                           "'contained', 'root-cause-found', 'action-planned', 'implemented', "
                           "'verified', 'closed'."),
])
def test_usage_errors_exit_2(sample_repo: Path, run: Run, args: tuple[str, ...],
                             message: str) -> None:
    result = capa(sample_repo, run, F2, *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: {message}"


# ---------------------------------------------------------------- --commit


def test_commit_takes_only_the_record_and_leaves_other_staged_files(sample_repo: Path,
                                                                    run: Run) -> None:
    unrelated = sample_repo / "standards" / "notes.txt"
    unrelated.write_text("work in progress\n", encoding="utf-8")
    git(sample_repo, "add", "standards/notes.txt")
    head = git(sample_repo, "rev-parse", "HEAD").strip()

    result = capa(sample_repo, run, F2, "--status", "implemented", "--commit")

    assert result.exit_code == 0, result.output
    commit = git(sample_repo, "rev-parse", "HEAD").strip()
    assert commit != head
    assert result.stdout.splitlines()[-1] == f"committed {RECORD} ({commit[:8]})"
    assert git(sample_repo, "log", "-1", "--format=%s") == (
        f"capa {F2}: status action-planned -> implemented\n")
    assert git(sample_repo, "show", "--name-only", "--format=", "HEAD") == f"{RECORD}\n"
    assert git(sample_repo, "diff", "--cached", "--name-only") == "standards/notes.txt\n"
    assert git(sample_repo, "status", "--porcelain") == "A  standards/notes.txt\n"


def test_a_refused_or_empty_change_commits_nothing(sample_repo: Path, run: Run) -> None:
    head = git(sample_repo, "rev-parse", "HEAD")
    assert capa(sample_repo, run, F2, "--status", "closed", "--commit").exit_code == 1
    assert capa(sample_repo, run, F2, "--status", "action-planned", "--commit").exit_code == 0
    assert git(sample_repo, "rev-parse", "HEAD") == head


def test_commit_outside_git_changes_nothing(sample_repo: Path, run: Run, tmp_path: Path) -> None:
    import shutil

    plain = tmp_path / "plain"
    shutil.copytree(sample_repo, plain, ignore=shutil.ignore_patterns(".git"))
    before = (plain / RECORD).read_bytes()
    result = capa(plain, run, F2, "--status", "implemented", "--commit")
    assert result.exit_code == 1
    assert result.stderr == (f"qms: error: {plain}: --commit needs a git repository; nothing "
                             "was changed\n")
    assert (plain / RECORD).read_bytes() == before


# ---------------------------------------------------------------- the record's own bytes


HAND_WRITTEN = """\
# Mystery calls of week 47, typed up by hand from the call log.
# Keep the quoting: the call centre's export script reads this file too.
id: AUD-20261120-CSC-2B7E   # id made by `qms audit start`
checklist: "CL-TELEPHONE"
site: 'Customer Service Centre'
auditors: [Wang Fang, "Li Wei"]   # Li Wei shadowed
started: 2026-11-20T09:00:00+08:00

answers:
- question: Q1
  result: nonconform    # 16 of 20
  note: "Rings: 3, 4, 6 (no apology) — see the log"
- question: Q2
  result: conform

findings:
    # F1 first: the one management asked about
    -   id: AUD-20261120-CSC-2B7E-F1
        question: Q1
        standard: TEL-001
        grade: minor      # agreed with the supervisor on the day
        statement: >
            Four of twenty calls rang more than three times;
            one caller heard no apology.
        capa:
            owner: 'CSC supervisor'   # named on the rota
            due: 2026-12-20
            status: open    # nothing done yet


    # F2 is only an observation
    -   id: AUD-20261120-CSC-2B7E-F2
        question: Q2
        standard: TEL-002
        grade: observation
        statement: "Hold music too loud"   # two callers said so
# end of record — anything below this line is ignored by the export script
"""
HAND_PATH = "audits/records/2026/AUD-20261120-CSC-2B7E.yaml"
HAND_F1 = """\
            status: contained # nothing done yet
            containment: Supervisor takes calls 12:00-14:00.
            history:
                -   on: 2026-11-23T10:30:00+08:00
                    status: contained
                    by: Wang Fang
                    note: status open -> contained; containment given
"""
HAND_F2 = """\
        capa:
            owner: Hold music vendor
            due: 2027-01-15
            status: open
            history:
                -   on: 2026-11-23T10:30:00+08:00
                    status: open
                    note: CAPA opened; owner Hold music vendor; due 2027-01-15
"""


def hand_written_expected() -> str:
    text = HAND_WRITTEN.replace("            status: open    # nothing done yet\n", HAND_F1)
    last = '        statement: "Hold music too loud"   # two callers said so\n'
    return text.replace(last, last + HAND_F2)


def change_hand_written(repo: Path, run: Run, newline: str = "\n", bom: str = "") -> bytes:
    path = repo / HAND_PATH
    path.write_bytes((bom + HAND_WRITTEN.replace("\n", newline)).encode("utf-8"))
    assert_check_passes(repo, run)
    first = capa(repo, run, "AUD-20261120-CSC-2B7E-F1", "--status", "contained",
                 "--containment", "Supervisor takes calls 12:00-14:00.", "--by", "Wang Fang")
    second = capa(repo, run, "AUD-20261120-CSC-2B7E-F2", "--owner", "Hold music vendor",
                  "--due", "2027-01-15")
    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    assert_check_passes(repo, run)
    return path.read_bytes()


def test_a_hand_commented_record_keeps_every_other_byte(sample_repo: Path, run: Run) -> None:
    written = change_hand_written(sample_repo, run).decode("utf-8")
    assert written == hand_written_expected()
    # Spelled out: the only line of the original that changed is the status line.
    diff = difflib.SequenceMatcher(None, HAND_WRITTEN.splitlines(), written.splitlines(),
                                   autojunk=False)
    changed = [(tag, HAND_WRITTEN.splitlines()[i1:i2]) for tag, i1, i2, _, _ in diff.get_opcodes()
               if tag != "equal"]
    assert changed == [("replace", ["            status: open    # nothing done yet"]),
                       ("insert", [])]


def test_line_endings_and_a_byte_order_mark_are_kept(sample_repo: Path, run: Run) -> None:
    written = change_hand_written(sample_repo, run, newline="\r\n", bom="\ufeff")
    assert written == ("\ufeff" + hand_written_expected().replace("\n", "\r\n")).encode("utf-8")


def test_the_sample_record_keeps_its_comment_inside_the_capa(sample_repo: Path,
                                                             run: Run) -> None:
    before = (sample_repo / RECORD).read_text(encoding="utf-8")
    assert capa(sample_repo, run, F3, "--status", "contained",
                "--containment", "Spare cardigans in the back office.").exit_code == 0
    after = (sample_repo / RECORD).read_text(encoding="utf-8")
    expected = before.replace(
        "      # overdue on purpose: the sample demonstrates the warning\n"
        "      due: 2026-10-31\n"
        "      status: open\n",
        "      # overdue on purpose: the sample demonstrates the warning\n"
        "      due: 2026-10-31\n"
        "      status: contained\n"
        "      containment: Spare cardigans in the back office.\n"
        "      history:\n"
        "        - on: 2026-11-23T10:30:00+08:00\n"
        "          status: contained\n"
        "          note: status open -> contained; containment given\n")
    assert expected != before
    assert after == expected


def test_long_text_is_folded_like_the_sample(sample_repo: Path, run: Run) -> None:
    cause = ("The rota leaves one associate on the floor between 13:30 and 14:30 while two "
             "colleagues take their lunch break at the same time, and nobody covers the door.")
    assert capa(sample_repo, run, F3, "--status", "root-cause-found",
                "--root-cause", cause).exit_code == 0
    text = (sample_repo / RECORD).read_text(encoding="utf-8")
    assert ("      root_cause: >\n"
            "        The rota leaves one associate on the floor between 13:30 and 14:30\n"
            "        while two colleagues take their lunch break at the same time, and\n"
            "        nobody covers the door.\n") in text
    assert finding(sample_repo, F3)["capa"]["root_cause"] == cause + "\n"
    assert_check_passes(sample_repo, run)


@pytest.mark.parametrize("value", ["yes", "on", "14:40", "null", "2027-01-31", "'quoted'",
                                   "a: b", "# not a comment", "50 %"])
def test_texts_read_back_as_written(sample_repo: Path, run: Run, value: str) -> None:
    assert capa(sample_repo, run, F3, "--containment", value).exit_code == 0
    assert finding(sample_repo, F3)["capa"]["containment"] == value
    assert_check_passes(sample_repo, run)


def test_a_one_line_capa_is_unfolded_and_keeps_its_comment(sample_repo: Path, run: Run) -> None:
    path = sample_repo / RECORD
    evidence = "    evidence: Observation notes, sales at 15:20 and 16:05\n"
    one_line = "    capa: {owner: Store manager, status: open}  # opened on the day\n"
    path.write_text(path.read_text(encoding="utf-8").replace(evidence, evidence + one_line),
                    encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    assert capa(sample_repo, run, F4, "--status", "contained", "--by", "Li Wei").exit_code == 0
    assert path.read_text(encoding="utf-8") == before.replace(one_line, (
        "    capa:                                       # opened on the day\n"
        "      owner: Store manager\n"
        "      status: contained\n"
        "      history:\n"
        "        - on: 2026-11-23T10:30:00+08:00\n"
        "          status: contained\n"
        "          by: Li Wei\n"
        "          note: status open -> contained\n"))
    assert_check_passes(sample_repo, run)


def test_comments_after_the_history_stay_below_new_entries(sample_repo: Path, run: Run) -> None:
    assert capa(sample_repo, run, F3, "--status", "contained").exit_code == 0
    path = sample_repo / RECORD
    last = "          note: status open -> contained\n"
    comment = "      # the store manager is on leave until 1 Dec\n  # F4 is an observation\n"
    text = path.read_text(encoding="utf-8")
    assert text.count(last) == 1
    path.write_text(text.replace(last, last + comment), encoding="utf-8")
    assert capa(sample_repo, run, F3, "--note", "Called the store.").exit_code == 0
    assert path.read_text(encoding="utf-8") == text.replace(last, last + (
        "        - on: 2026-11-23T10:30:00+08:00\n"
        "          status: contained\n"
        "          note: Called the store.\n") + comment)
    assert_check_passes(sample_repo, run)
