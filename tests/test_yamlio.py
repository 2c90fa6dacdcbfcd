"""The YAML reader: values keep their lines; hostile input becomes a YamlProblem with a place."""

from __future__ import annotations

import multiprocessing
from datetime import date
from pathlib import Path

import pytest
import yaml

from qms.base import yamledit
from qms.base.yamledit import edit
from qms.base.yamlread import LineDict, YamlProblem, decode, line_of, parse


def test_values_remember_their_lines() -> None:
    data = parse("id: TEL-001\nmeasures:\n  - id: m1\n    target: '>= 95'\n  - id: m2\n")
    assert isinstance(data, LineDict)
    assert line_of(data, ("measures", 1, "id")) == 5
    assert line_of(data, ("measures", 0, "target")) == 4
    assert line_of(data, ("measures", 7)) == 2  # the deepest part that exists


def test_keys_are_text_even_when_yaml_would_read_a_boolean() -> None:
    data = parse("verification: {by: Li Wei, on: 2027-01-15, result: effective}\nyes: no\n")
    assert data["verification"]["on"] == date(2027, 1, 15)
    assert data["yes"] is False


def test_scalars_resolve_as_yaml_does() -> None:
    data = parse("a: 12\nb: 1.5\nc: ~\nd: '12'\ne: 2026-02-30\nf: 2026-02-28\ng: true\n")
    assert data == {"a": 12, "b": 1.5, "c": None, "d": "12", "e": "2026-02-30",
                    "f": date(2026, 2, 28), "g": True}


def test_a_byte_order_mark_is_accepted() -> None:
    assert parse(decode(b"\xef\xbb\xbfid: TEL-001\n")) == {"id": "TEL-001"}


def test_tabs_are_reported_with_their_place() -> None:
    with pytest.raises(YamlProblem) as caught:
        parse("id: TEL-001\nmeasures:\n\t- id: m1\n")
    assert caught.value.code == "syntax"
    assert (caught.value.line, caught.value.column) == (3, 1)
    assert "tabs" in caught.value.message


def test_mixed_encodings_name_the_line() -> None:
    raw = "id: TEL-001\ntitle: 中文标题\n".encode() + b"note: caf\xe9\n"
    with pytest.raises(YamlProblem) as caught:
        decode(raw)
    assert (caught.value.code, caught.value.line) == ("encoding", 3)


def test_two_documents_are_refused() -> None:
    with pytest.raises(YamlProblem) as caught:
        parse("id: A-1\n---\nid: B-1\n")
    assert (caught.value.code, caught.value.line) == ("syntax", 2)


def test_a_mapping_as_a_key_is_refused() -> None:
    with pytest.raises(YamlProblem) as caught:
        parse("? [a, b]\n: c\n")
    assert caught.value.code == "wrong-type"


def test_edit_keeps_comments_and_quotes(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    original = "# Owned by the quality team\nid: TEL-001   # never change\ntitle: 'Quoted'\n"
    path.write_text(original)
    with edit(path) as doc:
        doc["status"] = "approved"
    assert path.read_text() == original + "status: approved\n"


def test_add_months_keeps_the_day_or_takes_the_last_of_the_month() -> None:
    from qms.format.schedule import add_months

    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2026, 6, 1), 12) == date(2027, 6, 1)


def _append_many(path: Path, tag: str, count: int) -> None:
    for i in range(count):
        yamledit.update_file(path, lambda doc, i=i: doc["items"].append(f"{tag}{i}"))


def test_concurrent_edits_in_one_folder_lose_nothing(tmp_path: Path) -> None:
    # Two commands saving the same record at once: each must see the other's change.
    path = tmp_path / "record.yaml"
    path.write_text("# a comment people wrote\nitems:\n  - first\n", encoding="utf-8")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(path, tag, 8)) for tag in "ab"]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    text = path.read_text(encoding="utf-8")
    items = yaml.safe_load(text)["items"]
    assert sorted(items) == sorted(["first", *(f"{t}{i}" for t in "ab" for i in range(8))])
    assert text.startswith("# a comment people wrote\n")


def _nested_edits(first: Path, second: Path) -> None:
    with yamledit.edit(first) as doc:
        doc["items"].append("outer")
        yamledit.update_file(second, lambda other: other["items"].append("inner"))


def test_an_edit_inside_an_edit_of_the_same_folder_does_not_wait_for_itself(
        tmp_path: Path) -> None:
    first, second = tmp_path / "one.yaml", tmp_path / "two.yaml"
    for path in (first, second):
        path.write_text("items:\n  - first\n", encoding="utf-8")
    worker = multiprocessing.get_context("fork").Process(target=_nested_edits,
                                                         args=(first, second))
    worker.start()
    worker.join(30)
    if worker.is_alive():  # it waits on its own lock
        worker.kill()
    assert worker.exitcode == 0
    assert yaml.safe_load(first.read_text())["items"] == ["first", "outer"]
    assert yaml.safe_load(second.read_text())["items"] == ["first", "inner"]
