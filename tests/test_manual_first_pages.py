"""`qms serve` writes the pages a reader asked for first (qms.manual.firstpages): an edited
standard's page is served while the pages that list it are still being rendered, no request
reads a page Sphinx is rewriting, and the manual still ends as a clean build writes it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qms.manual import pipeline
from qms.manual.firstpages import FirstPages

from .manual_helpers import all_html, build_once
from .test_manual_build_memory import (
    NEW_TITLE,
    TITLE,
    _as_clean_builds,
    _replace,
    _snapshot,
    _warm,
    kept,  # noqa: F401 - the fixture, shared
)
from .test_manual_languages import _bilingual

PAGE = "standards/DSK-001"
BLOCKED = 0.3  # seconds a thread waited on the gate is taken to be waiting still


class _Watched(FirstPages):
    """A gate that notes what it was told, and the manual as it was when a page was shown."""

    def __init__(self, repo: Path) -> None:
        super().__init__()
        self.repo = repo
        self.shown: list[list[str]] = []
        self.seen: list[dict[str, str]] = []
        self.rendered: list[list[str]] = []  # the page sources showing the new title then
        self.steps: list[str] = []

    def show(self, html: Path, docnames: object) -> None:
        names = list(docnames)  # type: ignore[call-overload]
        self.shown.append(names)
        self.seen.append(all_html(self.repo))
        source = self.repo / "build" / "source"
        self.rendered.append(sorted(path.relative_to(source).as_posix()
                                    for path in source.rglob("*") if path.is_file()
                                    and NEW_TITLE in path.read_text(encoding="utf-8")))
        self.steps.append("show")
        super().show(html, names)

    def withdraw(self) -> None:
        self.steps.append("withdraw")
        super().withdraw()


@pytest.fixture
def served(fixture_repo: Callable[[str], Path], kept: dict[str, object]  # noqa: F811
           ) -> Iterator[tuple[Path, _Watched, dict[str, object]]]:
    """The small fixture built and warmed as `qms serve` does, its standard page asked for."""
    repo = fixture_repo("manual-small")
    gate = _Watched(repo)
    build_once(repo, strict=True, **kept)  # (the first, forked)
    _warm(repo, kept)
    gate.asked(repo / "build" / "html" / f"{PAGE}.html")
    yield repo, gate, kept


def test_the_page_asked_for_is_served_before_the_pages_that_list_it(
        served: tuple[Path, _Watched, dict[str, object]], tmp_path: Path) -> None:
    repo, gate, kept = served  # noqa: F811
    _replace(repo / "standards" / "desk" / "DSK-001.yaml", TITLE, NEW_TITLE)
    gate.begin()
    result, _ = build_once(repo, strict=True, first=gate, **kept)
    gate.end()
    assert gate.shown == [[PAGE]] and not result.sphinx_ran
    after = all_html(repo)
    listing = [name for name, text in after.items()
               if NEW_TITLE in text and name != f"{PAGE}.html"]
    assert listing  # the title is listed elsewhere too (an index, the matrix)
    (then,) = gate.seen
    assert NEW_TITLE in then[f"{PAGE}.html"]
    assert [name for name in listing if NEW_TITLE in then[name]] == []  # those came after
    assert then[f"{PAGE}.html"] == after[f"{PAGE}.html"]
    assert gate.rendered == [[f"_items/{PAGE}.json"]]  # the lists were not even rendered yet
    _snapshot(repo, tmp_path / "title")
    kept["sphinx"].close()  # type: ignore[attr-defined]
    _as_clean_builds([tmp_path / "title"])


def test_the_edited_page_is_shown_before_the_rest_is_planned(
        served: tuple[Path, _Watched, dict[str, object]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The edited standard's own page goes before every page's key is worked out; a page that
    # lists it (its checklist's), asked for too, goes once the plan says it changed.
    repo, gate, kept = served  # noqa: F811
    checklist = "checklists/CL-DESK"
    gate.asked(repo / "build" / "html" / f"{checklist}.html")
    before = all_html(repo)[f"{checklist}.html"]
    _note_planning(gate, monkeypatch)
    _replace(repo / "standards" / "desk" / "DSK-001.yaml", TITLE, NEW_TITLE)
    gate.begin()
    result, _ = build_once(repo, strict=True, first=gate, **kept)
    gate.end()
    assert gate.steps == ["show", "plan", "show"] and not result.sphinx_ran
    assert gate.shown == [[PAGE], [checklist]]
    assert gate.rendered[0] == [f"_items/{PAGE}.json"]  # nothing else rendered before it
    after = all_html(repo)
    assert NEW_TITLE in gate.seen[0][f"{PAGE}.html"]
    assert gate.seen[0][f"{PAGE}.html"] == after[f"{PAGE}.html"]
    assert gate.seen[0][f"{checklist}.html"] == before  # (not yet)
    assert NEW_TITLE in after[f"{checklist}.html"]
    assert result.rendered.count(PAGE) == 1  # rendered once: the plan left it out
    _snapshot(repo, tmp_path / "edited")
    kept["sphinx"].close()  # type: ignore[attr-defined]
    _as_clean_builds([tmp_path / "edited"])


def test_an_asked_page_of_an_item_not_edited_waits_for_the_plan(
        served: tuple[Path, _Watched, dict[str, object]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the pages of the items whose files changed go before the plan: the checklist's
    # page changes with its standard's title, once the plan finds it.
    repo, gate, kept = served  # noqa: F811
    checklist = "checklists/CL-DESK"
    gate._asked.clear()
    gate.asked(repo / "build" / "html" / f"{checklist}.html")
    _note_planning(gate, monkeypatch)
    _replace(repo / "standards" / "desk" / "DSK-001.yaml", TITLE, NEW_TITLE)
    gate.begin()
    build_once(repo, strict=True, first=gate, **kept)
    gate.end()
    assert gate.steps == ["plan", "show"] and gate.shown == [[checklist]]
    assert NEW_TITLE in gate.seen[0][f"{checklist}.html"]


def _note_planning(gate: _Watched, monkeypatch: pytest.MonkeyPatch) -> None:
    # The gate's steps get "plan" when the rebuild works out which pages changed.
    planned = pipeline._planned

    def noting_plan(*args, **kwargs):  # type: ignore[no-untyped-def]
        gate.steps.append("plan")
        return planned(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_planned", noting_plan)


def test_the_edited_page_of_another_language_goes_first_too(
        fixture_repo: Callable[[str], Path], kept: dict[str, object],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The first language's load reads the edited file; the Chinese manual's load finds it in
    # the cache, and its page of that standard still goes before its plan.
    repo = _bilingual(fixture_repo("manual-small"))
    gate = _Watched(repo)
    build_once(repo, strict=True, **kept)
    _warm(repo, kept)
    page = repo / "build" / "html" / "zh_CN" / f"{PAGE}.html"
    gate.asked(page)
    _note_planning(gate, monkeypatch)
    _replace(repo / "standards" / "desk" / "DSK-001.yaml", "招呼每位来访者", "招呼每位客人")
    gate.begin()
    result, _ = build_once(repo, strict=True, first=gate, **kept)
    gate.end()
    assert gate.steps == ["plan", "show", "plan"]  # English: nothing asked; Chinese: first
    assert gate.shown == [[PAGE]] and not result.others[0].sphinx_ran
    assert "招呼每位客人" in gate.seen[0][f"zh_CN/{PAGE}.html"]
    assert page.read_text(encoding="utf-8") == gate.seen[0][f"zh_CN/{PAGE}.html"]


def test_pages_shown_first_are_withdrawn_before_sphinx_writes(
        served: tuple[Path, _Watched, dict[str, object]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A new standard is a page Sphinx must add: the edited page goes first all the same, and
    # no page is served early once Sphinx writes.
    repo, gate, kept = served  # noqa: F811
    desk = repo / "standards" / "desk"
    _replace(desk / "DSK-001.yaml", TITLE, NEW_TITLE)
    new = (desk / "DSK-002.yaml").read_text(encoding="utf-8").replace("DSK-002", "DSK-009")
    (desk / "DSK-009.yaml").write_text(new, encoding="utf-8")
    run_sphinx = pipeline._sphinx

    def noting_sphinx(*args, **kwargs):  # type: ignore[no-untyped-def]
        gate.steps.append("sphinx")
        return run_sphinx(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_sphinx", noting_sphinx)
    gate.begin()
    result, _ = build_once(repo, strict=True, first=gate, **kept)
    gate.end()
    assert result.sphinx_ran and gate.shown == [[PAGE]]
    assert gate.steps == ["show", "withdraw", "sphinx"]
    assert "standards/DSK-009.html" in all_html(repo)
    _snapshot(repo, tmp_path / "added")
    kept["sphinx"].close()  # type: ignore[attr-defined]
    _as_clean_builds([tmp_path / "added"])


def test_no_page_goes_first_in_a_frame_about_to_change(
        served: tuple[Path, _Watched, dict[str, object]], tmp_path: Path) -> None:
    # A new manual title changes the frame of every page (and conf.py): the edited page is
    # not shown in the old frame first.
    repo, gate, kept = served  # noqa: F811
    _replace(repo / "standards" / "desk" / "DSK-001.yaml", TITLE, NEW_TITLE)
    _replace(repo / "qms.yaml", "title: Small Service Manual", "title: Front Desk Manual")
    gate.begin()
    result, _ = build_once(repo, strict=True, first=gate, **kept)
    gate.end()
    assert gate.shown == [] and result.sphinx_ran
    assert "Front Desk Manual" in all_html(repo)[f"{PAGE}.html"]
    # (Sphinx keeps the old build info beside the new one when the configuration changed; a
    # clean build has none to keep)
    (repo / "build" / "html" / ".buildinfo.bak").unlink(missing_ok=True)
    _snapshot(repo, tmp_path / "framed")
    kept["sphinx"].close()  # type: ignore[attr-defined]
    _as_clean_builds([tmp_path / "framed"])


def _reader(gate: FirstPages, file: Path, hold: threading.Event | None = None
            ) -> threading.Thread:
    def read() -> None:
        with gate.reading(file, 60):
            if hold is not None:
                hold.wait(60)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_a_request_waits_for_the_rebuild_unless_its_page_was_shown(tmp_path: Path) -> None:
    gate = FirstPages()
    gate.begin()
    asked, other = _reader(gate, tmp_path / "a.html"), _reader(gate, tmp_path / "b.html")
    asked.join(BLOCKED)
    assert asked.is_alive() and other.is_alive()  # a rebuild is writing
    gate.show(tmp_path, ["a"])
    asked.join(10)
    other.join(BLOCKED)
    assert not asked.is_alive() and other.is_alive()
    gate.end()
    other.join(10)
    assert not other.is_alive()
    late = _reader(gate, tmp_path / "a.html")  # nothing is shown early after the rebuild...
    late.join(10)
    assert not late.is_alive()  # ...and nothing waits either


def test_withdrawing_waits_for_the_pages_being_read(tmp_path: Path) -> None:
    gate = FirstPages()
    gate.begin()
    gate.show(tmp_path, ["a"])
    hold = threading.Event()
    reading = _reader(gate, tmp_path / "a.html", hold)
    withdrawing = threading.Thread(target=gate.withdraw, daemon=True)
    withdrawing.start()
    withdrawing.join(BLOCKED)
    assert withdrawing.is_alive()  # the page is being read
    hold.set()
    withdrawing.join(10)
    reading.join(10)
    assert not withdrawing.is_alive()
    again = _reader(gate, tmp_path / "a.html")  # withdrawn: it waits for the rebuild again
    again.join(BLOCKED)
    assert again.is_alive()
    gate.end()
    again.join(10)
    assert not again.is_alive()


def test_only_the_newest_pages_asked_for_are_remembered(tmp_path: Path) -> None:
    gate = FirstPages()
    for number in range(20):
        gate.asked(tmp_path / f"p{number}.html")
    gate.asked(tmp_path / "style.css")
    gate.asked(tmp_path / "p3.html")  # asked again: the newest
    wanted = gate.wanted(tmp_path, [f"p{n}" for n in range(20)] + ["style"])
    assert wanted == {f"p{n}" for n in range(5, 20)} | {"p3"}
