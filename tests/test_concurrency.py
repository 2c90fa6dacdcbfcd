"""Two commands at once on one repository: each decides against the files on disk, under a lock."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from qms.audits import auditing, capa
from qms.base.errors import QmsError
from qms.base.yamlread import parse
from qms.format.load import load_config

from .audit_helpers import PREMISES_CSV, write

DAY = date(2026, 11, 23)
QMS = str(Path(sys.executable).parent / "qms")


def _imported_records(repo: Path, csv_name: str) -> list[Path]:
    found = []
    for path in sorted((repo / "audits" / "records").rglob("*.yaml")):
        data = parse(path.read_text(encoding="utf-8"))
        if (data.get("imported_from") or {}).get("file") == csv_name:
            found.append(path)
    return found


def test_an_import_refuses_a_file_another_import_recorded_after_it_loaded(
        sample_repo: Path) -> None:
    answers = write(sample_repo.parent / "answers.csv", PREMISES_CSV)
    # Both commands have loaded the repository before either writes: the race's interleaving.
    first, second = (auditing.open_project(sample_repo, DAY) for _ in range(2))
    when = datetime(2026, 11, 23, 10, 0)
    started = auditing.start(first, "CL-PREMISES", "Nanjing Road store", ["Li Wei"], when,
                             imported_from=auditing.import_source(first, answers, False))
    source = auditing.import_source(second, answers, False)  # its loaded records say nothing
    with pytest.raises(QmsError) as refusal:
        auditing.start(second, "CL-PREMISES", "Nanjing Road store", ["Wang Fang"], when,
                       imported_from=source)
    assert str(refusal.value) == (
        f"answers.csv was already imported as {started.audit.id} (Nanjing Road store, "
        "2026-11-23); importing it again would record the same visit twice. If it really is "
        "another audit, pass --again")
    assert _imported_records(sample_repo, "answers.csv") == [started.path]
    again = auditing.start(second, "CL-PREMISES", "Nanjing Road store", ["Wang Fang"], when,
                           imported_from=source, again=True)
    assert _imported_records(sample_repo, "answers.csv") == sorted([started.path, again.path])


def test_two_imports_of_one_csv_at_once_make_one_audit(sample_repo: Path) -> None:
    answers = write(sample_repo.parent / "answers.csv", PREMISES_CSV)
    command = [QMS, "audit", "start", "CL-PREMISES", "--site", "Nanjing Road store",
               "--auditor", "Li Wei", "--answers", str(answers), "-C", str(sample_repo)]
    runs = [subprocess.Popen(command, env=os.environ, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = sorted((r.wait(), *r.communicate()) for r in runs)
    assert [code for code, _, _ in outcomes] == [0, 1], outcomes
    records = _imported_records(sample_repo, "answers.csv")
    assert len(records) == 1
    refusal = outcomes[1][2]
    assert refusal.startswith(f"qms: error: answers.csv was already imported as "
                              f"{records[0].stem} (Nanjing Road store, 2026-11-23)"), refusal


CAPA_AUDIT = "AUD-20261015-NJR-7F3A"
CAPA_RECORD = f"audits/records/2026/{CAPA_AUDIT}.yaml"
OPEN_FINDING = f"{CAPA_AUDIT}-F3"  # minor, its CAPA open


def _history(repo: Path) -> list[dict]:
    data = parse((repo / CAPA_RECORD).read_text(encoding="utf-8"))
    finding = next(f for f in data["findings"] if f["id"] == OPEN_FINDING)
    return finding["capa"].get("history") or []


def test_a_capa_move_is_decided_on_the_state_another_command_left(sample_repo: Path) -> None:
    config = load_config(sample_repo)[0]
    when = datetime(2026, 11, 23, 10, 30)
    ahead = capa.CapaRequest(status="root-cause-found", root_cause="An old price list.")
    behind = capa.CapaRequest(status="contained", containment="Tickets checked every morning.")
    # Both commands found the CAPA open; the first to write moves it on.
    first, second = (capa.locate(sample_repo, config, OPEN_FINDING) for _ in range(2))
    assert capa.plan(config, second.finding, behind, when).after.status == "contained"
    assert capa.write(first, config, ahead, when).after.status == "root-cause-found"
    before = (sample_repo / CAPA_RECORD).read_bytes()
    with pytest.raises(QmsError) as refusal:
        capa.write(second, config, behind, when)
    assert str(refusal.value) == (
        f"{OPEN_FINDING}: the CAPA cannot go back from root-cause-found to contained; a CAPA "
        "moves forward only (from root-cause-found to: action-planned, implemented); a "
        "not-effective verification (--verify not-effective) is the one way back")
    assert (sample_repo / CAPA_RECORD).read_bytes() == before


def test_two_identical_capa_moves_at_once_record_one_move(sample_repo: Path) -> None:
    command = [QMS, "capa", OPEN_FINDING, "--status", "contained", "--containment",
               "Tickets checked every morning.", "-C", str(sample_repo)]
    runs = [subprocess.Popen(command, env=os.environ, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = sorted(r.communicate()[0] for r in runs)
    assert [r.returncode for r in runs] == [0, 0]
    assert outputs == [
        f"{OPEN_FINDING}: nothing to change (the CAPA is contained)\n",
        f"{OPEN_FINDING}: status open -> contained; containment given\n"
        f"wrote {CAPA_RECORD}\n",
    ]
    assert [event["note"] for event in _history(sample_repo)] == [
        "status open -> contained; containment given"]
