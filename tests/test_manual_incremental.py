"""Incremental builds are never stale: an edit shows on every page that shows the edited item,
and pages that do not show it are not rewritten (neither their reST nor their HTML)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from qms.format.check import load_valid
from qms.format.fingerprint import question_fingerprint
from qms.manual import itemdirect, pipeline

from .conftest import TODAY, git
from .manual_helpers import all_html, build_once, differing_files

OLD = "Greet every visitor within 30 seconds"
NEW = "Welcome every visitor within 20 seconds"


def _mtimes(folder: Path, suffix: str) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in folder.rglob(f"*{suffix}")}


def _page_mtimes(source: Path) -> dict[str, int]:
    """The time of each page's rendered file (reST, or an item page's _items/ JSON) by page."""
    found = {name[:-len(".rst")]: time for name, time in _mtimes(source, ".rst").items()}
    found.update({name[:-len(".json")]: time
                  for name, time in _mtimes(source / "_items", ".json").items()})
    return found


def test_editing_a_title_updates_every_page_that_shows_it(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    before = all_html(repo)
    showing = {name for name, text in before.items() if OLD in text}
    assert {"standards/DSK-001.html", "standards/encounter/reception.html",
            "standards/owner/front-desk.html", "standards/dimension/responsiveness.html",
            "standards/dimension/empathy.html", "standards/gap/3.html",
            "plans/service-concept.html", "checklists/CL-DESK.html",
            "audits/compliance.html", "traceability/matrix.html"} <= showing
    source, out = repo / "build" / "source", repo / "build" / "html"
    rst_before, html_before = _page_mtimes(source), _mtimes(out, ".html")

    target = repo / "standards" / "desk" / "DSK-001.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
    result, _ = build_once(repo, strict=True)

    after = all_html(repo)
    assert [name for name, text in after.items() if OLD in text] == []
    assert {name for name, text in after.items() if NEW in text} == showing
    rst_after, html_after = _page_mtimes(source), _mtimes(out, ".html")
    rewritten = {name for name in rst_after if rst_after[name] != rst_before.get(name)}
    assert {name[:-len('.html')] for name in showing} == rewritten
    for untouched in ("standards/DSK-002", "standards/DSK-003", "audits/AUD-20261001-MAIN-1A2B",
                      "standards/encounter/waiting-area", "plans/outcome-management"):
        assert rst_after[untouched] == rst_before[untouched], untouched
        assert html_after[f"{untouched}.html"] == html_before[f"{untouched}.html"], untouched
    assert sorted(result.written) == sorted(name[:-len(".html")] for name in showing)
    # and no other page was even rendered: the pages' inputs name what each shows
    assert sorted(result.rendered) == sorted(result.written)


def test_a_commit_updates_the_revision_history(fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo)
    target = repo / "standards" / "desk" / "DSK-002.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "effective: 2026-12-01\n",
                      encoding="utf-8")
    git(repo, "commit", "-q", "-am", "DSK-002 takes effect in December")
    result, _ = build_once(repo)
    page = all_html(repo)["standards/DSK-002.html"]
    assert "DSK-002 takes effect in December" in page and "2026-12-01" in page
    assert "standards/DSK-002" in result.written and "standards/DSK-001" not in result.written


def test_a_removed_standard_leaves_no_page(fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo)
    (repo / "standards" / "desk" / "DSK-003.yaml").unlink()
    result, _ = build_once(repo, strict=True)
    assert "standards/DSK-003" in result.removed
    assert not (repo / "build" / "source" / "_items" / "standards" / "DSK-003.json").exists()
    assert not (repo / "build" / "html" / "standards" / "DSK-003.html").exists()
    assert all("DSK-003" not in text for text in all_html(repo).values())


def test_clean_rebuilds_everything(fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    first, _ = build_once(repo)
    again, _ = build_once(repo, clean=True)
    assert again.sphinx_ran and not again.up_to_date
    assert sorted(again.written) == sorted(first.written)


def test_errors_after_a_cached_build_name_their_lines(fixture_repo: Callable[[str], Path],
                                                     run: Callable[..., object]) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo)
    assert list((repo / "build" / ".qms" / "cache").glob("load-*.json"))
    plan = repo / "standards" / "planning" / "PLN-DSK-001.yaml"
    plan.unlink()  # DSK-001 (cached, unchanged) now names a plan that does not exist
    result = run("build", str(repo))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert ("standards/desk/DSK-001.yaml:24: error [unknown-reference] the planning item "
            "PLN-DSK-001 does not exist") in result.output  # type: ignore[attr-defined]


def test_cached_models_follow_edits(fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo)
    target = repo / "standards" / "desk" / "DSK-003.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "status: draft", "status: approved"), encoding="utf-8")
    build_once(repo)
    assert "approved" in all_html(repo)["standards/DSK-003.html"].split("Status", 1)[1][:300]


def test_moving_a_standard_updates_both_groups_and_audit_edits_reach_the_register(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo)
    target = repo / "standards" / "desk" / "DSK-002.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "encounter: Reception", "encounter: Waiting area"), encoding="utf-8")
    record = repo / "audits" / "records" / "2026" / "AUD-20261001-MAIN-1A2B.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace(
        "status: contained", "status: root-cause-found\n      root_cause: One receptionist."),
        encoding="utf-8")
    build_once(repo, strict=True)
    pages = all_html(repo)
    assert "DSK-002" not in pages["standards/encounter/reception.html"]
    assert "DSK-002" in pages["standards/encounter/waiting-area.html"]
    for name in ("audits/findings.html", "audits/site/main-office.html",
                 "standards/DSK-001.html", "audits/AUD-20261001-MAIN-1A2B.html"):
        assert "root-cause-found" in pages[name] and "contained" not in pages[name], name


def test_a_statement_edit_rewrites_its_page_and_its_encounter_card_only(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    build_once(repo)
    target = repo / "standards" / "desk" / "DSK-001.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "whatever the receptionist", "whatever else the receptionist").replace(
        "Look up and smile", "Look up, smile"), encoding="utf-8")
    result, _ = build_once(repo, strict=True)
    assert sorted(result.written) == ["standards/DSK-001", "standards/encounter/reception"]
    pages = all_html(repo)
    for name in ("standards/DSK-001.html", "standards/encounter/reception.html"):
        assert "whatever else the receptionist" in pages[name], name
        assert "Look up, smile" in pages[name] and "Look up and smile" not in pages[name], name


EVERY_TITLE_RST = "{% for s in project.standards.values() %}\n- {{ s.title }}\n{% endfor %}\n"
EVERY_TITLE_HTML = "{% for s in project.standards.values() %}<p>{{ s.title }}</p>{% endfor %}\n"
OVERRIDES = {  # page: (template, block, what the repository's version shows in it)
    "standards/by_owner": ("standards_by_owner.rst.j2", "groups", EVERY_TITLE_RST),
    "standards/archive": ("standards_archive.rst.j2", "standards", EVERY_TITLE_RST),
    "traceability/iso9001": ("traceability_iso9001.rst.j2", "clauses", EVERY_TITLE_RST),
    "traceability/coverage": ("traceability_coverage.rst.j2", "uncovered", EVERY_TITLE_RST),
    "gaps/gap1": ("gap.html.j2", "standards", EVERY_TITLE_HTML),
    "gaps/index": ("gaps.html.j2", "summary", EVERY_TITLE_HTML),
    "audits/AUD-20261001-MAIN-1A2B": ("audit.html.j2", "answers", EVERY_TITLE_HTML),
}


@pytest.mark.parametrize("page", sorted(OVERRIDES))
def test_a_repository_page_that_shows_titles_follows_a_title_edit(
        fixture_repo: Callable[[str], Path], page: str) -> None:
    # qms's pages that count standards, or show only their ids, are not rendered again for a
    # title edit; a repository's own version of one may show titles, and then it is.
    repo = fixture_repo("manual-small")
    template, block, shown = OVERRIDES[page]
    override = repo / "templates" / "manual" / template
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text(f'{{% extends "qms/manual/{template}" %}}\n'
                        f"{{% block {block} %}}\n{shown}{{% endblock %}}\n", encoding="utf-8")
    build_once(repo, strict=True)
    assert OLD in all_html(repo)[f"{page}.html"]
    target = repo / "standards" / "desk" / "DSK-001.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
    build_once(repo, strict=True)
    html = all_html(repo)[f"{page}.html"]
    assert NEW in html and OLD not in html


def test_an_audit_page_marks_answers_whose_standard_changed_since(
        fixture_repo: Callable[[str], Path]) -> None:
    # An audit's page depends on which of its answers changed since, not on the files of the
    # standards it checked: a title edit marks a fingerprinted answer as changed all the same.
    repo = fixture_repo("manual-small")
    project = load_valid(repo, date.fromisoformat(TODAY))
    checklist = project.checklists["CL-DESK"]
    q1 = next(q for q in checklist.questions if q.id == "Q1")
    record = repo / "audits" / "records" / "2026" / "AUD-20261001-MAIN-1A2B.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace(
        "  - question: Q1\n    result: nonconform\n",
        "  - question: Q1\n    result: nonconform\n    fingerprint: "
        f"{question_fingerprint(q1, project.standards['DSK-001'])}\n"), encoding="utf-8")
    build_once(repo, strict=True)
    page = "audits/AUD-20261001-MAIN-1A2B.html"
    before = all_html(repo)[page]
    target = repo / "standards" / "desk" / "DSK-001.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
    result, _ = build_once(repo, strict=True)
    after = all_html(repo)[page]
    assert "audits/AUD-20261001-MAIN-1A2B" in result.rendered
    assert after.count("changed since audited") == before.count("changed since audited") + 1
    build_once(repo, strict=True, clean=True)
    assert all_html(repo)[page] == after


def _stopped() -> None:
    raise KeyboardInterrupt  # Ctrl-C, or the machine going down


@pytest.mark.parametrize("stopped_in", ["itemdirect", "sphinx"])
def test_a_build_stopped_before_its_html_is_written_is_finished_by_the_next(
        fixture_repo: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        stopped_in: str) -> None:
    # The stopped build rendered the edit's pages; the next one finds them as it would render
    # them, and must still carry them (and a removed standard) to the HTML and search.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    path = repo / "standards" / "desk" / "DSK-001.yaml"
    path.write_text(path.read_text("utf-8").replace(OLD, NEW), "utf-8")
    if stopped_in == "sphinx":
        (repo / "standards" / "desk" / "DSK-003.yaml").unlink()
    with monkeypatch.context() as patch:
        patch.setattr(itemdirect, "write_without_sphinx", lambda *args: _stopped())
        patch.setattr(pipeline, "_sphinx", lambda *args: _stopped())
        with pytest.raises(KeyboardInterrupt):
            build_once(repo, strict=True)
    result, _ = build_once(repo, strict=True)
    assert "standards/DSK-001" in result.written
    html = all_html(repo)
    assert NEW in html["standards/DSK-001.html"] and not any(OLD in t for t in html.values())
    search = (repo / "build" / "html" / "searchindex.js").read_text("utf-8")
    assert ("DSK-003" in search) is (stopped_in != "sphinx")

    clean = tmp_path / "clean"
    shutil.copytree(repo, clean, ignore=shutil.ignore_patterns("build"))
    build_once(clean, strict=True)
    assert differing_files(repo / "build" / "html", clean / "build" / "html") == []
    assert build_once(repo, strict=True)[0].up_to_date
