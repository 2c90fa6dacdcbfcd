"""Round-trip edits write back only what changed, in the file's own style."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from ruamel.yaml.comments import CommentedMap

from qms.base.errors import QmsError
from qms.base.yamledit import (
    DEFAULT_INDENT,
    append_item,
    edit,
    indent_candidates,
    merge_edit,
    set_key,
)
from qms.base.yamlread import parse


@pytest.mark.parametrize(("text", "indent"), [
    ("a:\n  b: 1\nc:\n  - x: 1\n    y: 2\n", (2, 4, 2)),
    ("a:\n    b: 1\nc:\n- x: 1\n  y: 2\n", (4, 2, 0)),
    ("a:\n   b: 1\nc:\n    -   x: 1\n        y: 2\n", (3, 8, 4)),
    ("a: 1\nb: [x, y]\n", DEFAULT_INDENT),
    ("note: >\n    text:\n        more\nc:\n  d: 1\n", (2, 4, 2)),  # block scalars are skipped
])
def test_the_indentation_a_file_uses_comes_first(text: str, indent: tuple[int, int, int]) -> None:
    assert indent_candidates(text)[0] == indent
    assert DEFAULT_INDENT in indent_candidates(text)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "doc.yaml"
    path.write_bytes(text.encode("utf-8"))
    return path


def test_an_unchanged_document_is_not_rewritten(tmp_path: Path) -> None:
    path = write(tmp_path, "a:   1   # odd spacing ruamel would normalise\nb: [x,y]\n")
    stamp = path.stat().st_mtime_ns
    with edit(path) as doc:
        assert doc["a"] == 1
    assert path.stat().st_mtime_ns == stamp


def test_lines_ruamel_would_rewrite_stay_when_the_change_is_elsewhere(tmp_path: Path) -> None:
    text = ("---\n"
            "list: [x,y]     # no spaces after the commas\n"
            "odd:    spacing\n"
            "tail:\n"
            "  status: open\n"
            "...\n")
    path = write(tmp_path, text)
    with edit(path) as doc:
        doc["tail"]["status"] = "closed"
    assert path.read_text(encoding="utf-8") == text.replace("status: open", "status: closed")


def test_a_merge_that_would_change_the_meaning_is_not_used() -> None:
    original = "a: 1\nb: 2\n"
    assert merge_edit(original, "a: 1\nb: 2\n", "a: 1\nb: 3\n", parse) == "a: 1\nb: 3\n"
    # The base does not match the original where the change is: no merge.
    assert merge_edit("a:   1\nb: 2\n", "a: 1\nb: 2\n", "a: 9\nb: 2\n", parse) is None


def test_new_keys_go_to_their_place_in_the_order() -> None:
    mapping = CommentedMap([("owner", "x"), ("status", "open")])
    set_key(mapping, "due", "2027-01-31", ("owner", "due", "status", "history"))
    set_key(mapping, "history", [], ("owner", "due", "status", "history"))
    set_key(mapping, "unknown", 1, ("owner",))
    assert list(mapping) == ["owner", "due", "status", "history", "unknown"]


def test_a_comment_that_closed_a_block_still_closes_it(tmp_path: Path) -> None:
    text = ("items:\n"
            "  - id: 1\n"
            "    status: open   # first\n"
            "  # the second item is new\n"
            "  - id: 2\n"
            "# end\n")
    path = write(tmp_path, text)
    with edit(path) as doc:
        set_key(doc["items"][0], "owner", "me", ("id", "status", "owner"))
        append_item(doc["items"], CommentedMap([("id", 3)]))
    assert path.read_text(encoding="utf-8") == (
        "items:\n"
        "  - id: 1\n"
        "    status: open   # first\n"
        "    owner: me\n"
        "  # the second item is new\n"
        "  - id: 2\n"
        "  - id: 3\n"
        "# end\n")


@pytest.mark.parametrize("line", [
    "title: a\tb",          # a tab inside a plain scalar
    "title: a\tb   # why",  # ... before a comment
    "title:\ta b",          # a tab after the colon
    "title: a\t",           # a trailing tab
])
def test_tabs_yaml_allows_are_edited_around_and_kept(tmp_path: Path, line: str) -> None:
    text = f"id: TEL-001\n{line}\ndo:\n  - x\ty\nstatus: draft\n"
    assert parse(text)["status"] == "draft"  # what `qms check` reads
    path = write(tmp_path, text)
    with edit(path) as doc:
        doc["status"] = "approved"
    assert path.read_bytes() == text.replace("draft", "approved").encode()


def test_a_key_added_after_a_last_line_with_a_tab_leaves_that_line_alone(tmp_path: Path) -> None:
    path = write(tmp_path, "id: TEL-001\ntitle: a\tb\n")
    with edit(path) as doc:
        doc["status"] = "approved"
    assert path.read_bytes() == b"id: TEL-001\ntitle: a\tb\nstatus: approved\n"


def test_a_file_the_editor_cannot_read_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "id: TEL-001\ntitle: a\n\tb\n")  # a tab as indentation
    with pytest.raises(QmsError) as caught, edit(path):
        pass
    assert f"{path}:3:" in str(caught.value)
    assert path.read_bytes() == b"id: TEL-001\ntitle: a\n\tb\n"


def test_mixed_line_endings_stay_line_by_line(tmp_path: Path) -> None:
    text = "id: A-1\r\ntitle: x\nowner: me\r\ncapa:\n  status: open\r\n  due: 2027-01-31\n"
    path = write(tmp_path, text)
    with edit(path) as doc:
        doc["capa"]["status"] = "closed"
        set_key(doc["capa"], "closed", date(2027, 1, 2), ("status", "due", "closed"))
    assert path.read_bytes() == (
        b"id: A-1\r\ntitle: x\nowner: me\r\ncapa:\n  status: closed\r\n  due: 2027-01-31\n"
        b"  closed: 2027-01-02\n")


def test_a_crlf_file_without_a_last_line_break_gets_crlf_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "id: A-1\r\ntitle: x")
    with edit(path) as doc:
        doc["status"] = "open"
    assert path.read_bytes() == b"id: A-1\r\ntitle: x\r\nstatus: open\r\n"
