"""Item pages written in their folder's frame (qms/manual/sphinx_frame.py) are the pages Sphinx
writes, byte for byte; where that cannot be vouched for, Sphinx writes them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sphinx.builders.html import StandaloneHTMLBuilder

from qms.manual import itemdirect, sphinx_frame
from qms.manual.sphinx_build import run_sphinx

from .manual_helpers import build_once, differing_files

# A repository's own standard page: an SVG whose title is one of the words qms's page.html
# translates in the theme (furo's "Menu" icon): the article's text is not the theme's.
STANDARD_WITH_A_MENU_ICON = (
    '{% extends "qms/manual/standard.html.j2" %}{% block statement %}{{ super() }}'
    '<svg class="own-icon"><title>Menu</title></svg>{% endblock %}')


def _pages_sphinx_writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    # The names of the pages Sphinx's HTML builder renders through the theme's template.
    names: list[str] = []
    original = StandaloneHTMLBuilder.handle_page

    def handle_page(self: Any, pagename: str, *args: Any, **kwargs: Any) -> None:
        names.append(pagename)
        original(self, pagename, *args, **kwargs)

    monkeypatch.setattr(StandaloneHTMLBuilder, "handle_page", handle_page)
    return names


def _item_names(source: Path) -> list[str]:
    items = source / "_items"
    return sorted(p.relative_to(items).as_posix()[:-len(".json")] for p in items.rglob("*.json"))


def test_pages_in_their_frame_are_the_pages_sphinx_writes(
        sample_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The sample is in English and Chinese: furo's page, and qms's on top of it (the language
    # switcher, furo's words translated) with a page name in every page.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    own = sample_repo / "templates" / "manual" / "standard.html.j2"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text(STANDARD_WITH_A_MENU_ICON, encoding="utf-8")
    plain = tmp_path / "plain"
    shutil.copytree(sample_repo, plain)
    written = _pages_sphinx_writes(monkeypatch)

    build_once(sample_repo, strict=True)
    framed = [name for name in written if name.startswith("standards/")]
    monkeypatch.setattr(sphinx_frame, "FRAME_ONCE", False)
    written.clear()
    build_once(plain, strict=True)

    assert differing_files(sample_repo / "build" / "html", plain / "build" / "html") == []
    standards = [name for name in _item_names(plain / "build" / "source")
                 if name.startswith("standards/") and "/" not in name[len("standards/"):]]
    assert len(standards) > 20
    assert sorted(name for name in written if name in standards) == sorted(standards * 2)
    # in the frame: Sphinx writes the first page of the folder only (in each language)
    assert [name for name in framed if name in standards] == [standards[0]] * 2
    assert len([name for name in framed if name.startswith("standards/qms")]) == 2  # frames
    page = (sample_repo / "build" / "html" / "zh_CN" / f"{standards[0]}.html").read_text("utf-8")
    assert '<svg class="own-icon"><title>Menu</title></svg>' in page
    assert page.count("<title>菜单</title>") == 1  # the theme's own icon


RECORDER = '''
"""Records the pages html-page-context is given, as an extension such as a sitemap does."""
import json
from pathlib import Path

seen = []


def _record(app, pagename, templatename, context, doctree):
    seen.append(pagename)


def _write(app, exception):
    Path(app.outdir, "seen.json").write_text(json.dumps(seen))


def setup(app):
    app.connect("html-page-context", _record)
    app.connect("build-finished", _write)
    return {"parallel_read_safe": True}
'''


def _add_to_conf(source: Path, text: str) -> None:
    conf = source / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_a_page_listener_of_conf_py_is_given_every_item_page(
        fixture_repo: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # build/source is a Sphinx project of its own: plain sphinx-build works on it, with a
    # conf.py someone extends. An extension's listener may count or change pages: each item
    # page is then Sphinx's, not a frame filled in.
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    (tmp_path / "ext").mkdir()
    (tmp_path / "ext" / "qms_test_page_recorder.py").write_text(RECORDER, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "ext"))
    source = repo / "build" / "source"
    _add_to_conf(source, 'extensions = extensions + ["qms_test_page_recorder"]\n')
    out = tmp_path / "html"
    result = run_sphinx(source, out, tmp_path / "doctrees", fresh=True, echo=lambda _: None)
    assert not result.warnings, result.warnings
    seen = json.loads((out / "seen.json").read_text(encoding="utf-8"))
    items = _item_names(source)
    assert len([name for name in items if name.startswith("standards/")]) >= 3
    assert set(items) <= set(seen)


def test_a_frame_the_first_page_does_not_match_is_not_used(
        fixture_repo: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A template that shows the title in a way qms does not fill in (its length): the frame
    # filled in would show the stand-in's; each folder's first page, written by Sphinx, shows
    # that it does not match, and Sphinx writes every page of the folder.
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    source = repo / "build" / "source"
    (source / "_own").mkdir()
    (source / "_own" / "page.html").write_text(
        '{% extends "!page.html" %}{% block extrahead %}'
        '<meta name="title-length" content="{{ title|length }}">{% endblock %}',
        encoding="utf-8")
    _add_to_conf(source, 'templates_path = ["_own"]\n')
    outs = {}
    for once in (True, False):
        monkeypatch.setattr(sphinx_frame, "FRAME_ONCE", once)
        outs[once] = tmp_path / f"html-{once}"
        result = run_sphinx(source, outs[once], tmp_path / f"doctrees-{once}", fresh=True,
                            echo=lambda _: None)
        assert not result.warnings, result.warnings
    assert differing_files(outs[True], outs[False]) == []
    page = (outs[True] / "standards" / "DSK-002.html").read_text(encoding="utf-8")
    assert '<meta name="title-length" content="' in page


def test_an_edit_of_many_item_pages_frames_them_as_a_clean_build_does(
        fixture_repo: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A repository's own standard page changes every standard's article and not the frame
    # (the sidebar is the same): the frame, known from the last build, is drawn again for them.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    # (Item pages alone changed: qms would write them without Sphinx. Here Sphinx writes them.)
    monkeypatch.setattr(itemdirect, "DIRECT", False)
    repo = fixture_repo("manual-small")
    build_once(repo, strict=True)
    own = repo / "templates" / "manual" / "standard.html.j2"
    own.parent.mkdir(parents=True)
    own.write_text(STANDARD_WITH_A_MENU_ICON, encoding="utf-8")
    written = _pages_sphinx_writes(monkeypatch)
    result, _ = build_once(repo, strict=True)
    standards = [name for name in result.written if name.startswith("standards/DSK-")]
    assert len(standards) >= 3
    assert [name for name in written if name in standards] == [sorted(standards)[0]]

    clean = tmp_path / "clean"
    shutil.copytree(repo, clean, ignore=shutil.ignore_patterns("build"))
    build_once(clean, strict=True)
    assert differing_files(repo / "build" / "html", clean / "build" / "html") == []
    page = (repo / "build" / "html" / f"{standards[-1]}.html").read_text(encoding="utf-8")
    assert '<svg class="own-icon">' in page
