"""Shared helpers for the manual's tests: build a repository copy once per module."""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from qms.manual.build import BuildOptions, BuildResult, build

from .conftest import FIXTURES, GIT_IDENTITY, ROOT, TODAY, interruptible, make_git_repo

EXTERNAL = re.compile(r"<(?:link|script|img|iframe)\b[^>]*(?:href|src)=\"(?:https?:)?//", re.I)


def copy_sample(target: Path) -> Path:
    """A copy of the sample QMS at the repository root (not yet a git repository)."""
    target.mkdir(parents=True)
    shutil.copy2(ROOT / "qms.yaml", target / "qms.yaml")
    for folder in ("standards", "audits", "templates"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, target / folder)
    return target


def copy_fixture(name: str, target: Path) -> Path:
    """A copy of tests/fixtures/<name> (not yet a git repository)."""
    shutil.copytree(FIXTURES / name, target)
    return target


def build_once(repo: Path, strict: bool = False, **options: object
               ) -> tuple[BuildResult, list[str]]:
    """Build the manual of repo in this process; return the result and the progress lines.

    With `strict`, the build must give no Sphinx warning (as `qms build --strict`).
    """
    lines: list[str] = []
    result = build(repo, BuildOptions(today=date.fromisoformat(TODAY), echo=lines.append,
                                      **options))  # type: ignore[arg-type]
    assert not (strict and result.warnings), result.warnings
    return result, lines


@contextmanager
def pinned_env() -> Iterator[None]:
    """The pinned git identity and day, for builds made by module-scoped fixtures."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in GIT_IDENTITY.items():
            patch.setenv(key, value)
        patch.setenv("QMS_TODAY", TODAY)
        yield


def built(tmp: Path, name: str) -> Path:
    """A git repository of the sample (name 'sample') or a fixture, with its manual built."""
    repo = copy_sample(tmp / name) if name == "sample" else copy_fixture(name, tmp / name)
    make_git_repo(repo)
    result, _ = build_once(repo, strict=True)
    assert not result.warnings, result.warnings
    return repo


def differing_files(left: Path, right: Path) -> list[str]:
    """Files (relative paths) that differ between two folders, or are in one only."""
    differing: list[str] = []

    def walk(node: filecmp.dircmp, prefix: str = "") -> None:
        _, mismatch, errors = filecmp.cmpfiles(node.left, node.right, node.common_files,
                                               shallow=False)
        differing.extend(prefix + name for name in mismatch + errors)
        differing.extend(prefix + name for name in node.left_only + node.right_only)
        for name, sub in node.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right))
    return differing


def move_standard(repo: Path, standard: str, encounter: str) -> None:
    """Move a standard of tests/fixtures/manual-small to another encounter (one card more on
    that encounter's page, one less on its own: more than cards change, so Sphinx runs)."""
    path = repo / "standards" / "desk" / f"{standard}.yaml"
    text, found = re.subn(r"encounter: .*", f"encounter: {encounter}", path.read_text("utf-8"))
    assert found == 1
    path.write_text(text, encoding="utf-8")


def html(repo: Path, page: str) -> str:
    """The HTML of one page of a built manual."""
    return (repo / "build" / "html" / f"{page}.html").read_text(encoding="utf-8")


def all_html(repo: Path) -> dict[str, str]:
    """Every HTML page of a built manual, by its path under build/html."""
    root = repo / "build" / "html"
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*.html"))}


QMS = str(Path(sys.executable).parent / "qms")


@dataclass
class Server:
    """A running `qms serve`: where it serves, and (once stopped) how it ended."""

    address: str
    returncode: int | None = None


@contextmanager
def serving(repo: Path, *options: str) -> Iterator[Server]:
    """`qms serve` of the repository on a free port, stopped with Ctrl-C afterwards."""
    process = subprocess.Popen([QMS, "serve", str(repo), "--port", "0", *options],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=os.environ.copy(), preexec_fn=interruptible)
    server = Server("")
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        while not server.address and time.monotonic() < deadline:
            found = re.search(r"serving the manual at (http://127\.0\.0\.1:\d+/)",
                              process.stdout.readline())
            server.address = found.group(1) if found else ""
        assert server.address, "qms serve did not start"
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        server.returncode = process.returncode


def fetch(url: str) -> str:
    """A page served on localhost, as text."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - localhost only
        return str(response.read().decode("utf-8"))


def wait_for(url: str, text: str, seconds: float = 90) -> str:
    """The page at url once it shows text (or as it is when the time is up)."""
    page, deadline = "", time.monotonic() + seconds
    while text not in page and time.monotonic() < deadline:
        time.sleep(0.5)
        page = fetch(url)
    return page
