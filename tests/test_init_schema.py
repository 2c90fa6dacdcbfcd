"""`qms init` makes a valid, committed repository; `qms schema` matches the models."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from qms.cli.main import cli
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
    assert audit["id"].startswith("AUD-")
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


def test_init_examples_are_honest(tmp_path: Path, run: Callable[..., object]) -> None:
    # No standard claims an approval nobody gave, and no finding dated today waits for a CAPA.
    target = tmp_path / "new-qms"
    run("init", str(target))
    standards = json.loads(run("list", "standards", "-C", str(target), "--format", "json").stdout)
    assert [(s["id"], s["status"]) for s in standards] == [("TEL-001", "draft")]
    findings = json.loads(run("list", "findings", "-C", str(target), "--format", "json").stdout)
    assert findings == []
    (audit,) = json.loads(run("list", "audits", "-C", str(target), "--closed",
                              "--format", "json").stdout)
    assert audit["findings"] == 0
    approved = run("approve", "TEL-001", "--by", "Head of Quality", "-C", str(target))
    assert approved.exit_code == 0, approved.output
    assert run("check", "--strict", str(target)).exit_code == 0


def _run_lines(job: dict) -> str:
    return "\n".join(str(step.get("run", "")) for step in job.get("steps", []))


def _uses(job: dict) -> list[str]:
    return [str(step.get("uses", "")).partition("@")[0] for step in job.get("steps", [])]


def test_init_writes_a_github_workflow(tmp_path: Path, run: Callable[..., object]) -> None:
    target = tmp_path / "new-qms"
    run("init", str(target))
    workflow = yaml.safe_load((target / ".github" / "workflows" / "qms.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true; GitHub reads it as "on"
    assert {"pull_request", "push", "schedule"} <= set(triggers)
    assert triggers["schedule"][0]["cron"].count(" ") == 4
    # copied verbatim: GitHub's own ${{ }} expressions survive qms init's placeholders
    assert workflow["env"]["QMS_PIP_SPEC"] == "${{ vars.QMS_PIP_SPEC }}"
    jobs = workflow["jobs"]
    by_command = {command: name for name, job in jobs.items()
                  for command in ("qms check", "qms due --fail", "qms build")
                  if command in _run_lines(job)}
    assert set(by_command) == {"qms check", "qms due --fail", "qms build"}
    assert "schedule" in jobs[by_command["qms due --fail"]]["if"]
    assert jobs[by_command["qms check"]]["if"] == "github.event_name != 'schedule'"
    build = jobs[by_command["qms build"]]
    assert "default_branch" in build["if"] and "push" in build["if"]
    assert "actions/upload-pages-artifact" in _uses(build)
    # both editions, whatever manual.audience says, in the one folder published
    assert "qms build --audience quality" in _run_lines(build)
    assert "qms build --audience staff" in _run_lines(build)
    assert [s["with"]["path"] for s in build["steps"] if "with" in s and "path" in s["with"]] == [
        "public"]
    (publish,) = [job for job in jobs.values() if "actions/deploy-pages" in _uses(job)]
    assert publish["permissions"] == {"pages": "write", "id-token": "write"}
    assert workflow["permissions"] == {"contents": "read"}
    for job in jobs.values():
        if _run_lines(job).count("qms "):
            assert 'pip install "${QMS_PIP_SPEC:?' in _run_lines(job)


def test_init_writes_a_gitlab_pipeline(tmp_path: Path, run: Callable[..., object]) -> None:
    target = tmp_path / "new-qms"
    run("init", str(target))
    text = (target / ".gitlab-ci.yml").read_text()
    pipeline = yaml.safe_load(text)
    assert "Pipeline schedules" in text  # says where the schedule is set
    assert pipeline["variables"]["QMS_PIP_SPEC"] == ""
    assert pipeline[".qms"]["before_script"][0].startswith('pip install "${QMS_PIP_SPEC:?')
    jobs = {name: job for name, job in pipeline.items()
            if isinstance(job, dict) and "script" in job}
    assert jobs.keys() == {"check", "due", "pages"}
    assert all(job["extends"] == ".qms" for job in jobs.values())
    assert jobs["check"]["script"] == ["qms check"]
    assert jobs["check"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE != "schedule"'}]
    assert jobs["due"]["script"] == ["qms due --fail"]
    assert jobs["due"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    pages = jobs["pages"]
    assert pages["script"][:2] == ["qms build --audience quality", "qms build --audience staff"]
    assert "cp -r build/staff/html public/staff" in pages["script"]
    assert pages["artifacts"] == {"paths": ["public"]}
    assert "$CI_DEFAULT_BRANCH" in pages["rules"][0]["if"]


def test_the_pre_commit_hook_runs_a_real_qms_command() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "qms-check"
    assert (hook["language"], hook["pass_filenames"], hook["always_run"]) == (
        "python", False, False)
    program, *arguments = shlex.split(hook["entry"])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert program in scripts  # `language: python` installs this project, so the script exists
    help_run = CliRunner().invoke(cli, [*arguments, "--help"])
    assert help_run.exit_code == 0 and "Usage:" in help_run.output
    assert "--strict" in help_run.output  # it is `qms check`'s help, not the group's
    files = re.compile(hook["files"])
    for path in ("standards/x/TEL-001.yaml", "audits/measurements/a.csv", "qms.yaml",
                 "audits/checklists/CL-1.yml"):
        assert files.search(path), path
    for path in ("README.md", "templates/page.rst", "schema/qms-standard.schema.json"):
        assert not files.search(path), path


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_publishing_steps_publish_both_editions(tmp_path: Path, run: Callable[..., object],
                                                     ci: str) -> None:
    # The steps as the CI file writes them, run in a new repository: a staff default edition
    # (manual.audience) must not leave the published folder empty.
    target = tmp_path / "new-qms"
    run("init", str(target))
    config = target / "qms.yaml"
    config.write_text(re.sub(r"(?m)^  audience: quality", "  audience: staff",
                             config.read_text("utf-8")), "utf-8")
    if ci == "github":
        workflow = yaml.safe_load((target / ".github/workflows/qms.yml").read_text())
        (build,) = [job for job in workflow["jobs"].values() if "qms build" in _run_lines(job)]
        steps = [step["run"] for step in build["steps"] if "run" in step
                 and not step["run"].startswith("pip install")]
    else:
        steps = yaml.safe_load((target / ".gitlab-ci.yml").read_text())["pages"]["script"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for step in steps:
        done = subprocess.run(step, shell=True, cwd=target, env=env, capture_output=True,
                              text=True)
        assert done.returncode == 0, (step, done.stderr)
    public = target / "public"
    assert (public / "index.html").is_file() and (public / "audits").is_dir()  # quality
    assert (public / "staff/index.html").is_file() and not (public / "staff/audits").exists()
