"""Property-based tests: whatever a file holds, the loader reports documented issues only."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qms.base.issues import ISSUE_CODES, Issue
from qms.base.yamlread import YamlProblem, decode, load_file, parse
from qms.format.check import check
from qms.format.kinds import KINDS
from qms.format.schema import validate_document

from .conftest import FIXTURES

DOCUMENTED = set(ISSUE_CODES)
VALID_STANDARD = (FIXTURES / "minimal" / "standards" / "telephone" / "TEL-001.yaml").read_text()
VALID_AUDIT = next((FIXTURES / "minimal" / "audits" / "records").glob("*.yaml")).read_text()

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30) | st.dates()
)
structures = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


def _codes(issues: list[Issue]) -> set[str]:
    return {i.code for i in issues}


def _load_bytes(raw: bytes) -> tuple[Any, list[Issue]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.yaml"
        path.write_bytes(raw)
        return load_file(path, "file.yaml")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_give_documented_issues(raw: bytes) -> None:
    data, issues = _load_bytes(raw)
    assert _codes(issues) <= DOCUMENTED
    assert (data is None) or not issues
    for issue in issues:
        assert issue.path == "file.yaml" and issue.line >= 0 and issue.message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_parses_or_reports(text: str) -> None:
    try:
        parse(text)
    except YamlProblem as problem:
        assert problem.code in DOCUMENTED
        assert problem.line >= 0


@settings(max_examples=200, deadline=None)
@given(structures, st.sampled_from(sorted(KINDS)))
def test_arbitrary_structures_validate_to_documented_issues(value: Any, kind: str) -> None:
    text = yaml.safe_dump(value, allow_unicode=True)
    model, issues = validate_document(kind, parse(text), "file.yaml")
    assert (model is None) == bool(issues)
    assert _codes(issues) <= DOCUMENTED


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["title", "status", "gap", "dimensions", "do", "measures", "review",
                        "clauses", "id", "type", "plans", "approval"]), structures)
def test_one_field_replaced_by_anything(field: str, value: Any) -> None:
    data = yaml.safe_load(VALID_STANDARD)
    data[field] = value
    text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=False)
    model, issues = validate_document("standard", parse(text), "s.yaml")
    assert _codes(issues) <= DOCUMENTED
    if issues:
        assert all(1 <= i.line <= text.count("\n") + 1 for i in issues)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=len(VALID_AUDIT)), st.binary(min_size=1, max_size=8))
def test_corrupted_audit_bytes(position: int, garbage: bytes) -> None:
    raw = VALID_AUDIT.encode()
    raw = raw[:position] + garbage + raw[position:]
    try:
        data = parse(decode(raw))
    except YamlProblem as problem:
        assert problem.code in DOCUMENTED
        return
    if data is not None:
        _, issues = validate_document("audit", data, "a.yaml")
        assert _codes(issues) <= DOCUMENTED


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structures)
def test_whole_check_survives_a_garbage_file(value: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "qms.yaml").write_text("organisation: Fuzz Ltd.\n")
        (root / "standards").mkdir()
        (root / "standards" / "X.yaml").write_text(yaml.safe_dump(value, allow_unicode=True))
        result = check(root, date(2026, 11, 23))
        assert _codes(result.issues) <= DOCUMENTED


def test_billion_laughs_is_refused_quickly() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(20)
    )
    _, issues = _load_bytes(bomb.encode())
    assert [(i.code, i.line) for i in issues] == [("alias", 2)]


def test_deep_nesting_is_refused() -> None:
    _, issues = _load_bytes(b"x: " + b"[" * 100_000 + b"]" * 100_000)
    assert [(i.code, i.line) for i in issues] == [("too-deep", 1)]
