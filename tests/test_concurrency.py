"""Two commands at once on one repository: each decides against the files on disk, under a lock."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from qms.audits import auditing
from qms.base.errors import QmsError
from qms.base.yamlread import parse

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
