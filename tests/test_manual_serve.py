"""`qms serve`: the manual on localhost, rebuilt when a file changes."""

from __future__ import annotations

import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from qms.manual.sphinx_build import SphinxSession

from .manual_helpers import (
    build_once,
    differing_files,
    fetch,
    html,
    move_standard,
    serving,
    wait_for,
)

QMS = str(Path(sys.executable).parent / "qms")


def test_serve_rebuilds_on_change(fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    with serving(repo) as server:
        assert "Greet every visitor" in fetch(server.address + "standards/DSK-001.html")
        target = repo / "standards" / "desk" / "DSK-001.yaml"
        target.write_text(target.read_text(encoding="utf-8").replace(
            "Greet every visitor", "Welcome every visitor"), encoding="utf-8")
        page = wait_for(server.address + "standards/DSK-001.html", "Welcome every visitor", 60)
        assert "Welcome every visitor" in page
    assert server.returncode in (130, -signal.SIGINT), server.returncode


def test_a_kept_sphinx_application_builds_what_a_new_one_builds(
        fixture_repo: Callable[[str], Path], tmp_path: Path) -> None:
    # qms serve keeps one Sphinx application for every rebuild; what it writes after edits
    # (an item page's title, shown on index pages too, and a reST page's text) must be what a
    # clean build of the same files writes, byte for byte, search index included.
    repo = fixture_repo("manual-small")
    session = SphinxSession()
    try:
        build_once(repo, strict=True, sphinx=session)
        target = repo / "standards" / "desk" / "DSK-001.yaml"
        text = target.read_text(encoding="utf-8")
        target.write_text(text.replace("Greet every visitor within 30 seconds",
                                       "Welcome every visitor within 20 seconds"),
                          encoding="utf-8")
        first, _ = build_once(repo, strict=True, sphinx=session)  # written by qms itself
        move_standard(repo, "DSK-003", "Reception")  # a card more on the reception's page: Sphinx
        moved, _ = build_once(repo, strict=True, sphinx=session)
        config = repo / "qms.yaml"
        config.write_text(config.read_text(encoding="utf-8").replace(
            "title: Small", "title: Kept - Small", 1), encoding="utf-8")
        second, _ = build_once(repo, strict=True, sphinx=session)
        assert not first.sphinx_ran and moved.sphinx_ran and second.sphinx_ran
        # the configuration changed with the title in conf.py: a new application for that one
        assert session.started == 2
    finally:
        session.close()
    fresh = tmp_path / "fresh"
    shutil.copytree(repo, fresh, ignore=shutil.ignore_patterns("build"))
    build_once(fresh, strict=True, clean=True)
    assert "Welcome every visitor within 20 seconds" in html(repo, "standards/DSK-001")
    assert "Kept -" in html(repo, "index")
    # (Sphinx 8.1 and later keep the build information of the last configuration as
    # .buildinfo.bak)
    differing = differing_files(repo / "build" / "html", fresh / "build" / "html")
    assert [name for name in differing if name != ".buildinfo.bak"] == []


def test_a_kept_application_is_reused_while_the_configuration_stays(
        fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    session = SphinxSession()
    try:
        previous = ""
        for word in ("one", "two", "three"):
            target = repo / "standards" / "desk" / "DSK-002.yaml"
            text = target.read_text(encoding="utf-8")
            target.write_text(text.replace("  Tell every visitor", f"  {word} Tell every visitor"
                                           .replace(f"{word} {word}", word), 1)
                              if word == "one" else text.replace(previous, word, 1),
                              encoding="utf-8")
            previous = word
            # and a standard to the other encounter (and back), so that Sphinx runs
            move_standard(repo, "DSK-003", "Reception" if word != "two" else "Waiting area")
            result, _ = build_once(repo, strict=True, sphinx=session)
            assert result.sphinx_ran
            assert f"{word} Tell every visitor" in html(repo, "standards/DSK-002")
        assert session.started == 1
    finally:
        session.close()
