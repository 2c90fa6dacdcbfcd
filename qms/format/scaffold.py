"""`qms init`: a new, valid QMS repository with one example of each kind, committed to git."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from string import Template

from qms.base.errors import QmsError
from qms.base.gitrepo import init_repository
from qms.format.ids import new_audit_id
from qms.format.schedule import add_days
from qms.format.schema import write_json_schemas

SCHEMA_FOLDER = "schema"
DOT_PREFIX = "dot-"
# CI files use $ for their own variables: they are copied as they are, without $placeholders.
VERBATIM = frozenset({"qms.yml", ".gitlab-ci.yml"})

# Which schema checks which files, for yaml-language-server (VS Code's YAML extension).
SCHEMA_GLOBS = {
    "config": ["qms.yaml"],
    "standard": ["standards/**/*.yaml", "!standards/planning/**/*.yaml"],
    "plan": ["standards/planning/**/*.yaml"],
    "checklist": ["audits/checklists/*.yaml"],
    "audit": ["audits/records/**/*.yaml"],
}


def editor_settings() -> dict[str, object]:
    """The .vscode/settings.json that wires the JSON Schemas to the repository's files."""
    schemas = {
        f"./{SCHEMA_FOLDER}/qms-{kind}.schema.json": globs for kind, globs in SCHEMA_GLOBS.items()
    }
    return {"yaml.schemas": schemas, "yaml.validate": True, "yaml.completion": True}


def write_editor_support(root: Path) -> None:
    """Write the JSON Schemas and the editor settings that use them."""
    write_json_schemas(root / SCHEMA_FOLDER)
    settings = root / ".vscode" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps(editor_settings(), indent=2) + "\n", encoding="utf-8")


def create(path: Path, organisation: str, today: date | None = None) -> Path:
    """Create the repository at path (which must be new or empty) and make its first commit."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise QmsError(
            f"{path}: already exists and is not empty; qms init never overwrites "
            "files: choose a new folder"
        )
    today = today or date.today()
    now = datetime.now(UTC)
    values = {
        "organisation": json.dumps(organisation, ensure_ascii=False),
        "today": today.isoformat(),
        "due": add_days(today, 60).isoformat(),
        "audit_id": new_audit_id("Customer Service Centre", now),
    }
    path.mkdir(parents=True, exist_ok=True)
    template_root = resources.files("qms") / "data" / "init"
    _copy_tree(template_root, path, values)
    write_editor_support(path)
    init_repository(path, "Start the quality management system (qms init)")
    return path.resolve()


def _copy_tree(source: object, target: Path, values: dict[str, str]) -> None:
    for entry in source.iterdir():  # type: ignore[attr-defined]
        name = entry.name.replace("__AUDIT__", values["audit_id"])
        # Package data leaves out hidden files, so the templates spell a leading dot "dot-".
        name = "." + name.removeprefix(DOT_PREFIX) if name.startswith(DOT_PREFIX) else name
        if entry.is_dir():
            (target / name).mkdir(exist_ok=True)
            _copy_tree(entry, target / name, values)
            continue
        text = entry.read_text(encoding="utf-8")
        if name not in VERBATIM:
            text = Template(text).substitute(values)
        (target / name).write_text(text, encoding="utf-8")
