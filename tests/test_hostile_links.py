"""Symbolic links do not lead qms out of the repository: a link to a file outside is refused
(`link-outside`, naming the link) and its content reaches no output, no message, no manual.

A repository is untrusted (CI builds pull requests): `standards/x.yaml -> /etc/passwd` must not
make `qms check` print the file, nor `qms build` publish it. Links inside the repository work.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

SECRET = "TOP-SECRET-OUTSIDE-CONTENT"
LINK_MESSAGE = "is a symbolic link to a place outside the repository"
TEL = "standards/telephone/TEL-001.yaml"


@pytest.fixture
def outside(sample_repo: Path) -> Path:
    """A folder beside the repository holding secrets of every kind qms reads."""
    folder = sample_repo.parent / "outside"
    folder.mkdir()
    (folder / "passwd").write_text(f"root:x:0:0:{SECRET}:/root:/bin/bash\n", encoding="utf-8")
    standard = (sample_repo / TEL).read_text(encoding="utf-8")
    (folder / "TEL-900.yaml").write_text(
        standard.replace("TEL-001", "TEL-900").replace("Answer incoming calls", SECRET),
        encoding="utf-8")
    kpi = (sample_repo / "audits/measurements/kpi-2026.csv").read_text(encoding="utf-8")
    (folder / "kpi.csv").write_text(kpi.splitlines()[0] + f"\n2026-01-01,TEL-001,{SECRET},1\n",
                                    encoding="utf-8")
    (folder / "qms.yaml").write_text(f"organisation: {SECRET}\n", encoding="utf-8")
    return folder


def _link(repo: Path, name: str, target: Path) -> None:
    link = repo / name
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.exists():
        link.unlink() if link.is_file() else shutil.rmtree(link)
    link.symlink_to(target)


@pytest.mark.parametrize("name, target", [
    ("standards/telephone/passwd.yaml", "passwd"),
    ("standards/telephone/TEL-900.yaml", "TEL-900.yaml"),
    ("standards/planning/PLN-900.yaml", "passwd"),
    ("audits/checklists/CL-X.yml", "passwd"),
    ("audits/records/2026/AUD-20260101-X-0000.yaml", "passwd"),
    ("audits/measurements/kpi-x.csv", "kpi.csv"),
    ("audits/sqi/sqi-x.csv", "passwd"),
    ("audits/surveys/wave-x.csv", "passwd"),
    ("standards/linked-folder", "."),
    ("qms.yaml", "qms.yaml"),
])
def test_check_names_a_link_out_and_prints_none_of_its_content(
        sample_repo: Path, outside: Path, run: Callable[..., object],
        name: str, target: str) -> None:
    _link(sample_repo, name, outside / target)
    for form in ("text", "json"):
        result = run("check", "--format", form, str(sample_repo))
        assert result.exit_code == 1, result.output
        assert LINK_MESSAGE in result.output and "link-outside" in result.output
        assert name in result.output
        assert SECRET not in result.output


def test_a_whole_folder_linked_out_is_refused(
        sample_repo: Path, outside: Path, run: Callable[..., object]) -> None:
    shutil.rmtree(sample_repo / "audits/measurements")
    (sample_repo / "audits/measurements").symlink_to(outside)
    result = run("check", str(sample_repo))
    assert result.exit_code == 1
    assert f"audits/measurements: error [link-outside] {LINK_MESSAGE}" in result.output
    assert SECRET not in result.output


def test_the_manual_is_not_built_from_a_link_out(
        sample_repo: Path, outside: Path, run: Callable[..., object]) -> None:
    _link(sample_repo, "standards/telephone/TEL-900.yaml", outside / "TEL-900.yaml")
    result = run("build", "-q", str(sample_repo))
    assert result.exit_code == 1
    assert "standards/telephone/TEL-900.yaml: error [link-outside]" in result.output
    assert SECRET not in result.output
    built = [p for p in (sample_repo / "build").rglob("*") if p.is_file()]
    assert not any(SECRET.encode() in p.read_bytes() for p in built)


def test_due_and_findings_stop_at_a_record_linked_out(
        sample_repo: Path, outside: Path, run: Callable[..., object]) -> None:
    _link(sample_repo, "audits/records/2026/AUD-20260101-X-0000.yaml", outside / "passwd")
    for command in ("due", "findings"):
        result = run(command, "-C", str(sample_repo))
        assert result.exit_code == 1, (command, result.output)
        assert LINK_MESSAGE in result.output and SECRET not in result.output


def test_a_new_record_is_not_written_through_a_folder_linked_out(
        sample_repo: Path, outside: Path, run: Callable[..., object]) -> None:
    year = sample_repo / "audits/records/2026"
    shutil.rmtree(year)
    year.symlink_to(outside)
    before = sorted(p.name for p in outside.iterdir())
    result = run("audit", "start", "CL-TELEPHONE", "--site", "Hotline", "--auditor", "A",
                 "-C", str(sample_repo), input="")
    assert result.exit_code == 1, result.output
    assert "audits/records/2026 (where the record would be written)" in result.output
    assert sorted(p.name for p in outside.iterdir()) == before


def test_links_inside_the_repository_are_read(
        sample_repo: Path, run: Callable[..., object]) -> None:
    shared = sample_repo / "shared"
    shared.mkdir()
    text = (sample_repo / TEL).read_text(encoding="utf-8")
    (shared / "TEL-901.yaml").write_text(text.replace("TEL-001", "TEL-901"), encoding="utf-8")
    (sample_repo / "standards/telephone/TEL-901.yaml").symlink_to(shared / "TEL-901.yaml")
    result = run("show", "TEL-901", "-C", str(sample_repo))
    assert result.exit_code == 0, result.output
    assert "file: standards/telephone/TEL-901.yaml" in result.output
    checked = run("check", str(sample_repo))
    assert "link-outside" not in checked.output


@pytest.mark.parametrize("name", ["build", "build/html", "build/.qms"])
def test_the_build_does_not_write_through_a_link_out(
        sample_repo: Path, outside: Path, run: Callable[..., object], name: str) -> None:
    (sample_repo / name).parent.mkdir(parents=True, exist_ok=True)
    (sample_repo / name).symlink_to(outside, target_is_directory=True)
    before = {p.name: p.read_bytes() for p in outside.iterdir()}
    for options in ([], ["--clean"]):
        result = run("build", "-q", *options, str(sample_repo))
        assert result.exit_code == 1, result.output
        assert f"{name}: is a symbolic link to a place outside the repository" in result.output
        assert "nothing was written" in result.output
    assert {p.name: p.read_bytes() for p in outside.iterdir()} == before


@pytest.mark.parametrize("name", ["build/source", "build/doctrees"])
def test_a_link_out_made_after_a_build_is_refused_by_the_next(
        sample_repo: Path, outside: Path, run: Callable[..., object], name: str) -> None:
    # The next build has nothing to do, and is told so from the last build's record: it still
    # refuses a folder of the build that now leads out of the repository.
    built = run("build", "-q", str(sample_repo))
    assert built.exit_code == 0, built.output  # type: ignore[attr-defined]
    (sample_repo / name).rename(sample_repo / "build" / "moved-away")
    (sample_repo / name).symlink_to(outside, target_is_directory=True)
    result = run("build", "-q", str(sample_repo))
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    assert f"{name}: is a symbolic link to a place outside the repository" in (
        result.output)  # type: ignore[attr-defined]
