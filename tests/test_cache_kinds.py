"""The file cache validates only the kinds of file a command reads, and keeps the others."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qms.format.loadcache import LoadCache, cache_folder

from .conftest import counting_reads

Run = Callable[..., Any]


def test_a_command_validates_only_the_kinds_it_reads(sample_repo: Path, run: Run) -> None:
    assert run("due", "-C", str(sample_repo)).exit_code == 0  # caches standards, plans, audits
    folder = cache_folder(sample_repo / "build")
    everything = LoadCache(folder)
    assert {kind for kind, *_ in everything.entries.values()} == {"standard", "plan", "audit"}
    standards = LoadCache(folder, ("standard",))
    assert {kind for kind, *_ in standards.entries.values()} == {"standard"}
    assert {path for path, (kind, *_) in everything.entries.items()
            if kind == "standard"} == set(standards.entries)


def test_saving_keeps_the_kinds_not_read(sample_repo: Path, run: Run,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    read = counting_reads(monkeypatch)
    assert run("due", "-C", str(sample_repo)).exit_code == 0
    # qms kpi reads the standards only; an edited one makes it save the cache's shards again
    for standard in (sample_repo / "standards").rglob("*.yaml"):
        if "planning" not in standard.parts:
            standard.write_text(standard.read_text(encoding="utf-8") + "# edited\n",
                                encoding="utf-8")
    assert run("kpi", "-C", str(sample_repo)).exit_code == 0
    assert run("due", "-C", str(sample_repo)).exit_code == 0
    assert len(read) == 3
    assert read[2] == []  # the plans and audit records came from the cache kpi saved
