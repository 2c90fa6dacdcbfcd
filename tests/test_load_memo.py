"""What a load keeps for the next load of the same process (`qms serve`): a table is parsed
again exactly when its bytes change, and an audit is checked again whenever anything its check
looks at changed, so no edit is missed and no error goes unreported."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from qms.base.errors import QmsError
from qms.format import validate
from qms.format.loadcache import LoadCache, cache_folder, load_valid_cached

from .conftest import TODAY

KPI = "audits/measurements/kpi-2026.csv"
SQI = "audits/sqi/sqi-2026-01.csv"


@pytest.fixture(autouse=True)
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own per-user key, not the one in the real home folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv("QMS_CACHE_KEY", raising=False)


def load(repo: Path, cache: LoadCache | None = None) -> Any:
    folder = cache_folder(repo / "build")
    return load_valid_cached(repo, date.fromisoformat(TODAY), folder,
                             LoadCache(folder) if cache is None else cache)


def kept_cache(repo: Path) -> LoadCache:
    """The file cache a server keeps from one build to the next."""
    return LoadCache(cache_folder(repo / "build"))


def rewrite_keeping_size_and_times(path: Path, old: bytes, new: bytes) -> None:
    assert len(old) == len(new)
    before = path.stat()
    data = path.read_bytes()
    assert data.count(old) >= 1
    path.write_bytes(data.replace(old, new, 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


def test_an_unchanged_table_is_not_parsed_again(sample_repo: Path) -> None:
    cache = kept_cache(sample_repo)
    first = load(sample_repo, cache)
    second = load(sample_repo, cache)
    assert first.kpis and first.sqi and first.surveys
    assert all(a is b for a, b in zip(first.kpis, second.kpis, strict=True))
    assert all(a is b for a, b in zip(first.sqi, second.sqi, strict=True))
    assert all(a is b for a, b in zip(first.surveys, second.surveys, strict=True))


@pytest.mark.parametrize("table", [KPI, SQI])
def test_an_edited_table_is_read_as_it_is_now(sample_repo: Path, table: str) -> None:
    cache = kept_cache(sample_repo)
    load(sample_repo, cache)
    path = sample_repo / table
    # one digit of the first data row's value changed: same size, same modification time
    lines = path.read_bytes().split(b"\n")
    value = lines[1].split(b",")[3 if table == KPI else 2]
    changed = value[:-1] + (b"1" if value[-1:] != b"1" else b"2")
    rewrite_keeping_size_and_times(path, lines[1], lines[1].replace(value, changed, 1))
    after = load(sample_repo, cache)
    fresh = load(sample_repo)  # a new process: nothing kept
    rows = after.kpis if table == KPI else after.sqi
    assert rows == (fresh.kpis if table == KPI else fresh.sqi)
    first = [r for r in rows if r.path == table][0]
    assert (first.value if table == KPI else first.count) == float(changed)


def test_a_table_gone_is_gone_from_the_next_load(sample_repo: Path) -> None:
    cache = kept_cache(sample_repo)
    assert any(c.path == SQI for c in load(sample_repo, cache).sqi)
    (sample_repo / SQI).unlink()
    assert not any(c.path == SQI for c in load(sample_repo, cache).sqi)


def counting_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the standards, checklists and audits each load checks, in turn."""
    checked: list[str] = []
    for name in ("check_audit", "check_standards", "check_checklists"):
        real = getattr(validate, name)

        def counting(project: Any, *rest: Any, real: Any = real, name: str = name,
                     **options: Any) -> Any:
            if name == "check_audit":
                checked.append(rest[0].id)
                return real(project, *rest, **options)
            skip = options.get("skip", rest[-1] if rest else ())
            items = project.standards if name == "check_standards" else project.checklists
            checked.extend(i for i in items if i not in skip)
            return real(project, *rest, **options)

        monkeypatch.setattr(validate, name, counting)
    return checked


def test_items_unchanged_are_not_checked_again(sample_repo: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    cache = kept_cache(sample_repo)
    checked = counting_checks(monkeypatch)
    project = load(sample_repo, cache)
    assert sorted(checked) == sorted([*project.standards, *project.checklists,
                                      *project.audits])
    checked.clear()
    load(sample_repo, cache)
    # the sample's checklists are written in two languages: each load shows them anew, so
    # they are checked again; the standards in two languages too; its audits are not
    assert not set(checked) & set(project.audits)


def test_items_in_one_language_unchanged_are_not_checked_again(
        fixture_repo: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    repo = fixture_repo("manual-small")
    cache = kept_cache(repo)
    checked = counting_checks(monkeypatch)
    project = load(repo, cache)
    assert project.standards and project.checklists and project.audits
    checked.clear()
    load(repo, cache)
    assert checked == []
    standard = repo / "standards" / "desk" / "DSK-001.yaml"
    standard.write_bytes(standard.read_bytes().replace(b"Greet every visitor",
                                                       b"Welcome every visitor", 1))
    load(repo, cache)
    assert checked == ["DSK-001"]


def test_a_standard_whose_plan_is_gone_is_checked_again(sample_repo: Path) -> None:
    cache = kept_cache(sample_repo)
    load(sample_repo, cache)
    (sample_repo / "standards" / "planning" / "PLN-TAN-001.yaml").unlink()
    with pytest.raises(QmsError, match="PLN-TAN-001 does not exist"):
        load(sample_repo, cache)


def test_an_edited_audit_is_checked_again(sample_repo: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cache = kept_cache(sample_repo)
    load(sample_repo, cache)
    record = next(p for p in sorted((sample_repo / "audits" / "records").rglob("*.yaml"))
                  if b"\ncompleted:" in p.read_bytes() and b"result: conform" in p.read_bytes())
    checked = counting_checks(monkeypatch)
    # an answer turned into a nonconformity without a finding: an error only its check sees
    record.write_bytes(record.read_bytes().replace(b"result: conform", b"result: nonconform", 1))
    with pytest.raises(QmsError, match="missing-finding"):
        load(sample_repo, cache)
    assert checked  # (the cached load's check, before the full load that names the line)


def test_a_grade_changed_checks_every_audit_again(sample_repo: Path) -> None:
    cache = kept_cache(sample_repo)
    load(sample_repo, cache)
    config = sample_repo / "qms.yaml"
    # good practice now requires a CAPA, which the good-practice findings do not have: an
    # error only the audits' check finds, in audit records that did not change
    config.write_bytes(config.read_bytes().replace(
        b"Good practice}, capa: none}", b"Good practice}, capa: required}", 1))
    with pytest.raises(QmsError, match="capa-required"):
        load(sample_repo, cache)


def test_the_load_names_the_files_it_read_afresh(sample_repo: Path) -> None:
    # `qms serve` shows the pages of these items first: exactly the files whose bytes changed,
    # and none named where the load fell back to reading the repository in full.
    cache = kept_cache(sample_repo)
    first = load(sample_repo, cache)
    assert cache.reread == {source.path for source in first.sources.values()}  # (nothing kept)
    load(sample_repo, cache)
    assert cache.reread == set()
    standard = next(iter(sorted((sample_repo / "standards").rglob("*.yaml"))))
    shown = standard.relative_to(sample_repo).as_posix()
    standard.write_bytes(standard.read_bytes() + b"# edited\n")
    load(sample_repo, cache)
    assert cache.reread == {shown}
    load(sample_repo, cache)
    assert cache.reread == set()
    standard.write_bytes(standard.read_bytes() + b"owner: [\n")
    with pytest.raises(QmsError):
        load(sample_repo, cache)
    assert cache.reread is None
