"""The build stamp: a no-change build stops before loading, and the stamp covers the code a build
runs, no more (an edit to another command's code must not make the next build a full check)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from qms.base import gitrepo
from qms.format.load import open_config
from qms.manual import build, buildstate

from .conftest import TODAY, git
from .manual_helpers import build_once
from .test_manual_languages import _bilingual

PROBE = """\
import sys, datetime, pathlib
from qms.manual.build import BuildOptions, build
build(pathlib.Path(sys.argv[1]), BuildOptions(today=datetime.date.fromisoformat(sys.argv[2]),
                                              echo=lambda line: None))
for module in list(sys.modules.values()):
    if module.__name__.split(".")[0] == "qms" and getattr(module, "__file__", None):
        print(module.__file__)
"""


def test_a_second_build_is_up_to_date_without_loading(sample_repo: Path) -> None:
    first, _ = build_once(sample_repo)
    assert first.sphinx_ran and "load" in first.seconds
    again, _ = build_once(sample_repo)
    assert again.up_to_date and not again.sphinx_ran
    assert again.seconds == {} and again.written == []  # nothing loaded, rendered or built


def test_the_stamp_covers_every_module_a_build_runs(sample_repo: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, str(sample_repo), TODAY],
                          capture_output=True, text=True, check=True)
    package = buildstate.PACKAGE
    used = {Path(line).relative_to(package).parts[0] for line in done.stdout.split()}
    assert "manual" in used and "format" in used
    assert used - set(buildstate.MANUAL_CODE) == set()


def _fake_package(root: Path) -> Path:
    for name in ("__init__.py", "cli/build.py", "audits/session.py", "measurement/kpi.py",
                 "manual/render.py", "base/files.py", "format/models.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("# code\n", encoding="utf-8")
    return root


def _touch_later(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_editing_other_commands_code_keeps_the_stamp(sample_repo: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    package = _fake_package(tmp_path / "qms")
    monkeypatch.setattr(buildstate, "PACKAGE", package)
    root, config = open_config(sample_repo)
    today = date.fromisoformat(TODAY)

    def stamps() -> tuple[str, str]:
        return (buildstate.input_stamp(root, config, today, None),
                buildstate.render_settings_key(root, config, today, ""))

    before = stamps()
    for other in ("cli/build.py", "audits/session.py"):
        _touch_later(package / other)
        assert stamps() == before, other
    # the measurement library makes the figures of the manual's measurement pages
    for own in ("manual/render.py", "measurement/kpi.py", "format/models.py", "__init__.py"):
        _touch_later(package / own)
        after = stamps()
        assert after[0] != before[0] and after[1] != before[1], own
        before = after


NO_CHANGE_PROBE = """\
import sys, datetime, pathlib
from qms.manual.build import BuildOptions, build
result = build(pathlib.Path(sys.argv[1]),
               BuildOptions(today=datetime.date.fromisoformat(sys.argv[2]), echo=print))
print("up to date" if result.up_to_date else "built")
print(*sorted(name for name in sys.modules if "." not in name), sep="\\n")
print(*sorted(name for name in sys.modules if name.startswith("qms.")), sep="\\n")
"""


def test_a_no_change_build_imports_no_pipeline(fixture_repo: Callable[[str], Path]) -> None:
    # The stamp is checked before Sphinx, Jinja2, GitPython and the measurement library (numpy)
    # are imported: together they were most of a no-change build's time.
    repo = fixture_repo("manual-small")
    build_once(repo)
    done = subprocess.run([sys.executable, "-c", NO_CHANGE_PROBE, str(repo), TODAY],
                          capture_output=True, text=True, check=True)
    imported = set(done.stdout.split("\n"))
    assert "up to date" in imported
    assert imported & {"sphinx", "jinja2", "git", "numpy", "docutils", "furo"} == set()
    assert "qms.manual.pipeline" not in imported and "qms.manual.build" in imported


CLI_PROBE = """\
import sys
from qms.cli.main import cli
try:
    cli(["build", "-q", sys.argv[1]], prog_name="qms")
except SystemExit as stop:
    assert not stop.code, stop.code
print(*sorted(name for name in sys.modules if "." not in name), sep="\\n")
"""


def test_qms_build_with_nothing_to_do_reads_no_configuration(
        fixture_repo: Callable[[str], Path]) -> None:
    # Told from what the last build recorded: no pydantic, YAML, Jinja2 or Sphinx imported
    # (pydantic and the configuration's models were most of a no-change build's time).
    repo = fixture_repo("manual-small")
    build_once(repo)
    done = subprocess.run([sys.executable, "-c", CLI_PROBE, str(repo)], capture_output=True,
                          text=True, check=True)
    assert "the manual is up to date" in done.stdout
    imported = set(done.stdout.split("\n"))
    assert imported & {"pydantic", "yaml", "jinja2", "sphinx", "docutils", "numpy"} == set()
    # the record is the user's, not the repository's
    assert not [path for path in repo.rglob("*.json") if "builds" in path.parts]


def _day() -> date:
    return date.fromisoformat(TODAY)


def test_the_record_tells_what_build_would(fixture_repo: Callable[[str], Path]) -> None:
    repo = _bilingual(fixture_repo("manual-small"))
    first, _ = build_once(repo)
    assert build.up_to_date(repo, _day()) is not None  # (recorded by the build)
    again, _ = build_once(repo)
    told = build.up_to_date(repo / "standards", _day())  # (from a folder inside it too)
    assert told is not None and again.up_to_date
    for mine, theirs in zip([told, *told.others], [again, *again.others], strict=True):
        assert (mine.index, mine.language, mine.edition, mine.warnings) == (
            theirs.index, theirs.language, theirs.edition, theirs.warnings)
        assert mine.up_to_date
    assert [r.language for r in [told, *told.others]] == ["en", "zh_CN"]
    assert build.up_to_date(repo, _day(), audience="staff") is None  # (never built)
    assert build.up_to_date(repo, date(2030, 1, 1)) is None  # another day: overdue dates


@pytest.mark.parametrize("change", ["config", "input", "version", "damaged", "head"])
def test_the_record_is_not_used_once_anything_changed(fixture_repo: Callable[[str], Path],
                                                       change: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo)
    build_once(repo)
    assert build.up_to_date(repo, _day()) is not None
    if change == "config":  # the same folders, other bytes: read again
        config = repo / "qms.yaml"
        config.write_text(config.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    elif change == "input":
        standard = repo / "standards" / "desk" / "DSK-001.yaml"
        standard.write_text(standard.read_text(encoding="utf-8") + "# a comment\n",
                            encoding="utf-8")
    elif change == "version":
        monkeypatch.setattr(build, "__version__", "0.0.0-other")
    elif change == "damaged":
        record = build._record_file(repo, None, None)
        record.write_text(record.read_text(encoding="utf-8")[:-7], encoding="utf-8")
    else:
        git(repo, "commit", "-q", "--allow-empty", "-m", "another commit")
    assert build.up_to_date(repo, _day()) is None
    result, _ = build_once(repo)  # the build itself sees the change (a no-op for "damaged")
    assert result.up_to_date is (change in ("version", "damaged"))


BUILD_PROBE = """\
import sys, datetime, pathlib, threading
# Another thread keeps the build from forking (workers.can_fork), so what its child would
# import shows here too.
threading.Thread(target=threading.Event().wait, daemon=True).start()
from qms.manual.build import BuildOptions, build
result = build(pathlib.Path(sys.argv[1]),
               BuildOptions(today=datetime.date.fromisoformat(sys.argv[2]), echo=print))
print("written", *result.written)
print(*sorted(sys.modules), sep="\\n")
"""

# What an edit build leaves alone: the charts (a measure page is not drawn again), the gap
# diagram and SQI figures, the processes to share work over (-j 1), difflib (for a mistake's
# suggestion), numpy (SERVQUAL scores). Together about 40 ms of imports, as much as the edit.
NOT_FOR_AN_EDIT = {"qms.manual.charts.xmr", "qms.manual.charts.bars", "qms.manual.charts.plots",
                   "qms.manual.charts.canvas", "qms.manual.gapdiagram", "qms.measurement.sqi",
                   "multiprocessing", "concurrent.futures", "difflib", "numpy"}


def _libraries_import() -> set[str]:
    # What of NOT_FOR_AN_EDIT the libraries an edit uses import themselves (with the lowest
    # versions allowed, Sphinx's search imports babel's catalogue, which imports difflib):
    # qms can only leave alone what they leave alone.
    done = subprocess.run([sys.executable, "-c", "import sys, sphinx.search, jinja2.sandbox, "
                           "pydantic, click, yaml, docutils.nodes; print(*sys.modules)"],
                          capture_output=True, text=True, check=True)
    return NOT_FOR_AN_EDIT & set(done.stdout.split())


def _built_importing(repo: Path) -> tuple[list[str], set[str]]:
    done = subprocess.run([sys.executable, "-c", BUILD_PROBE, str(repo), TODAY],
                          capture_output=True, text=True, check=True)
    written = next(line for line in done.stdout.splitlines() if line.startswith("written"))
    return written.split()[1:], set(done.stdout.splitlines())


def _retitle(standard: Path, old: str, new: str) -> None:
    text = standard.read_text(encoding="utf-8")
    assert old in text
    standard.write_text(text.replace(old, new), encoding="utf-8")


def test_an_edit_build_imports_what_it_uses(sample_repo: Path) -> None:
    # A clean build draws every chart and scores the SQI: it imports them ...
    written, imported = _built_importing(sample_repo)
    assert "standards/CMP-003" in written
    assert imported >= NOT_FOR_AN_EDIT - {"multiprocessing", "concurrent.futures", "difflib"}
    # ... an edit of one standard's title (a standard without measures) writes its pages
    # without them
    standards = sample_repo / "standards"
    _retitle(standards / "complaints" / "CMP-003.yaml", "on the spot", "there and then")
    written, imported = _built_importing(sample_repo)
    assert "standards/CMP-003" in written
    assert "qms.manual.pipeline" in imported and "qms.manual.charts" in imported
    assert imported & (NOT_FOR_AN_EDIT - _libraries_import()) == set()
    # a standard's measure pages show its title: retitled, they are drawn again, charts and all
    _retitle(standards / "floor" / "PRES-002.yaml", "selling the new", "selling any new")
    written, imported = _built_importing(sample_repo)
    assert "measures/PRES-002-knowledge-test-pass-rate" in written
    assert "qms.manual.charts.xmr" in imported


def _add_standard(repo: Path) -> None:
    old = repo / "standards" / "desk" / "DSK-000.yaml"
    (old.parent / "DSK-009.yaml").write_text(
        old.read_text(encoding="utf-8").replace("id: DSK-000", "id: DSK-009"), encoding="utf-8")


def _override_template(repo: Path) -> None:
    target = repo / "templates" / "manual" / "plans_index.rst.j2"
    target.parent.mkdir(parents=True)
    target.write_text('{% extends "qms/manual/plans_index.rst.j2" %}\n', encoding="utf-8")


CHANGES: dict[str, Callable[[Path], object]] = {
    "a file added": _add_standard,
    "a file removed": lambda repo: next((repo / "audits" / "records").rglob("*.yaml")).unlink(),
    "qms.yaml edited": lambda repo: (repo / "qms.yaml").write_text(
        (repo / "qms.yaml").read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8"),
    "a template overridden": _override_template,
    "a commit alone": lambda repo: git(repo, "commit", "-q", "--allow-empty", "-m", "nothing"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_the_no_change_check_notices(fixture_repo: Callable[[str], Path], change: str) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo)
    assert build_once(repo)[0].up_to_date
    CHANGES[change](repo)
    again, _ = build_once(repo)
    assert not again.up_to_date and "load" in again.seconds, change
    assert build_once(repo)[0].up_to_date, change


def test_head_commit_outside_git_before_and_after_the_first_commit(tmp_path: Path) -> None:
    assert gitrepo.head_commit(tmp_path) is None
    git(tmp_path, "init", "-q", "-b", "main")
    assert gitrepo.head_commit(tmp_path) == ""
    (tmp_path / "qms.yaml").write_text("organisation: x\n", encoding="utf-8")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "first")
    (tmp_path / "sub").mkdir()
    assert gitrepo.head_commit(tmp_path / "sub") == git(tmp_path, "rev-parse", "HEAD").strip()


def test_the_files_a_build_stats_serve_its_versions_and_are_forgotten_after(
        fixture_repo: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    # The item versions reuse what the stamp stat'ed; after the build (or a build with nothing
    # to do) nothing is kept, so a later caller of item_versions sees an edit made since.
    repo = fixture_repo("manual-small")
    stats: list[str] = []
    status = buildstate._status
    monkeypatch.setattr(buildstate, "_status", lambda path: stats.append(path) or status(path))
    monkeypatch.setattr("qms.base.workers.can_fork", lambda: False)  # the versions here
    build_once(repo, strict=True)
    assert stats == [] and buildstate._SEEN == {}
    build_once(repo, strict=True)  # up to date
    assert buildstate._SEEN == {}
    path = repo / "standards" / "desk" / "DSK-001.yaml"
    before = buildstate.item_versions(repo, {"DSK-001": "standards/desk/DSK-001.yaml"}, None)
    path.write_text(path.read_text("utf-8") + "\n", encoding="utf-8")
    after = buildstate.item_versions(repo, {"DSK-001": "standards/desk/DSK-001.yaml"}, None)
    assert before != after and len(stats) == 2
