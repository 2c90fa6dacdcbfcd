"""A repository's templates run in Jinja2's sandbox: they print the manual, and nothing else.

A repository is untrusted input (CI builds pull requests): a template that reaches for Python
(`cycler.__init__.__globals__`), a file (`project.root`), pydantic's file readers or a file
outside the repository is a user error naming the template, and leaves no trace.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

OVERRIDE = "templates/manual/standard.html.j2"


def _override(repo: Path, block: str) -> Path:
    """Replace the statement block of the standard page with `block`."""
    path = repo / OVERRIDE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{% extends "qms/manual/standard.html.j2" %}\n{% block statement %}\n'
                    f"{block}\n{{% endblock %}}\n", encoding="utf-8")
    return path


def test_the_cycler_payload_runs_nothing_and_names_the_template(
        sample_repo: Path, tmp_path: Path, run: Callable[..., object]) -> None:
    marker = tmp_path / "pwned"
    _override(sample_repo, "{{ cycler.__init__.__globals__.os.system('touch "
              f"{marker}') }}}}")
    result = run("build", "-q", str(sample_repo))
    assert result.exit_code == 1, result.output
    assert not marker.exists()
    assert f"{OVERRIDE}:3: " in result.output
    assert "templates run sandboxed" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("payload", [
    "{{ project.root.joinpath('written-by-template').write_text('x') }}",
    "{{ project.path('standards').parent.joinpath('written-by-template').touch() }}",
    "{{ s.__class__.__mro__ }}",
    "{{ config.parse_file('/etc/hostname') }}",
    "{{ s.model_validate_json('{}') }}",
    "{{ Rst.__subclasses__() }}",
])
def test_templates_reach_no_file_class_or_pydantic_api(
        sample_repo: Path, run: Callable[..., object], payload: str) -> None:
    _override(sample_repo, payload)
    result = run("build", "-q", str(sample_repo))
    assert result.exit_code == 1, result.output
    assert f"{OVERRIDE}:3: " in result.output
    assert not (sample_repo / "written-by-template").exists()
    assert "Traceback" not in result.output


def test_a_runtime_fault_in_a_repository_template_is_a_user_error(
        sample_repo: Path, run: Callable[..., object]) -> None:
    _override(sample_repo, "fine\n{{ 1 // (s.do|length - s.do|length) }}")
    result = run("build", "-q", str(sample_repo))
    assert result.exit_code == 1, result.output
    assert f"{OVERRIDE}:4: " in result.output and "ZeroDivisionError" in result.output


def test_an_override_that_extends_itself_is_told_how_to_extend_qms_own(
        sample_repo: Path, run: Callable[..., object]) -> None:
    path = sample_repo / OVERRIDE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{% extends "manual/standard.html.j2" %}\n', encoding="utf-8")
    result = run("build", "-q", str(sample_repo))
    assert result.exit_code == 1, result.output
    assert "RecursionError" in result.output and "Traceback" not in result.output
    assert 'an override extends qms\'s own as "qms/manual/standard.html.j2"' in result.output


def test_what_a_template_is_given_still_works_in_the_sandbox(
        sample_repo: Path, run: Callable[..., object]) -> None:
    _override(sample_repo, "OWN {{ s.statement|paras }} {{ today }} "
              "{{ config.grade('major').label }} {{ link('home', 'index') }}\n\n"
              "{% set rows = [] %}{% do rows.append([cell(s.id, doc=docs.standard(s.id))]) %}"
              "{{ table(['Id'], rows) }}")
    result = run("build", "-q", str(sample_repo))
    assert result.exit_code == 0, result.output
    page = (sample_repo / "build/html/standards/TEL-001.html").read_text(encoding="utf-8")
    assert "OWN " in page and "2026-11-23" in page


def test_a_template_linked_to_a_file_outside_is_not_read(
        sample_repo: Path, tmp_path: Path, run: Callable[..., object]) -> None:
    outside = tmp_path / "secret.rst.j2"
    outside.write_text("TOP-SECRET-TEMPLATE-TEXT\n", encoding="utf-8")
    link = sample_repo / OVERRIDE
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside)
    result = run("build", "-q", str(sample_repo))
    assert result.exit_code == 1, result.output
    assert OVERRIDE in result.output
    assert "is a symbolic link to a place outside the repository" in result.output
    assert "TOP-SECRET" not in result.output
    built = [p for p in (sample_repo / "build").rglob("*") if p.is_file()]
    assert not any(b"TOP-SECRET" in p.read_bytes() for p in built)


def test_a_template_linked_inside_the_repository_is_used(
        sample_repo: Path, run: Callable[..., object]) -> None:
    real = sample_repo / "templates/shared/standard.html.j2"
    real.parent.mkdir(parents=True)
    real.write_text('{% extends "qms/manual/standard.html.j2" %}{% block statement %}'
                    "LINKED-INSIDE{% endblock %}", encoding="utf-8")
    (sample_repo / "templates/manual").mkdir(parents=True, exist_ok=True)
    (sample_repo / OVERRIDE).symlink_to(real)
    result = run("build", "-q", str(sample_repo))
    assert result.exit_code == 0, result.output
    page = (sample_repo / "build/html/standards/TEL-001.html").read_text(encoding="utf-8")
    assert "LINKED-INSIDE" in page
