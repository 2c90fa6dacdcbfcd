"""The docs stay true: every command and issue code is documented; format examples validate."""

from __future__ import annotations

import re

import click
import pytest
import yaml

from qms.base.issues import ISSUE_CODES
from qms.base.yamlread import parse
from qms.cli.main import cli
from qms.format.schema import validate_document

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
FORMAT = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "qms") -> list[str]:
    """'qms check', 'qms list standards', ... for every command of the CLI."""
    paths = []
    context = click.Context(group)
    for name in sorted(group.list_commands(context)):
        command = group.get_command(context, name)
        assert command is not None, f"{prefix} {name} is listed but cannot be loaded"
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, path))
        else:
            paths.append(path)
    return paths


def test_every_command_is_listed() -> None:
    # The lazy root group lists names; each must load and the familiar ones must be there.
    assert {"qms check", "qms audit start", "qms list standards", "qms build"} <= set(
        command_paths(cli))


@pytest.mark.parametrize("command", command_paths(cli))
def test_every_command_is_documented_in_the_readme(command: str) -> None:
    assert re.search(rf"`{re.escape(command)}(`| )", README), f"document `{command}` in README.md"


@pytest.mark.parametrize("code", sorted(ISSUE_CODES))
def test_every_issue_code_is_documented(code: str) -> None:
    assert f"| `{code}` |" in README


def yaml_examples(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.S)


def kind_of(example: str) -> str | None:
    data = yaml.safe_load(example)
    if "organisation" in data:
        return "config"
    if "questions" in data:
        return "checklist"
    if "checklist" in data:
        return "audit"
    if "category" in data:
        return "plan"
    if "statement" in data:
        return "standard"
    return None  # a fragment of a larger file


def test_the_format_examples_are_valid() -> None:
    checked = []
    for example in yaml_examples(FORMAT):
        kind = kind_of(example)
        if kind is None:
            continue
        model, issues = validate_document(kind, parse(example), "docs/format.md")
        assert not issues, [i.render() for i in issues]
        checked.append(kind)
    assert sorted(set(checked)) == ["audit", "checklist", "config", "plan", "standard"]
