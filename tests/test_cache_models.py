"""What the file cache gives back is what reading the files gives: its JSON is validated by
pydantic-core alone (texts, clauses and targets without their Python validators), as strictly."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from qms.format.load import load_project
from qms.format.loadcache import LoadCache, cache_folder, load_valid_cached
from qms.format.models import Standard
from qms.format.texts import Texts

from .cache_helpers import rewrite_entry
from .conftest import TODAY, counting_reads

STANDARD = "standards/floor/GRT-001.yaml"  # its texts are written in two languages


@pytest.fixture(autouse=True)
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own per-user key, not the one in the real home folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv("QMS_CACHE_KEY", raising=False)


def test_cached_models_are_the_models_read_from_the_files(
        sample_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    today = date.fromisoformat(TODAY)
    fresh, issues = load_project(sample_repo, today)
    folder = cache_folder(sample_repo / "build")
    load_valid_cached(sample_repo, today, folder)
    read = counting_reads(monkeypatch)
    cached = load_valid_cached(sample_repo, today, folder)
    assert read == [[]]  # every model from the cache
    for kind in ("standards", "plans", "checklists", "audits"):
        mine, theirs = getattr(cached, kind), getattr(fresh, kind)
        assert mine.keys() == theirs.keys() and mine
        for key, model in mine.items():
            # (a dump too: a plain str equals a Texts that shows the same words)
            assert model == theirs[key]
            assert model.model_dump_json() == theirs[key].model_dump_json()
            # the fields each file set, at every level (the cache keeps only those)
            assert model.model_dump_json(exclude_unset=True) == theirs[key].model_dump_json(
                exclude_unset=True)
    title = cached.standards["GRT-001"].title
    assert isinstance(title, Texts) and title.texts == fresh.standards["GRT-001"].title.texts
    assert set(title.texts) == {"zh_CN", "en"}
    clauses = [c for s in cached.standards.values() for c in s.clauses]
    assert clauses and all(type(c) is str for c in clauses)


def _entry_json(repo: Path, shown: str) -> dict[str, Any]:
    entry = LoadCache(cache_folder(repo / "build")).entries[shown]
    return json.loads(Standard.model_validate(entry[4]).model_dump_json())


def _replace_model(repo: Path, shown: str, model: dict[str, Any]) -> None:
    # Rewrites the entry and signs the shard with qms's own key: only what pydantic-core
    # checks stands between such an entry and a model.
    found = [rewrite_entry(shard, shown, 3, model)
             for shard in cache_folder(repo / "build").glob("load-*.json")]
    assert any(found), f"no shard holds {shown}"


@pytest.mark.parametrize(("field", "value"), [
    ("title", ""),                               # an empty text
    ("title", {}),                               # a mapping of no language
    ("title", {"english": "Greet"}),             # not a language
    ("title", {"en": ""}),                       # an empty text in one language
    ("title", {"en": 7}),                        # not text
    ("clauses", [8.5]),                          # a number: only YAML's are made text
    ("measures", [{"id": "m", "metric": "x", "target": "about 95"}]),  # not a target
])
def test_a_cache_entry_pydantic_core_refuses_is_read_again(
        sample_repo: Path, monkeypatch: pytest.MonkeyPatch, field: str, value: Any) -> None:
    today = date.fromisoformat(TODAY)
    folder = cache_folder(sample_repo / "build")
    load_valid_cached(sample_repo, today, folder)
    model = _entry_json(sample_repo, STANDARD)
    _replace_model(sample_repo, STANDARD, {**model, field: value})
    assert STANDARD not in LoadCache(folder).entries  # the shard is not used
    read = counting_reads(monkeypatch)
    project = load_valid_cached(sample_repo, today, folder)
    assert STANDARD in read[0]
    assert project.standards["GRT-001"].title.texts["en"].startswith("Greet")


def test_a_valid_entry_signed_by_qms_is_taken_as_it_is(sample_repo: Path) -> None:
    # The control of the test above: the same rewriting with a valid text is used.
    today = date.fromisoformat(TODAY)
    folder = cache_folder(sample_repo / "build")
    load_valid_cached(sample_repo, today, folder)
    model = _entry_json(sample_repo, STANDARD)
    _replace_model(sample_repo, STANDARD, {**model, "title": {"en": "Planted", "zh_CN": "种"}})
    title = LoadCache(folder).entries[STANDARD][4].title
    assert isinstance(title, Texts) and title == "Planted" and title.texts["zh_CN"] == "种"


def test_a_cut_or_damaged_shard_is_no_cache(sample_repo: Path) -> None:
    # A shard is read by offsets (its header, version, MAC, then a line per kind): cut anywhere
    # or with a line broken, it gives no entries and no error.
    folder = cache_folder(sample_repo / "build")
    load_valid_cached(sample_repo, date.fromisoformat(TODAY), folder)
    shard = next(p for p in folder.glob("load-*.json") if STANDARD.encode() in p.read_bytes())
    whole = shard.read_bytes()
    lines = whole.split(b"\n")
    damaged = [whole[:cut] for cut in (0, 5, len(lines[0]) + 3, len(b"\n".join(lines[:2])),
                                       len(b"\n".join(lines[:3])) + 1, len(whole) - 2)]
    damaged += [whole.replace(b"\nstandard ", b"\nstandard"), whole.replace(b" ", b"", 1),
                whole + b"\n", whole.replace(b"\n", b"\r\n")]
    assert STANDARD in LoadCache(folder).entries
    for data in damaged:
        shard.write_bytes(data)
        assert STANDARD not in LoadCache(folder).entries, data[:80]
