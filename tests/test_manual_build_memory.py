"""What `qms serve` keeps in memory between builds (qms.manual.buildmemory): each build with it
ends in the manual a clean build of the same files writes, reads again only the files that
changed, and runs `git log` again only when HEAD moved."""

from __future__ import annotations

import gc
import os
import shutil
import weakref
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from qms.format import loadcache
from qms.format.check import load_valid
from qms.format.fingerprint import question_fingerprint
from qms.format.load import open_config
from qms.manual import derive, inputs, pipeline
from qms.manual.build import BuildOptions, build_paths
from qms.manual.buildmemory import FULL_EVERY, BuildMemory
from qms.manual.sphinx_build import SphinxSession

from .conftest import TODAY, git
from .manual_helpers import all_html, build_once, differing_files

TITLE, NEW_TITLE = "Greet every visitor", "Welcome every visitor"
AUDIT = "audits/AUD-20261001-MAIN-1A2B"


@pytest.fixture
def kept() -> Iterator[dict[str, object]]:
    session = SphinxSession()
    try:
        yield {"sphinx": session, "memory": BuildMemory()}
    finally:
        session.close()


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _warm(repo: Path, kept: dict[str, object]) -> None:
    memory = kept["memory"]
    assert isinstance(memory, BuildMemory)
    root, config = open_config(repo)
    pipeline.warm(root, build_paths(root, config, None),
                  BuildOptions(today=date.fromisoformat(TODAY), memory=memory))


def _snapshot(repo: Path, folder: Path) -> None:
    # The repository's files and the manual built from them, to compare with a clean build
    # once the kept application is closed (two applications in one process clash).
    shutil.copytree(repo, folder, ignore=shutil.ignore_patterns("build", ".git"))
    shutil.copytree(repo / ".git", folder / ".git")
    shutil.copytree(repo / "build" / "html", folder.with_name(folder.name + "-html"))


def _as_clean_builds(snapshots: list[Path]) -> None:
    for folder in snapshots:
        build_once(folder, strict=True)
        assert differing_files(folder.with_name(folder.name + "-html"),
                               folder / "build" / "html") == [], folder.name


def test_builds_with_a_kept_memory_end_as_clean_builds_of_the_same_files(
        fixture_repo: Callable[[str], Path], tmp_path: Path, kept: dict[str, object],
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo = fixture_repo("manual-small")
    parsed: list[str] = []  # the files a build parsed (not taken from a kept model)
    read_many = loadcache.read_many
    histories: list[Path] = []
    git_histories = pipeline.git_histories

    def noting_reads(paths, shown, *args, **kwargs):  # type: ignore[no-untyped-def]
        parsed.extend(shown)
        return read_many(paths, shown, *args, **kwargs)

    def noting_histories(root: Path):  # type: ignore[no-untyped-def]
        histories.append(root)
        return git_histories(root)

    monkeypatch.setattr(loadcache, "read_many", noting_reads)
    monkeypatch.setattr(loadcache.LoadCache, "_entries", lambda *_: {})  # no cache on disk
    monkeypatch.setattr(pipeline, "git_histories", noting_histories)
    monkeypatch.setattr(loadcache, "SETTLED_NS", 0)  # statuses recorded at once (no 2 s wait)
    worked_out: list[str] = []  # the audits whose answers were found anew
    audit_answers, field_versions = derive._audit_answers, inputs.field_versions
    hashed: list[int] = []  # how many standards' versions were made anew

    def noting_answers(project, audit, checklist):  # type: ignore[no-untyped-def]
        worked_out.append(audit.id)
        return audit_answers(project, audit, checklist)

    def noting_versions(project, derived, kept=None):  # type: ignore[no-untyped-def]
        before = dict(kept or {})
        found = field_versions(project, derived, kept)
        hashed.append(sum(before.get(i, (None,))[0] is not s
                          for i, s in project.standards.items()))
        return found

    counted_answers = derive._counted_answers
    counts: list[int] = []  # each time the answers were counted anew

    def noting_counts(founds):  # type: ignore[no-untyped-def]
        counts.append(len(founds))
        return counted_answers(founds)

    monkeypatch.setattr(derive, "_audit_answers", noting_answers)
    monkeypatch.setattr(derive, "_counted_answers", noting_counts)
    monkeypatch.setattr(pipeline, "field_versions", noting_versions)
    # An answer whose fingerprint covers DSK-001: a title edit marks it changed since.
    project = load_valid(repo, date.fromisoformat(TODAY))
    q1 = next(q for q in project.checklists["CL-DESK"].questions if q.id == "Q1")
    _replace(repo / f"{AUDIT}.yaml".replace("audits/", "audits/records/2026/"),
             "  - question: Q1\n    result: nonconform\n",
             "  - question: Q1\n    result: nonconform\n    fingerprint: "
             f"{question_fingerprint(q1, project.standards['DSK-001'])}\n")
    build_once(repo, strict=True, **kept)  # (the first, forked: it keeps nothing)
    _warm(repo, kept)  # as `qms serve` does after its first build
    assert "standards/desk/DSK-002.yaml" in parsed and len(parsed) >= 7
    assert len(histories) == 1
    marked = all_html(repo)[f"{AUDIT}.html"].count("changed since audited")
    parsed.clear()
    worked_out.clear()
    hashed.clear()
    counts.clear()

    desk = repo / "standards" / "desk"
    _replace(desk / "DSK-001.yaml", TITLE, NEW_TITLE)
    build_once(repo, strict=True, **kept)
    assert parsed == ["standards/desk/DSK-001.yaml"]  # the others' models were kept
    assert len(histories) == 1  # HEAD did not move
    # Warming worked the answers and versions out as a build would: this first edit works out
    # only what the edit changed (the audit whose answer's fingerprint covers DSK-001)
    assert worked_out == ["AUD-20261001-MAIN-1A2B"] and hashed == [1] and counts == [1]
    assert all_html(repo)[f"{AUDIT}.html"].count("changed since audited") == marked + 1
    assert [name for name, text in all_html(repo).items() if TITLE in text] == []
    _snapshot(repo, tmp_path / "title")

    # Other bytes of the same size, the modification time put back: the change time the
    # kept model was signed with tells them apart still.
    target = desk / "DSK-002.yaml"
    before = target.stat()
    memory = kept["memory"]
    assert isinstance(memory, BuildMemory)
    (cache,) = memory.load_caches.values()
    assert cache.entries["standards/desk/DSK-002.yaml"][3] is not None  # a status to trust
    _replace(target, "how long the wait", "how long our wait")
    assert target.stat().st_size == before.st_size
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    git(repo, "commit", "-q", "-am", "DSK-002 promises a short wait")
    parsed.clear()
    worked_out.clear()
    hashed.clear()
    counts.clear()
    build_once(repo, strict=True, **kept)
    assert parsed == ["standards/desk/DSK-002.yaml"]
    assert hashed == [1] and counts == [1]  # the other standards' versions were kept
    assert worked_out == ["AUD-20261001-MAIN-1A2B"]  # an answer's fingerprint covers DSK-002
    assert len(histories) == 2  # a new commit: git log again, and its revision is shown
    page = all_html(repo)["standards/DSK-002.html"]
    assert "how long our wait" in page and "DSK-002 promises a short wait" in page
    _snapshot(repo, tmp_path / "commit")

    (desk / "DSK-003.yaml").unlink()
    worked_out.clear()
    counts.clear()
    build_once(repo, strict=True, **kept)
    assert worked_out == []  # no answer's fingerprint covers DSK-003: the answers are kept
    assert counts == []  # and so are their counts
    assert all("DSK-003" not in text for text in all_html(repo).values())
    _snapshot(repo, tmp_path / "removed")
    kept["sphinx"].close()  # type: ignore[attr-defined]
    _as_clean_builds([tmp_path / "title", tmp_path / "commit", tmp_path / "removed"])


class _Node:
    other: object


def _cycle() -> tuple[_Node, weakref.ref[_Node]]:
    node = _Node()
    node.other = node  # only the collector frees it
    return node, weakref.ref(node)


def test_settling_collects_the_garbage_of_a_build_and_freezes_what_is_kept() -> None:
    memory = BuildMemory()
    gc.disable()  # (no collection of its own between the steps)
    try:
        node, gone = _cycle()
        del node
        kept, alive = _cycle()
        memory.settle()
        assert gone() is None  # a build's garbage is collected
        assert gc.get_freeze_count() > 0  # what is alive is frozen
        del kept  # a kept object dies after it was frozen: freed by a full settle only
        for _ in range(FULL_EVERY - 2):
            memory.settle()
            assert alive() is not None
        memory.settle()
        assert alive() is None
    finally:
        gc.enable()
        gc.unfreeze()


def test_warming_after_a_build_with_nothing_to_do_keeps_what_the_next_build_reads(
        fixture_repo: Callable[[str], Path], kept: dict[str, object],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # `qms serve` on a manual that is up to date: the first build reads nothing, so the serve
    # warms the memory, and its first edit reads one file, as every later one does.
    repo = fixture_repo("manual-small")
    build_once(repo)
    result, _ = build_once(repo, **kept)
    assert result.up_to_date
    memory = kept["memory"]
    assert isinstance(memory, BuildMemory) and not memory.load_caches
    _warm(repo, kept)
    assert memory.load_caches and memory.histories
    parsed: list[str] = []
    read_many = loadcache.read_many

    def noting_reads(paths, shown, *args, **kwargs):  # type: ignore[no-untyped-def]
        parsed.extend(shown)
        return read_many(paths, shown, *args, **kwargs)

    monkeypatch.setattr(loadcache, "read_many", noting_reads)
    _replace(repo / "standards" / "desk" / "DSK-001.yaml", TITLE, NEW_TITLE)
    build_once(repo, strict=True, **kept)
    assert parsed == ["standards/desk/DSK-001.yaml"]


def test_an_edit_stats_each_input_file_once(
        fixture_repo: Callable[[str], Path], kept: dict[str, object],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The build stamp's walk takes every input file's status; the file cache signs the files
    # with those statuses instead of taking them again.
    repo = fixture_repo("manual-small")
    build_once(repo, **kept)
    _warm(repo, kept)
    taken: list[str] = []
    status_of = loadcache.status_of

    def noting(path):  # type: ignore[no-untyped-def]
        taken.append(str(path))
        return status_of(path)

    monkeypatch.setattr(loadcache, "status_of", noting)
    standard = repo / "standards" / "desk" / "DSK-001.yaml"
    _replace(standard, TITLE, NEW_TITLE)
    build_once(repo, strict=True, **kept)
    assert taken == []
    assert NEW_TITLE in all_html(repo)["standards/DSK-001.html"]
    # the kept file cache was saved once the pages were rendered: a new process reads the
    # edited file's model from it
    on_disk = loadcache.LoadCache(loadcache.cache_folder(repo / "build"))
    assert on_disk.entries["standards/desk/DSK-001.yaml"][1] == standard.stat().st_size


def test_an_edit_made_while_a_build_loads_is_built_by_the_next(
        fixture_repo: Callable[[str], Path], kept: dict[str, object],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Saved after the stamp's walk took the file's status and before the file cache signed
    # it: this build may show the file as it was, the next one shows it as it is.
    repo = fixture_repo("manual-small")
    build_once(repo, **kept)
    _warm(repo, kept)
    standard = repo / "standards" / "desk" / "DSK-001.yaml"
    load = pipeline.load_valid_cached
    edits = [(TITLE, NEW_TITLE)]

    def editing_first(*args, **named):  # type: ignore[no-untyped-def]
        for old, new in edits:
            _replace(standard, old, new)
        edits.clear()
        return load(*args, **named)

    monkeypatch.setattr(pipeline, "load_valid_cached", editing_first)
    _replace(repo / "standards" / "desk" / "DSK-002.yaml", "how long the wait",
             "how long our wait")  # the edit this build is for
    build_once(repo, strict=True, **kept)
    assert not edits  # (the racing edit was made)
    result, _ = build_once(repo, strict=True, **kept)
    assert not result.up_to_date
    pages = all_html(repo)
    assert NEW_TITLE in pages["standards/DSK-001.html"]
    assert "how long our wait" in pages["standards/DSK-002.html"]
