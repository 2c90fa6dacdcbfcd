"""`qms init` makes a valid, committed repository; `qms schema` matches the models."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from qms.format.scaffold import editor_settings
from qms.format.schema import json_schemas

from .conftest import ROOT, git


def test_init_creates_a_valid_committed_repository(
    tmp_path: Path, run: Callable[..., object]
) -> None:
    target = tmp_path / "new-qms"
    result = run("init", str(target), "--organisation", "Harbour Hotel Group")
    assert result.exit_code == 0, result.output
    assert git(target, "status", "--porcelain") == ""
    assert git(target, "log", "--format=%s").strip() == (
        "Start the quality management system (qms init)")
    assert "organisation: \"Harbour Hotel Group\"" in (target / "qms.yaml").read_text()
    assert (target / ".gitignore").read_text().strip().endswith("build/")
    check = run("check", "--strict", str(target))
    assert check.exit_code == 0, check.stdout
    listing = run("list", "audits", "-C", str(target), "--format", "json")
    (audit,) = json.loads(listing.stdout)
    assert audit["findings"] == 1 and audit["id"].startswith("AUD-")
    for kind in ("config", "standard", "plan", "checklist", "audit"):
        assert (target / "schema" / f"qms-{kind}.schema.json").is_file()


def test_init_never_overwrites(tmp_path: Path, run: Callable[..., object]) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = run("init", str(tmp_path))
    assert result.exit_code == 1
    assert "already exists and is not empty; qms init never overwrites files" in result.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_two_inits_get_different_audit_ids(tmp_path: Path, run: Callable[..., object]) -> None:
    ids = []
    for name in ("a", "b"):
        run("init", str(tmp_path / name))
        ids.append(next((tmp_path / name / "audits" / "records").glob("*.yaml")).stem)
    assert ids[0] != ids[1]


def test_schema_prints_every_kind(run: Callable[..., object]) -> None:
    schemas = json.loads(run("schema").stdout)
    assert sorted(schemas) == ["audit", "checklist", "config", "plan", "standard"]
    standard = schemas["standard"]
    assert standard["additionalProperties"] is False
    assert set(standard["required"]) == {"id", "title", "status", "owner", "encounter", "type",
                                         "statement"}
    assert standard["properties"]["status"]["enum"] == ["draft", "approved", "retired"]


def test_the_sample_ships_current_schemas_and_editor_settings() -> None:
    for kind, schema in json_schemas().items():
        shipped = json.loads((ROOT / "schema" / f"qms-{kind}.schema.json").read_text())
        assert shipped == schema, f"run `qms schema -o schema` to refresh qms-{kind}"
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text())
    assert settings == editor_settings()
    for schema_path in settings["yaml.schemas"]:
        assert (ROOT / schema_path).is_file()


def test_schema_writes_files(tmp_path: Path, run: Callable[..., object]) -> None:
    result = run("schema", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert len(list((tmp_path / "out").glob("qms-*.schema.json"))) == 5
