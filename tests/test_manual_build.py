"""`qms build` end to end: a real Sphinx build of the sample QMS and of small fixtures."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import docutils.frontend
import pytest

from qms.base.errors import QmsError
from qms.manual import sphinx_build

from .conftest import make_git_repo
from .manual_helpers import (
    EXTERNAL,
    all_html,
    build_once,
    built,
    copy_fixture,
    copy_sample,
    differing_files,
    html,
    pinned_env,
)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample QMS, as a git repository, with its manual built (strict, no warnings)."""
    with pinned_env():
        return built(tmp_path_factory.mktemp("manual"), "sample")


def test_every_kind_of_page_is_published(sample: Path) -> None:
    out = sample / "build" / "html"
    for page in ("index", "search", "standards/index", "standards/TEL-001", "standards/by_owner",
                 "standards/archive", "plans/index", "plans/expectation-management",
                 "checklists/index", "checklists/CL-TELEPHONE", "audits/index",
                 "audits/AUD-20261015-NJR-7F3A", "audits/findings", "audits/compliance",
                 "audits/sites", "traceability/matrix", "traceability/coverage",
                 "traceability/iso9001"):
        assert (out / f"{page}.html").is_file(), page
    assert (out / "searchindex.js").is_file()


def test_a_standard_page_shows_everything_about_the_standard(sample: Path) -> None:
    page = html(sample, "standards/TEL-001")
    for text in ("TEL-001 — Answer incoming calls within three rings", "Customer Service Centre",
                 "Telephone enquiry", "responsiveness", "Sorry to have kept you waiting.",
                 "Pick up by the third ring", "Let the phone ring while you finish",
                 "&gt;= 95", "8.2.1", "Customer communication", "PLN-IT-001", "CL-TELEPHONE",
                 "AUD-20261102-CSC-19B4-F1", "implemented", "Last reviewed", "2026-01-19",
                 "Revision history", "Test Author", "Initial QMS"):
        assert text in page, text


def test_retired_standards_live_in_the_archive_only(sample: Path) -> None:
    retired = "GRT-000"
    assert retired in html(sample, "standards/archive")
    listing = html(sample, "standards/encounter/greeting") + html(sample, "standards/by_owner")
    assert "GRT-001" in listing and retired not in listing
    assert "retired" in html(sample, f"standards/{retired}")


def test_findings_register_marks_overdue_capas(sample: Path) -> None:
    page = html(sample, "audits/findings")
    assert "AUD-20261015-NJR-7F3A-F3" in page
    row = page[page.index('id="aud-20261015-njr-7f3a-f3"') - 200:] if (
        'id="aud-20261015-njr-7f3a-f3"' in page) else page
    assert "qms-overdue" in row
    audit = html(sample, "audits/AUD-20261015-NJR-7F3A")
    assert 'id="aud-20261015-njr-7f3a-f3"' in audit and "Nine of ten" not in audit
    assert "Lunch breaks moved to 11:30-13:30" in audit


def test_compliance_counts_conforming_over_answered(sample: Path) -> None:
    page = html(sample, "audits/compliance")
    assert "Compliance per site and quarter" in page and "Nanjing Road store" in page
    assert "2026-Q4" in page


def test_the_manual_loads_nothing_from_elsewhere(sample: Path) -> None:
    for name, text in all_html(sample).items():
        assert not EXTERNAL.search(text), name
        assert "fonts.googleapis" not in text and "cdn" not in text.lower(), name


def test_pages_outside_the_toctrees_say_they_are_orphans(sample: Path) -> None:
    # Sphinx makes a warning (suppressed, but made) for each page no toctree lists, on every
    # build: 6,000 of them at 5,000 standards. The extension marks such pages as orphans.
    with (sample / "build" / "doctrees" / "environment.pickle").open("rb") as file:
        env = pickle.load(file)
    listed = {"index"}.union(*env.toctree_includes.values())
    unlisted = set(env.found_docs) - listed
    items = {"standards/TEL-001", "audits/AUD-20261015-NJR-7F3A", "checklists/CL-TELEPHONE"}
    assert not items & set(env.found_docs)  # written by qms as HTML: Sphinx reads them not
    assert [doc for doc in unlisted if "orphan" not in env.metadata[doc]] == []


def test_no_change_means_no_work(sample: Path) -> None:
    source = sample / "build" / "source"
    before = {p: p.stat().st_mtime_ns for p in source.rglob("*.rst")}
    result, _ = build_once(sample)
    assert result.up_to_date and not result.sphinx_ran
    assert {p: p.stat().st_mtime_ns for p in source.rglob("*.rst")} == before


def test_cli_build_names_the_html_and_clean_rebuilds(sample: Path,
                                                    run: Callable[..., object]) -> None:
    result = run("build", str(sample), "--clean", "--quiet")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert f"{sample}/build/html/index.html" in result.output  # type: ignore[attr-defined]
    assert "built the manual" in result.output  # type: ignore[attr-defined]


def test_bad_jobs_value_is_a_usage_error(sample: Path, run: Callable[..., object]) -> None:
    result = run("build", str(sample), "-j", "many")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "'many' is not a number or 'auto'" in result.output  # type: ignore[attr-defined]


def test_outside_git_history_is_unavailable(tmp_path: Path) -> None:
    repo = copy_fixture("manual-small", tmp_path / "nogit")
    result, _ = build_once(repo, strict=True)
    assert not result.warnings
    assert "History unavailable (not a git repository)." in html(repo, "standards/DSK-001")


def test_repository_errors_stop_the_build(tmp_path: Path, run: Callable[..., object]) -> None:
    repo = copy_fixture("manual-small", tmp_path / "broken")
    target = repo / "standards" / "desk" / "DSK-001.yaml"
    target.write_text(target.read_text().replace("owner: Front Desk", "ownr: Front Desk"))
    result = run("build", str(repo))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    assert "the repository has errors" in output and "unknown-field" in output
    assert "Traceback" not in output


def test_templates_override_a_page_and_a_block(tmp_path: Path) -> None:
    repo = copy_fixture("manual-small", tmp_path / "own")
    own = repo / "templates" / "manual"
    own.mkdir(parents=True)
    (own / "checklists.rst.j2").write_text(
        "Our checklists\n==============\n\nWe audit with {{ checklists|length }} checklist.\n",
        encoding="utf-8")
    (own / "standard.html.j2").write_text(
        '{% extends "qms/manual/standard.html.j2" %}\n{% block statement %}\n'
        '<p class="rubric">What we promise</p>\n{{ s.statement|paras }}\n{% endblock %}\n',
        encoding="utf-8")
    result, _ = build_once(repo, strict=True)
    assert not result.warnings
    assert "We audit with 1 checklist." in html(repo, "checklists/index")
    page = html(repo, "standards/DSK-001")
    assert "What we promise" in page and "Do / Don" in page


def test_strict_fails_on_warnings_and_remembers_them(tmp_path: Path,
                                                     run: Callable[..., object]) -> None:
    repo = copy_fixture("manual-small", tmp_path / "warn")
    own = repo / "templates" / "manual"
    own.mkdir(parents=True)
    (own / "checklists.rst.j2").write_text(
        "Checklists\n==========\n\nSee :doc:`nowhere`.\n", encoding="utf-8")
    first = run("build", str(repo), "--strict", "-q")
    assert first.exit_code == 1  # type: ignore[attr-defined]
    assert "unknown document" in first.output  # type: ignore[attr-defined]
    again = run("build", str(repo), "--strict", "-q")  # nothing changed: the warning stays
    assert again.exit_code == 1  # type: ignore[attr-defined]
    assert "up to date" in again.output and "1 warning" in again.output  # type: ignore[attr-defined]
    (own / "checklists.rst.j2").unlink()
    fixed = run("build", str(repo), "--strict", "-q")
    assert fixed.exit_code == 0, fixed.output  # type: ignore[attr-defined]


def test_parallel_build(tmp_path: Path) -> None:
    repo = make_git_repo(copy_fixture("manual-small", tmp_path / "parallel"))
    result, _ = build_once(repo, jobs=2, strict=True)
    assert result.sphinx_ran and not result.warnings
    assert "DSK-001" in html(repo, "standards/DSK-001")


def test_builds_are_reproducible(tmp_path: Path) -> None:
    outputs = []
    for name in ("one", "two"):
        repo = make_git_repo(copy_sample(tmp_path / name))
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000"}
        subprocess.run([str(Path(sys.executable).parent / "qms"), "build", "-q", str(repo)],
                       env=env, check=True, capture_output=True)
        outputs.append(repo / "build" / "html")
    assert differing_files(outputs[0], outputs[1]) == []


def test_two_clean_builds_at_once_both_finish_with_the_whole_manual(tmp_path: Path) -> None:
    reference = make_git_repo(copy_fixture("manual-small", tmp_path / "reference"))
    repo = make_git_repo(copy_fixture("manual-small", tmp_path / "twice"))
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1790000000"}
    qms = str(Path(sys.executable).parent / "qms")
    subprocess.run([qms, "build", "-q", str(reference)], env=env, check=True, capture_output=True)
    builds = [subprocess.Popen([qms, "build", "--clean", "-q", str(repo)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    outcomes = [(b.wait(), b.communicate()[1]) for b in builds]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert differing_files(reference / "build" / "html", repo / "build" / "html") == []
    assert sorted(p.name for p in (repo / "build").iterdir()) == [
        ".qms", "doctrees", "html", "source"]


def test_docutils_settings_made_once_change_no_page(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    parsers: list[object] = []
    made = docutils.frontend.OptionParser.__init__

    def counted(self: object, *args: object, **kwargs: object) -> None:
        parsers.append(self)
        made(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(docutils.frontend.OptionParser, "__init__", counted)
    outputs = []
    for name, settings in (("once", sphinx_build.docutils_settings_made_once),
                           ("per-page", contextlib.nullcontext)):
        monkeypatch.setattr(sphinx_build, "docutils_settings_made_once", settings)
        repo = make_git_repo(copy_fixture("manual-small", tmp_path / name))
        parsers.clear()
        result, _ = build_once(repo, strict=True)
        # Item pages are not read by docutils: only the reST documents make settings.
        outputs.append((repo / "build" / "html", len(parsers),
                        result.pages - len(result.item_pages)))
    (once, made_once, pages), (per_page, made_per_page, _) = outputs
    import sphinx.util.docutils

    if hasattr(sphinx.util.docutils, "_get_settings"):  # Sphinx 8.2+: settings made per page
        assert made_once < 5 < pages <= made_per_page  # the cache is in effect on this Sphinx
    else:  # older Sphinx makes them once itself: the patch stands aside
        assert made_once == made_per_page < pages
    assert differing_files(once, per_page) == []


def test_chinese_manual_labels_and_search(tmp_path: Path) -> None:
    repo = make_git_repo(copy_fixture("zh-sample", tmp_path / "zh"))
    result, _ = build_once(repo, strict=True)
    assert not result.warnings
    home = html(repo, "index")
    assert 'lang="zh-CN"' in home and "服务质量差距模型" in home and "找到您的服务接触点" in home
    assert "搜索" in html(repo, "search")
    page = html(repo, "standards/DH-001")
    assert "应该做" in page and "修订历史" in page and "电话铃响三声之内接听" in page
    index = (repo / "build" / "html" / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(index[index.index("(") + 1:index.rindex(")")])
    assert "接听" in data["terms"], "jieba splits Chinese text into searchable words"


def test_injected_markup_is_shown_as_text(tmp_path: Path) -> None:
    repo = make_git_repo(copy_fixture("injection", tmp_path / "evil"))
    result, _ = build_once(repo, strict=True)
    assert not result.warnings, result.warnings
    pages = all_html(repo)
    for name, text in pages.items():
        assert "<script>alert" not in text, name
        assert "<img src=x" not in text and "<iframe" not in text, name
        assert "root:x:0:0" not in text, name
        assert "evil.example/pixel" not in text or "&lt;" in text or "image::" in text, name
        assert not EXTERNAL.search(text), name
    page = pages["standards/INJ-001.html"]
    assert "INJ-001 — &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert ".. raw:: html" in page and ".. include:: /etc/passwd" in page
    assert "Stray `backticks and ``literal and *emphasis and |substitution|" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert ".. include:: /etc/passwd" in pages["standards/INJ-002.html"]
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;alert(9)" in pages[
        "audits/AUD-20261101-EVIL-0001.html"]
    # names shown per manual.names: text as well
    assert "&lt;iframe srcdoc=x&gt;&lt;/iframe&gt; `name`_ |sub| Safety" in pages[
        "standards/owner/safety.html"]
    shown_site = "&lt;img src=x onerror=alert(10)&gt; .. include:: /etc/passwd"
    assert shown_site in pages["audits/AUD-20261101-EVIL-0001.html"]
    assert shown_site in pages["measurement/compliance.html"]


@pytest.mark.parametrize("command", ["build", "check"])
def test_exit_handlers_run_after_every_command(tmp_path: Path, command: str) -> None:
    # `qms build` ends without the interpreter's teardown (measured: 1.5 s at 5,000 standards),
    # but what registered with atexit (coverage, logging) must still run, there and elsewhere.
    repo = make_git_repo(copy_fixture("manual-small", tmp_path / "repo"))
    marker = tmp_path / "atexit-ran"
    script = ("import atexit, sys\n"
              "marker = sys.argv[1]\n"
              "atexit.register(lambda: open(marker, 'w').write('ran'))\n"
              f"sys.argv = ['qms', {command!r}, sys.argv[2]]\n"
              "from qms.cli.main import main\n"
              "main()\n")
    done = subprocess.run([sys.executable, "-c", script, str(marker), str(repo)],
                          capture_output=True, text=True,
                          env={**os.environ, "SOURCE_DATE_EPOCH": "1790000000"})
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "ran"


def test_loading_and_rendering_run_in_a_child_and_build_what_they_build_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The repository's memory goes with the child instead of staying under Sphinx's; where
    # no child can be forked, the same steps run in this process to the same bytes.
    from qms.manual import pipeline

    real, pids = pipeline._load_and_render, tmp_path / "pids"

    def noting(*args: object, **kwargs: object) -> object:
        with pids.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "_load_and_render", noting)
    forked = make_git_repo(copy_fixture("manual-small", tmp_path / "forked"))
    result, _ = build_once(forked, strict=True)
    assert pids.read_text().split() != [str(os.getpid())]
    assert result.written and result.seconds["render"] > 0 and "sphinx" in result.seconds
    pids.unlink()
    monkeypatch.setattr("qms.base.workers.can_fork", lambda: False)
    here = make_git_repo(copy_fixture("manual-small", tmp_path / "here"))
    again, _ = build_once(here, strict=True)
    assert pids.read_text().split() == [str(os.getpid())]
    assert (again.written, again.item_pages) == (result.written, result.item_pages)
    assert differing_files(forked / "build" / "html", here / "build" / "html") == []


def test_a_build_that_fails_in_a_process_that_goes_on_leaves_the_collector_as_it_was(
        fixture_repo: Callable[[str], Path]) -> None:
    # Beside other threads (as in qms serve) the repository is loaded and rendered in this
    # process, its objects frozen out of the collector's scans meanwhile: a build that fails
    # while rendering (here: an item template of the old kind) must not leave them frozen.
    # (Commands run in this test process before may have frozen their loaded data for good,
    # as a command's process does before it ends: qms.format.partial.)
    gc.unfreeze()
    repo = fixture_repo("manual-small")
    old = repo / "templates" / "manual" / "standard.rst.j2"
    old.parent.mkdir(parents=True)
    old.write_text("{{ s.title }}\n", encoding="utf-8")
    stop = threading.Event()
    beside = threading.Thread(target=stop.wait, daemon=True)
    beside.start()
    try:
        with pytest.raises(QmsError, match="HTML template now"):
            build_once(repo)
    finally:
        stop.set()
    assert gc.isenabled() and gc.get_freeze_count() == 0
