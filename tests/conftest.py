"""Shared fixtures: real temporary git repositories with a pinned identity, and the CLI runner."""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import settings

from qms.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = "2026-11-23"  # the day every test judges due dates against

# No Hypothesis example may fail for being slow: CI shares its cores, and a test that took
# 0.53 s against the 0.2 s default once failed a landing with nothing wrong. Speed is measured by
# the scripts in bench/, not by unit tests. Tests that set their own settings keep them.
settings.register_profile("qms", deadline=None)
settings.load_profile("qms")

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.test",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.test",
    "GIT_AUTHOR_DATE": "2026-11-01T09:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-11-01T09:00:00+00:00",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def interruptible() -> None:
    """Run in a child before it starts: Ctrl-C stops it even where the test run was started
    with Ctrl-C ignored (`pytest &` in a script), which the child would keep (Python does)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="session")
def user_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tests' own user cache folder (the cache key, the builds' records): not the home's."""
    return tmp_path_factory.mktemp("user-cache")


@pytest.fixture(autouse=True)
def pinned_environment(monkeypatch: pytest.MonkeyPatch, user_cache: Path) -> None:
    """Every test runs with a pinned git identity, a pinned today, its own user cache, and
    output that is piped: no COLUMNS from the shell (or from pytest-xdist, which sets it in
    its workers) fits tables."""
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setenv("QMS_TODAY", TODAY)
    monkeypatch.setenv("XDG_CACHE_HOME", str(user_cache))


def git(cwd: Path, *args: str) -> str:
    """Run git in cwd and return its output (raises on failure)."""
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def make_git_repo(path: Path, message: str = "Initial QMS") -> Path:
    """Turn a folder into a git repository with everything committed."""
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", message)
    return path


@pytest.fixture
def sample_repo(tmp_path: Path) -> Path:
    """A copy of the sample QMS at the repository root, as its own git repository."""
    target = tmp_path / "sample"
    target.mkdir()
    shutil.copy2(ROOT / "qms.yaml", target / "qms.yaml")
    for folder in ("standards", "audits", "templates"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, target / folder)
    return make_git_repo(target)


@pytest.fixture
def fixture_repo(tmp_path: Path) -> Callable[[str], Path]:
    """Copy tests/fixtures/<name> into a temporary git repository and return its path."""

    def build(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target)
        return make_git_repo(target)

    return build


@pytest.fixture
def run() -> Callable[..., object]:
    """Invoke the qms CLI in-process: run('check', str(path)) -> click Result."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> object:
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A skipped test fails the run: every test here must run (browser tests included)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == pytest.ExitCode.OK:
        reporter.write_line(f"{len(skipped)} test(s) skipped: skipping counts as failing here",
                            red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Record the files each read of YAML parses (the file cache's reader), call by call."""
    import qms.format.loadcache

    real, read = qms.format.loadcache.read_many, []

    def counting(paths: list[Any], shown: list[str], *how: Any, **options: Any) -> Any:
        read.append(shown)
        return real(paths, shown, *how, **options)

    monkeypatch.setattr(qms.format.loadcache, "read_many", counting)
    return read
