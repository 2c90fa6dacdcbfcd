"""What a kept Sphinx application (`qms serve`) remembers between builds to rebuild quickly: the
search index, search texts, tables' HTML and the sidebar. Each shortcut writes the bytes the
plain path writes, and a file changed behind the application's back is read again."""

from __future__ import annotations

import gc
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sphinx.environment import BuildEnvironment
from sphinx.search import IndexBuilder, js_index

from qms.manual import itemdirect, sphinx_build, sphinx_index, sphinx_nav
from qms.manual.sphinx_build import SphinxSession
from qms.manual.sphinx_excerpts import script_parts

from .manual_helpers import build_once, differing_files


@pytest.fixture(autouse=True)
def _sphinx_writes_every_edit(monkeypatch: pytest.MonkeyPatch) -> None:
    # These tests follow what a kept Sphinx application does from build to build: the edits
    # qms would write without Sphinx (itemdirect, tested on its own) go through Sphinx here.
    monkeypatch.setattr(itemdirect, "DIRECT", False)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@contextmanager
def _session() -> Iterator[SphinxSession]:
    session = SphinxSession()
    try:
        yield session
    finally:
        session.close()


def _edits(repo: Path) -> Iterator[None]:
    """A title shown on index pages, a new word and one other pages hold, a removed standard,
    a word dropped."""
    desk = repo / "standards" / "desk"
    _replace(desk / "DSK-001.yaml", "Greet every visitor", "Welcome every visitor")
    yield
    _replace(desk / "DSK-002.yaml", "statement: ", "statement: Zanzibarian ")
    _replace(desk / "DSK-001.yaml", "whatever the", "leaflets or whatever the")
    yield
    (desk / "DSK-003.yaml").unlink()
    yield
    _replace(desk / "DSK-002.yaml", "statement: Zanzibarian ", "statement: ")
    yield


def _kept_builds(repo: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[bytes], int]:
    """The search index after each edit, built by one kept application, and how often Sphinx
    read the index from its file."""
    indexes, reads = [], [0]
    loads = js_index.loads

    def counted_loads(text: str) -> Any:
        reads[0] += 1
        return loads(text)

    monkeypatch.setattr(js_index, "loads", counted_loads)
    with _session() as session:
        build_once(repo, strict=True, sphinx=session)
        for _ in _edits(repo):
            result, _lines = build_once(repo, strict=True, sphinx=session)
            assert result.sphinx_ran
            indexes.append((repo / "build" / "html" / "searchindex.js").read_bytes())
        assert session.started == 1
    return indexes, reads[0]


def test_a_kept_search_index_is_the_one_sphinx_reads_and_freezes(
        fixture_repo: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    repo = fixture_repo("manual-small")
    plain = tmp_path / "plain"
    shutil.copytree(repo, plain)
    kept, reads = _kept_builds(repo, monkeypatch)
    assert reads == 0  # (the first build had no index to read)
    monkeypatch.setattr(sphinx_index, "KEEP_IN_MEMORY", False)
    assert _kept_builds(plain, monkeypatch) == (kept, 4)  # each step's index, byte for byte
    assert b"zanzibarian" in kept[1] and b"zanzibarian" not in kept[3]
    assert differing_files(repo / "build" / "html", plain / "build" / "html") == []
    clean = tmp_path / "clean"
    shutil.copytree(repo, clean, ignore=shutil.ignore_patterns("build"))
    build_once(clean, strict=True, clean=True)
    assert differing_files(repo / "build" / "html", clean / "build" / "html") == []


def test_a_search_index_changed_on_disk_is_read_again(
        fixture_repo: Callable[[str], Path]) -> None:
    # The index in memory is the file this application wrote; a file changed since (another
    # build, a hand) is what Sphinx reads, as without a kept application: here an unreadable
    # one, which Sphinx warns of.
    repo = fixture_repo("manual-small")
    with _session() as session:
        build_once(repo, strict=True, sphinx=session)
        (repo / "build" / "html" / "searchindex.js").write_text("Search.setIndex(nonsense)",
                                                                 encoding="utf-8")
        _replace(repo / "standards" / "desk" / "DSK-001.yaml", "Greet every visitor",
                 "Welcome every visitor")
        result, _ = build_once(repo, sphinx=session)
        assert session.started == 1
    assert any("search index couldn't be loaded" in w for w in result.warnings), result.warnings


class _OtherBuilder:
    def load_indexer(self, docnames: object, keep: object) -> None:
        """Another Sphinx's loading, with another signature."""

    def dump_search_index(self) -> None:
        """As Sphinx's."""


class _SameBuilder:
    def load_indexer(self, docnames: object) -> None:
        """As Sphinx's."""

    def dump_search_index(self) -> None:
        """As Sphinx's."""


def test_the_index_is_kept_only_with_the_sphinx_it_was_written_for() -> None:
    assert sphinx_index._can_keep(_SameBuilder())
    assert not sphinx_index._can_keep(_OtherBuilder())


def test_search_texts_kept_encoded_are_written_as_when_encoded_afresh() -> None:
    # A kept application keeps each page's text with its JSON; after edits the script is the
    # one encoding every text again gives, and pages gone are forgotten.
    texts = {f"standards/STD-{n}": f'Statement {n}: "quoted" 中文 </script>' for n in range(5)}
    encoded: dict[str, tuple[str, str]] = {}
    assert "".join(script_parts(texts, encoded)) == "".join(script_parts(texts))
    texts["standards/STD-1"] = "Changed"
    del texts["standards/STD-2"]
    texts["standards/STD-9"] = "New"
    assert "".join(script_parts(texts, encoded)) == "".join(script_parts(texts))
    assert sorted(encoded) == sorted(texts)
    assert encoded["standards/STD-1"] == ("Changed", '"standards/STD-1":"Changed"')


def test_a_kept_application_makes_again_only_the_tables_that_changed(
        fixture_repo: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo = fixture_repo("manual-small")
    made: list[str] = []  # tables made into HTML
    written: list[str] = []  # tables written into a page
    table_html, table_html_once = sphinx_build.table_html, sphinx_build._table_html_once

    def counted(settings: dict[str, Any], rows: list[Any], docname: str) -> str:
        made.append(docname)
        return table_html(settings, rows, docname)

    def counted_once(builder: Any, node: Any, docname: str) -> str:
        written.append(docname)
        return table_html_once(builder, node, docname)

    monkeypatch.setattr(sphinx_build, "table_html", counted)
    monkeypatch.setattr(sphinx_build, "_table_html_once", counted_once)
    with _session() as session:
        build_once(repo, strict=True, sphinx=session)
        made.clear()
        written.clear()
        _replace(repo / "standards" / "desk" / "DSK-001.yaml", "Greet every visitor",
                 "Welcome every visitor")
        build_once(repo, strict=True, sphinx=session)
    assert 0 < len(made) < len(written)  # the ones showing the title, not the others
    # A build whose application ends with it keeps nothing for a next one: all are made.
    made.clear()
    written.clear()
    _replace(repo / "standards" / "desk" / "DSK-001.yaml", "Welcome every", "Greet every")
    build_once(repo, strict=True)
    assert 0 < len(made) == len(written)
    clean = tmp_path / "clean"
    shutil.copytree(repo, clean, ignore=shutil.ignore_patterns("build"))
    build_once(clean, strict=True, clean=True)
    assert differing_files(repo / "build" / "html", clean / "build" / "html") == []


def test_sphinx_loads_and_builds_without_scanning_what_it_loaded(
        fixture_repo: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    # Loading Sphinx's environment makes no garbage: the collector does not scan it then, and
    # while Sphinx builds, what existed before (the environment) is left out of its scans.
    # Afterwards the collector is as it was.
    # (Commands run in this test process before may have frozen their loaded data for good,
    # as a command's process does before it ends: qms.format.partial.)
    gc.unfreeze()
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    _replace(repo / "standards" / "desk" / "DSK-001.yaml", "Greet every visitor",
             "Welcome every visitor")
    scans: list[str] = []
    seen: dict[str, Any] = {}

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            scans.append(seen.get("step", ""))

    real = sphinx_build.Sphinx

    def started(*args: Any, **kwargs: Any) -> Any:
        seen["step"] = "start"
        app = real(*args, **kwargs)
        seen["step"] = ""
        build = app.build

        def noted_build(*args: Any, **kwargs: Any) -> None:
            seen["frozen"] = gc.get_freeze_count()
            build(*args, **kwargs)

        app.build = noted_build
        return app

    monkeypatch.setattr(sphinx_build, "Sphinx", started)
    gc.callbacks.append(note)
    try:
        result, _ = build_once(repo, strict=True)
    finally:
        gc.callbacks.remove(note)
    assert result.sphinx_ran
    assert "start" not in scans
    assert seen["frozen"] > 10000  # (the environment alone is more objects than that)
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_pruning_the_pages_that_go_leaves_what_sphinx_pruning_leaves() -> None:
    pages = [f"p{n}" for n in range(12)]

    def index() -> SimpleNamespace:
        return SimpleNamespace(
            _titles={p: p.upper() for p in pages}, _filenames={p: f"{p}.rst" for p in pages},
            _all_titles={p: [(p.upper(), None)] for p in pages},
            _mapping={f"w{n}": set(pages[n % 5::n % 4 + 1]) for n in range(30)},
            _title_mapping={f"t{n}": set(pages[n:n + 3]) for n in range(12)})

    for keep in ({"p1", "p2", "p7", "gone-already"}, set(pages), set(), {"p3"}):
        plain, fast = index(), index()
        IndexBuilder.prune(plain, keep)  # type: ignore[arg-type]
        sphinx_index._prune_pages_gone(fast, keep)
        assert vars(fast) == vars(plain)


def test_sidebars_marked_in_the_folders_sidebar_are_the_ones_sphinx_draws(
        fixture_repo: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Pages in a toctree (the home page, encounter cards, index pages) each mark their own
    # entry in the sidebar: marked in the folder's sidebar drawn once, the pages are the
    # ones Sphinx's drawing of every sidebar gives.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    drawn: list[str] = []
    draw = sphinx_nav._marked

    def counted(html: str, href: str) -> str | None:
        drawn.append(href)
        return draw(html, href)

    monkeypatch.setattr(sphinx_nav, "_marked", counted)
    marked = fixture_repo("manual-small")
    plain = tmp_path / "plain"
    shutil.copytree(marked, plain)
    build_once(marked, strict=True)
    assert len(drawn) > 10
    monkeypatch.setattr(sphinx_nav, "MARK_PAGES", False)
    build_once(plain, strict=True)
    assert differing_files(marked / "build" / "html", plain / "build" / "html") == []
    card = (marked / "build" / "html" / "standards" / "index.html").read_text(encoding="utf-8")
    assert 'current-page"><a class="current reference internal" href="#">' in card


def test_a_sidebar_not_as_expected_is_left_to_sphinx() -> None:
    sidebar = ('<ul>\n<li class="toctree-l1"><a class="reference internal" href="a.html">A</a>'
               '<ul>\n<li class="toctree-l2"><a class="reference internal" href="b.html">B</a>'
               '</li>\n</ul>\n</li>\n</ul>\n')
    assert sphinx_nav._marked(sidebar, "b.html") == (
        '<ul class="current">\n<li class="toctree-l1 current"><a class="reference internal" '
        'href="a.html">A</a><ul class="current">\n<li class="toctree-l2 current"><a '
        'class="current reference internal" href="#">B</a></li>\n</ul>\n</li>\n</ul>\n')
    assert sphinx_nav._marked(sidebar, "c.html") is None  # no entry of its own
    assert sphinx_nav._marked(sidebar.replace("b.html", "a.html"), "a.html") is None  # two
    assert sphinx_nav._marked(sidebar.replace("<ul>", '<ul class="x">', 1), "b.html") is None


def test_a_kept_application_follows_a_change_of_the_home_pages_toctree(
        fixture_repo: Callable[[str], Path], tmp_path: Path) -> None:
    # Sphinx keeps the home page's document for drawing sidebars once it has read it
    # (BuildEnvironment.master_doctree): a kept application reads it again for each build,
    # or the sidebars would keep the toctree of the first one.
    repo = fixture_repo("manual-small")
    packaged = Path(sphinx_build.__file__).parent / "templates" / "manual" / "index.rst.j2"
    override = repo / "templates" / "manual" / "index.rst.j2"
    with _session() as session:
        build_once(repo, strict=True, sphinx=session)
        override.parent.mkdir(parents=True, exist_ok=True)
        override.write_text(packaged.read_text(encoding="utf-8").replace(
            "   plans/index\n", "", 1), encoding="utf-8")
        build_once(repo, strict=True, sphinx=session)
        assert session.started == 1
    clean = tmp_path / "clean"
    shutil.copytree(repo, clean, ignore=shutil.ignore_patterns("build"))
    build_once(clean, strict=True, clean=True)
    assert differing_files(repo / "build" / "html", clean / "build" / "html") == []


def test_a_build_reading_a_few_pages_writes_them_from_the_doctrees_it_read(
        fixture_repo: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # (A build reading more pages drops each doctree once read, and loads it back to write.)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    loaded: list[str] = []
    get_doctree = BuildEnvironment.get_doctree

    def counted(env: BuildEnvironment, docname: str) -> Any:
        loaded.append(docname)
        return get_doctree(env, docname)

    monkeypatch.setattr(BuildEnvironment, "get_doctree", counted)
    kept = fixture_repo("manual-small")
    dropped = tmp_path / "dropped"
    shutil.copytree(kept, dropped)
    outcomes, keep = [], sphinx_build.KEEP_READ_DOCTREES
    for repo in (kept, dropped):
        build_once(repo, strict=True)
        _replace(repo / "standards" / "desk" / "DSK-001.yaml", "Greet every visitor",
                 "Welcome every visitor")
        loaded.clear()
        result, _ = build_once(repo, strict=True)
        read = {name for name in result.written
                if (repo / "build" / "source" / f"{name}.rst").is_file()}
        outcomes.append((read, set(loaded)))
        monkeypatch.setattr(sphinx_build, "KEEP_READ_DOCTREES", 0)
    (read, loaded_kept), (_, loaded_dropped) = outcomes
    assert 0 < len(read) <= keep  # the pages showing the title, read again
    assert not loaded_kept & read
    assert read <= loaded_dropped
    assert differing_files(kept / "build" / "html", dropped / "build" / "html") == []


class _CompactIndex:
    PREFIX, SUFFIX = "Search.setIndex(", ")"

    def dumps(self, data: Any) -> str:
        """The script of the Sphinx versions that write it compact (sphinx.search.js_index of
        Sphinx 9: JSON without spaces, keys sorted); Sphinx 8.0 writes spaces."""
        return self.PREFIX + json.dumps(data, separators=(",", ":"), sort_keys=True) + self.SUFFIX


def _compact(index: Any) -> bool:
    return bool(index.dumps({"a": [1, 2]}) == 'Search.setIndex({"a":[1,2]})')


def test_the_search_index_script_with_kept_json_is_the_one_sphinx_writes() -> None:
    # Against the installed Sphinx's own script where it is compact (where it is not, the
    # index is not kept: the next test), and against the compact script in any case.
    for index in [_CompactIndex(), *([js_index] if _compact(js_index) else [])]:
        frozen: dict[str, Any] = {
            "terms": {"b": [1, 2], "a": 3, "é": [0]}, "titleterms": {"x": [0, 1]},
            "objtypes": {2: "x", 1: "y"}, "docnames": ("a", "b"), "titles": ("Té", "<x>")}
        encoded: dict[str, dict[str, tuple[Any, str]]] = {"terms": {}, "titleterms": {}}
        assert sphinx_index._script(index, frozen, encoded) == index.dumps(frozen)
        frozen["terms"]["b"] = [1, 2, 5]  # a word's pages changed, one gone, one new
        del frozen["terms"]["a"]
        frozen["terms"]["c"] = 4
        assert sphinx_index._script(index, frozen, encoded) == index.dumps(frozen)
        assert sorted(encoded["terms"]) == ["b", "c", "é"]


class _SpacedIndex:
    PREFIX, SUFFIX = "Search.setIndex(", ")"

    def dumps(self, data: Any) -> str:
        """Another Sphinx's script: JSON with spaces."""
        return self.PREFIX + json.dumps(data, sort_keys=True) + self.SUFFIX


def test_a_search_index_script_of_another_form_is_left_to_sphinx() -> None:
    assert sphinx_index._encodes_as_expected(_CompactIndex())
    assert sphinx_index._encodes_as_expected(js_index) == _compact(js_index)
    assert not sphinx_index._encodes_as_expected(_SpacedIndex())
    assert not sphinx_index._encodes_as_expected(object())
