"""Shared helpers for the manual's tests: build a repository copy once per module."""

from __future__ import annotations

import filecmp
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from qms.manual.build import BuildOptions, BuildResult, build

from .conftest import FIXTURES, GIT_IDENTITY, ROOT, TODAY, make_git_repo

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


def html(repo: Path, page: str) -> str:
    """The HTML of one page of a built manual."""
    return (repo / "build" / "html" / f"{page}.html").read_text(encoding="utf-8")


def all_html(repo: Path) -> dict[str, str]:
    """Every HTML page of a built manual, by its path under build/html."""
    root = repo / "build" / "html"
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*.html"))}
