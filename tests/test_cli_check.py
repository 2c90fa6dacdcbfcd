"""`qms check` end to end: the sample's warnings, output formats, exit codes, never writing."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qms.base import yamlread

from .conftest import FIXTURES, git

# The warnings the sample QMS demonstrates on purpose (and nothing else).
SAMPLE_WARNINGS = [
    "audits/records/2026/AUD-20261015-NJR-7F3A.yaml:105: warning [capa-overdue] the CAPA of "
    "AUD-20261015-NJR-7F3A-F3 was due on 2026-10-31 and is open",
    "standards/appearance/APP-002.yaml:42: warning [review-overdue] APP-002 was due for review "
    "on 2026-09-01",
    "standards/complaints/CMP-003.yaml:1: warning [uncovered-standard] no checklist question "
    "audits CMP-003",
    "standards/floor/FAR-001.yaml:56: warning [changed-since-approval] FAR-001 changed since "
    "Head of Quality approved it on 2026-05-11; review it and run `qms approve FAR-001`",
    "standards/planning/PLN-EXP-001.yaml:32: warning [action-overdue] PLN-EXP-001 action 3 was "
    "due on 2026-09-30: Show the real delivery date at checkout from the courier's live schedule.",
]


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root (outside .git) with its size and modification time."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*") if p.is_file() and ".git" not in p.parts
    }


def test_sample_reports_exactly_its_deliberate_warnings(
    sample_repo: Path, run: Callable[..., object]
) -> None:
    result = run("check", str(sample_repo))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == SAMPLE_WARNINGS
    assert "0 error(s), 5 warning(s)" in result.stderr


def test_strict_fails_on_warnings(sample_repo: Path, run: Callable[..., object]) -> None:
    assert run("check", "--strict", str(sample_repo)).exit_code == 1


def test_json_format_has_the_same_fields(sample_repo: Path, run: Callable[..., object]) -> None:
    result = run("check", "--format", "json", str(sample_repo))
    issues = json.loads(result.stdout)
    assert [i["code"] for i in issues] == [
        "capa-overdue", "review-overdue", "uncovered-standard", "changed-since-approval",
        "action-overdue"]
    assert issues[1] == {
        "path": "standards/appearance/APP-002.yaml", "line": 42, "severity": "warning",
        "code": "review-overdue", "message": "APP-002 was due for review on 2026-09-01",
        "column": None,
    }


def test_today_pins_what_is_overdue(sample_repo: Path, run: Callable[..., object]) -> None:
    result = run("check", "--today", "2026-08-01", str(sample_repo))
    codes = [line.split("[")[1].split("]")[0] for line in result.stdout.splitlines()]
    assert codes == ["uncovered-standard", "changed-since-approval"]


def test_today_from_the_environment(
    sample_repo: Path, run: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QMS_TODAY", "2026-08-01")
    assert "overdue" not in run("check", str(sample_repo)).stdout


def test_check_from_a_subfolder_finds_the_root(
    sample_repo: Path, run: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sample_repo / "standards" / "floor")
    result = run("check")
    assert result.stdout.splitlines() == SAMPLE_WARNINGS


def test_check_never_writes_a_file(sample_repo: Path, run: Callable[..., object]) -> None:
    before = snapshot(sample_repo)
    run("check", str(sample_repo))
    run("check", "--format", "json", "--strict", str(sample_repo))
    assert snapshot(sample_repo) == before
    assert git(sample_repo, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--format", "xml"], "'xml' is not one of 'text', 'json'"),
        (["check", "--today", "23/11/2026"], "'23/11/2026' is not a date; write YYYY-MM-DD"),
        # Click's own words ("No such option: --bogus" before 8.3): the option is named.
        (["check", "--bogus"], "--bogus"),
    ],
)
def test_usage_errors_exit_2(
    args: list[str], message: str, run: Callable[..., object], sample_repo: Path
) -> None:
    result = run(*args, str(sample_repo))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_not_a_repository_is_a_user_error(tmp_path: Path, run: Callable[..., object]) -> None:
    result = run("check", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"qms: error: {tmp_path}: not a QMS repository (no qms.yaml here or in any parent "
        "folder); run `qms init PATH` to create one\n"
    )


def test_an_internal_bug_exits_3_with_a_hint(
    run: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("qms.cli.repo.check", broken)
    result = run("check", str(FIXTURES / "minimal"))
    assert result.exit_code == 3
    assert "RuntimeError: boom" in result.stderr
    assert "This is a bug in qms, not in your files. Please report it" in result.stderr


def test_a_file_over_the_size_limit(sample_repo: Path, run: Callable[..., object]) -> None:
    big = sample_repo / "standards" / "huge.yaml"
    big.write_bytes(b"# padding\n" * (600 * 1024))
    result = run("check", str(sample_repo))
    assert result.exit_code == 1
    assert (
        "standards/huge.yaml: error [too-large] the file is 5.9 MB; qms reads files up to 5 MB "
        "(is it really a QMS file?)"
    ) in result.stdout.splitlines()


def test_an_unreadable_file(
    sample_repo: Path, run: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.open

    def failing(path: Any, *how: Any, **options: Any) -> int:
        if os.fspath(path).endswith("TEL-001.yaml"):  # (as root, a file's mode would not do)
            raise PermissionError(13, "Permission denied")
        return real(path, *how, **options)

    monkeypatch.setattr(os, "open", failing)
    # the patch lives in this process
    monkeypatch.setattr("qms.format.load.PARALLEL_THRESHOLD", 10**9)
    result = run("check", str(sample_repo))
    assert "standards/telephone/TEL-001.yaml: error [unreadable] cannot read the file: " \
           "Permission denied" in result.stdout.splitlines()


def test_parallel_and_serial_loading_agree(
    sample_repo: Path, monkeypatch: pytest.MonkeyPatch, run: Callable[..., object]
) -> None:
    (sample_repo / "standards" / "floor" / "GRT-001.yaml").write_text("id: [broken\n")
    serial = run("check", "--format", "json", str(sample_repo)).stdout
    monkeypatch.setattr("qms.format.load.PARALLEL_THRESHOLD", 1)
    parallel = run("check", "--format", "json", str(sample_repo)).stdout
    assert parallel == serial
    assert "[broken" not in serial and "syntax" in serial


def test_libyaml_is_in_use() -> None:
    assert yamlread._Loader.__name__ == "CSafeLoader"
    assert os.environ["QMS_TODAY"] == "2026-11-23"


def test_an_invalid_standard_is_not_reported_as_missing_where_it_is_referenced(
    sample_repo: Path, run: Callable[..., object]
) -> None:
    path = sample_repo / "standards" / "telephone" / "TEL-002.yaml"
    path.write_text(path.read_text().replace("\nowner:", "\nownr:"))
    errors = [line for line in run("check", str(sample_repo)).stdout.splitlines()
              if ": error [" in line]
    assert [e.split(" [")[1].split("]")[0] for e in errors] == ["missing-field", "unknown-field"]
    assert all(e.startswith("standards/telephone/TEL-002.yaml:") for e in errors)


@pytest.mark.parametrize(("args", "code", "stream", "expected"), [
    (["check", "{repo}"], 0, "stderr", "0 error(s), 5 warning(s)"),
    (["check", "{repo}/nowhere"], 1, "stderr", "qms: error:"),
    (["check", "--no-such-option"], 2, "stderr", "No such option"),
])
def test_the_installed_command_exits_with_its_code_and_flushed_output(
        sample_repo: Path, args: list[str], code: int, stream: str, expected: str) -> None:
    import subprocess
    import sys

    qms = Path(sys.executable).parent / "qms"
    command = [str(qms), *(a.format(repo=sample_repo) for a in args)]
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          env={**os.environ, "QMS_TODAY": "2026-11-23"})
    assert done.returncode == code
    assert expected in getattr(done, stream)


def test_a_large_output_through_a_pipe_arrives_whole() -> None:
    # main() ends the process with os._exit: what it printed must be flushed first.
    import subprocess
    import sys

    qms = Path(sys.executable).parent / "qms"
    done = subprocess.run([str(qms), "schema"], capture_output=True, text=True, check=True)
    assert len(done.stdout) > 20_000
    assert "standard" in json.loads(done.stdout)  # cut short, it would not parse


PLUGINS_PROBE = """\
import atexit, os, sys
from pydantic.plugin import _loader
from qms.cli.main import main
atexit.register(lambda: print(repr(os.environ.get("PYDANTIC_DISABLE_PLUGINS")),
                              _loader._plugins is None))
sys.argv = ["qms", "check", sys.argv[1]]
main()
"""


@pytest.mark.parametrize(("setting", "seen", "searched"), [
    (None, "'__all__'", False),  # qms's default: pydantic never looks for plugins
    ("", "''", True),  # the user's word stands: plugins are looked for again
])
def test_the_qms_command_turns_off_pydantics_plugin_search_unless_told(
        sample_repo: Path, setting: str | None, seen: str, searched: bool) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if setting is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = setting
    done = subprocess.run([sys.executable, "-c", PLUGINS_PROBE, str(sample_repo)],
                          capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == [seen, str(not searched)]


@pytest.mark.parametrize("args", [
    ("build", "{repo}"),
    ("capa", "AUD-20261015-NJR-7F3A-F1", "--owner", "X", "-C", "{repo}"),
    ("audit", "start", "CL-PREMISES", "--site", "S", "--auditor", "A", "-C", "{repo}"),
    ("due", "-C", "{repo}"),
    ("approve", "TEL-001", "--by", "Q", "-C", "{repo}"),
])
def test_a_broken_qms_yaml_stops_every_command_with_one_wording(run, sample_repo: Path,
                                                                 args: tuple[str, ...]) -> None:
    # One loader owns this message: every command names the file, the line and the fix alike.
    config = sample_repo / "qms.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8")
    result = run(*(a.format(repo=sample_repo) for a in args))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    # Only qms.yaml's own errors: the rest follow from it and would bury the cause.
    assert lines[0] == "qms: error: qms.yaml has errors; fix them first (`qms check` lists them):"
    assert len(lines) == 2
    assert lines[1].startswith("qms.yaml:") and "[unknown-field] 'colour'" in lines[1]


def test_a_closed_pipe_ends_quietly(sample_repo: Path) -> None:
    # `qms sqi | head -1`: the reader leaves early; no traceback, no "internal error".
    import subprocess
    import sys

    qms = Path(sys.executable).parent / "qms"
    with subprocess.Popen([str(qms), "sqi", "--by", "day", "-C", str(sample_repo)],
                          stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()  # before qms has written the rest
        err = process.stderr.read().decode()
        assert process.wait() == 141
    assert "Traceback" not in err and "internal error" not in err


def test_a_broken_qms_yaml_is_reported_alone(sample_repo: Path,
                                             run: Callable[..., object]) -> None:
    # Checked by the defaults it falls back to, every SQI row of the sample would be an
    # unknown category: thousands of errors that follow from one, listed before it.
    config = sample_repo / "qms.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  audience: quality", "  audience: everyone"), encoding="utf-8")
    result = run("check", str(sample_repo))
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if " error [" in line]
    assert errors == ["qms.yaml:14: error [bad-value] manual.audience: 'everyone' is not "
                      "allowed; use one of: quality, staff"]
