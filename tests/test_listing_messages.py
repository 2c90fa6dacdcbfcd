"""Messages of the reading commands: follow-on errors, broken files, text filters."""

from __future__ import annotations

from pathlib import Path

TEL_001 = "standards/telephone/TEL-001.yaml"


def _break(repo: Path, path: str = TEL_001) -> None:
    with (repo / path).open("a", encoding="utf-8") as stream:
        stream.write("stray: [unclosed\n")


def test_references_to_a_standard_that_does_not_parse_are_not_called_missing(
        run, sample_repo: Path) -> None:
    _break(sample_repo)
    result = run("check", str(sample_repo))
    assert result.exit_code == 1
    assert [line for line in result.stdout.splitlines() if ": error [" in line] == [
        f"{TEL_001}:62:1: error [syntax] YAML syntax: did not find expected ',' or ']' (while "
        "parsing a flow sequence)"]


def test_list_and_show_show_what_is_valid_with_a_warning(run, sample_repo: Path) -> None:
    _break(sample_repo)
    listed = run("list", "standards", "-C", str(sample_repo))
    assert listed.exit_code == 0
    assert listed.stderr == ("qms: warning: the repository has 1 error; `qms check` lists "
                             "them; showing what is valid\n")
    ids = [line.split()[0] for line in listed.stdout.splitlines()[1:]]
    assert "TEL-002" in ids and "TEL-001" not in ids
    shown = run("show", "TEL-002", "-C", str(sample_repo))
    assert shown.exit_code == 0 and shown.stdout.startswith("TEL-002  ")
    assert "showing what is valid" in shown.stderr


def test_a_text_filter_matches_words_ignoring_case(run, sample_repo: Path) -> None:
    listed = run("list", "standards", "--encounter", "telephone", "--format", "csv",
                 "-C", str(sample_repo))
    assert listed.exit_code == 0 and listed.stderr == ""
    ids = [line.split(",")[0] for line in listed.stdout.splitlines()[1:]]
    assert ids == ["TEL-001", "TEL-002", "TEL-003", "TEL-004"]
    prefix = run("list", "standards", "--encounter", "TELE enq", "--format", "csv",
                 "-C", str(sample_repo))
    assert prefix.stdout == listed.stdout


def test_a_filter_that_matches_nothing_lists_the_values_that_exist(
        run, sample_repo: Path) -> None:
    listed = run("list", "standards", "--encounter", "telefon", "-C", str(sample_repo))
    assert listed.exit_code == 0
    assert listed.stderr == (
        "qms: no standards match the filters given\n"
        "  --encounter 'telefon' matched none of: Add-on sale; Checkout; Complaint handling; "
        "Delivery; Farewell; Fitting room; Greeting; Objection handling; Premises; Probing "
        "needs; Product presentation; Returns and exchanges; Staff appearance; Telephone "
        "enquiry\n")
