"""An edit's pages are found from the inputs that changed (qms.manual.pageplan), without
planning and keying every page: the same pages rendered and written, the same keys and the same
manual as a build that plans every page, edit after edit; a plan qms did not write is not used."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from qms.manual import pipeline
from qms.manual.buildstate import BuildState
from qms.manual.pageplan import FOLDER

from .conftest import make_git_repo
from .manual_helpers import build_once, copy_sample, differing_files


def _replace(path: Path, pattern: str, replacement: str) -> None:
    text, found = re.subn(pattern, replacement, path.read_text("utf-8"), count=1, flags=re.M)
    assert found == 1, (path, pattern)
    path.write_text(text, encoding="utf-8")


def _retitle(repo: Path) -> None:
    _replace(repo / "standards" / "appearance" / "APP-001.yaml",
             r"^(title:\n  zh_CN: .*\n  en: )", r"\1Zanzibarian ")


def _restate(repo: Path) -> None:
    _replace(repo / "standards" / "appearance" / "APP-002.yaml",
             r"^(statement:\n  zh_CN: .*\n  en: >\n)", r"\1    Quokkas first.\n")


def _new_owner(repo: Path) -> None:  # another owner's page lists it: the plan is made again
    _replace(repo / "standards" / "appearance" / "APP-002.yaml", r"^owner: .*$",
             "owner: Night Shift")


def _resource(repo: Path) -> None:  # a measure's source: its standard's page shows it
    _replace(repo / "standards" / "floor" / "PRES-002.yaml",
             r"^(    source:\n      zh_CN: .*\n      en: )", r"\1Quokka ledger, ")


def _reading(repo: Path) -> None:  # a measure's chart and the home figures change
    path = repo / "audits" / "measurements" / "kpi-2026.csv"
    lines = path.read_text("utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[-1]]) + "\n", encoding="utf-8")


EDITS: list[tuple[Callable[[Path], None], bool]] = [  # (edit, planned from the kept plan)
    (_retitle, True), (_restate, True), (_resource, True), (_new_owner, False),
    (_reading, False), (_retitle, True)]


@pytest.fixture
def planning(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """What each build's planning was given as `only` (None: every page planned); in this
    process (no child forked), where the spy sees it."""
    monkeypatch.setattr("qms.base.workers.can_fork", lambda: False)
    given: list[Any] = []
    plan_pages = pipeline.plan_pages

    def spy(*args: Any, **named: Any) -> Any:
        given.append(args[5] if len(args) > 5 else named.get("only"))
        return plan_pages(*args, **named)

    monkeypatch.setattr(pipeline, "plan_pages", spy)
    yield given


def test_an_edit_plans_only_its_pages_and_misses_none(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, planning: list[Any]) -> None:
    # After each edit, a build that plans and keys every page (its plan removed, its stamp
    # forgotten) finds nothing to render: every key is what the edit's build left.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    repo = make_git_repo(copy_sample(tmp_path / "repo"))
    build_once(repo, strict=True)
    states = [repo / "build" / ".qms", repo / "build" / "zh_CN" / ".qms"]  # both languages
    for edit, from_plan in EDITS:
        planning.clear()
        edit(repo)
        result, _ = build_once(repo, strict=True)
        assert len(planning) == 2 and all((only is not None) is from_plan for only in planning)
        if from_plan:  # only a few pages planned
            assert all(0 < len(only) < result.pages / 4 for only in planning), edit.__name__
        assert result.written, edit.__name__
        keys = [BuildState.load(state).pages for state in states]
        for state in states:
            shutil.rmtree(state / FOLDER)
            forgotten = BuildState.load(state)
            forgotten.stamp = ""
            forgotten.save(state)
        planning.clear()
        again, _ = build_once(repo, strict=True)
        assert planning == [None, None]
        for built in (again, *again.others):
            assert built.rendered == [] and built.written == [], edit.__name__
        assert [BuildState.load(state).pages for state in states] == keys
    clean = tmp_path / "clean"
    shutil.copytree(repo, clean, ignore=shutil.ignore_patterns("build"))
    build_once(clean, strict=True)
    assert differing_files(repo / "build" / "html", clean / "build" / "html") == []


def test_a_plan_qms_did_not_write_is_not_used(tmp_path: Path, planning: list[Any]) -> None:
    # A build folder from anyone (committed, a shared cache): a plan with another key's MAC,
    # or changed since, would keep pages qms never rendered.
    repo = make_git_repo(copy_sample(tmp_path / "repo"))
    build_once(repo, strict=True)
    plan = repo / "build" / ".qms" / FOLDER / "plan.json"
    tag, body = plan.read_text("utf-8").split("\n", 1)
    plan.write_text(tag + "\n" + body.replace('"pages":[', '"pages":[["index","index.rst"],', 1),
                    encoding="utf-8")
    _retitle(repo)
    planning.clear()
    result, _ = build_once(repo, strict=True)
    assert planning[0] is None and "standards/APP-001" in result.written
    shard = next((repo / "build" / ".qms" / FOLDER).glob("inputs-*.json"))
    shard.write_text("0" * 64 + "\n{}", encoding="utf-8")  # not signed with this key
    _retitle(repo)
    planning.clear()
    result, _ = build_once(repo, strict=True)
    assert planning[0] is None or "standards/APP-001" in planning[0]
    assert "standards/APP-001" in result.written
