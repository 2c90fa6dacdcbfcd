"""Two auditors, two clones, the same site on the same day: two records that merge cleanly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from qms.audits import records
from qms.format.check import check
from qms.format.ids import new_audit_id

from .audit_helpers import PREMISES_CSV, audit_id, write
from .conftest import git


def _audit_on_clone(run, clone: Path, auditor: str) -> str:
    answers = write(clone.parent / f"{clone.name}.csv", PREMISES_CSV)
    result = run("audit", "start", "CL-PREMISES", "--site", "Nanjing Road store", "--auditor",
                 auditor, "--answers", str(answers), "--commit", "-C", str(clone))
    assert result.exit_code == 0, result.output
    return audit_id(result.output)


def test_two_clones_audit_the_same_site_on_the_same_day_and_merge(run, sample_repo: Path,
                                                                  tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(sample_repo), str(origin))
    first, second = tmp_path / "li", tmp_path / "zhou"
    for clone in (first, second):
        git(tmp_path, "clone", "-q", str(origin), str(clone))

    one = _audit_on_clone(run, first, "Li Wei")
    two = _audit_on_clone(run, second, "Zhou Min")
    assert one != two
    assert one[:17] == two[:17] == "AUD-20261123-NRS-"

    git(first, "push", "-q", "origin", "main")
    git(second, "fetch", "-q", "origin")
    git(second, "merge", "--no-edit", "-q", "origin/main")  # raises if the merge conflicts
    assert git(second, "status", "--porcelain") == ""
    assert git(second, "log", "-1", "--format=%p").count(" ") == 1  # a real merge commit
    merged = check(second, date(2026, 11, 23))
    assert not merged.errors
    assert {one, two} <= set(merged.project.audits)


def test_ids_differ_for_the_same_site_and_moment() -> None:
    from datetime import datetime

    when = datetime(2026, 11, 23, 9, 30)
    ids = {new_audit_id("Nanjing Road store", when) for _ in range(200)}
    assert len(ids) > 190  # 4 random hex digits: 65,536 codes a site and day
    assert all(i.startswith("AUD-20261123-NRS-") for i in ids)


def test_a_new_record_never_overwrites_an_existing_one(tmp_path: Path, monkeypatch) -> None:
    import secrets
    from datetime import datetime

    codes = iter(["7f3a", "7f3a", "19b4"])
    real = secrets.token_hex  # temporary file names draw from it too (4 bytes); ids draw 2
    monkeypatch.setattr("qms.format.ids.secrets.token_hex",
                        lambda n: next(codes) if n == 2 else real(n))
    when = datetime(2026, 11, 23, 9, 30)
    first, path = records.create_record(tmp_path, "CL-X", "fp", "Nanjing Road", ["A"], when)
    second, other = records.create_record(tmp_path, "CL-X", "fp", "Nanjing Road", ["B"], when)
    assert (first, second) == ("AUD-20261123-NR-7F3A", "AUD-20261123-NR-19B4")
    assert "auditors: [A]" in path.read_text(encoding="utf-8")
    assert other != path
