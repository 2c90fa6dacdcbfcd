"""Audit records on disk: collision-free ids, and the one writer of audit record files.

Every change goes through yamledit: a new record with `atomic_write`, every later change with
`update_file` (round trip: comments, key order and quotes a person added stay as they were).
Each call is one atomic rewrite, so a crash leaves the record as it was before or after it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from qms.base.errors import QmsError
from qms.base.files import atomic_write
from qms.base.yamledit import append_item, dump_round_trip, set_key, update_file
from qms.base.yamlread import YamlProblem, load_file, parse
from qms.format.ids import new_audit_id
from qms.format.models import Audit
from qms.format.schema import validate_document

HEADER = "# Audit record written by `qms audit`; every answer is saved as it is given.\n"
# The order of an audit record's keys; new keys are inserted where this order puts them.
KEY_ORDER = ("id", "checklist", "checklist_fingerprint", "site", "auditors", "started",
             "imported_from", "completed", "answers", "findings", "reopened")
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"


def record_path(records_folder: Path, audit_id: str, when: datetime) -> Path:
    """Where a new audit record is written: one file per audit, in a folder per year."""
    return records_folder / f"{when:%Y}" / f"{audit_id}.yaml"


def text(value: str) -> Any:
    """A string as it must be written so that every YAML reader reads it back as that string.

    ruamel writes YAML 1.2, where `yes`, `no`, `on` or `14:40` are plain text; the C loader
    reads YAML 1.1, where they are a boolean or a number. Such strings are quoted; text over
    several lines is a literal block; anything that would not read back is double-quoted.
    """
    candidate: Any = value
    if "\n" in value:
        candidate = LiteralScalarString(value)
    elif _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _STR_TAG:
        candidate = SingleQuotedScalarString(value)
    if _reads_back(candidate, value):
        return candidate
    return DoubleQuotedScalarString(value)


def _reads_back(candidate: Any, value: str) -> bool:
    try:
        data = parse(dump_round_trip({"v": candidate}))
    except YamlProblem:
        return False
    return isinstance(data, dict) and data.get("v") == value


def _node(data: Any) -> Any:
    """Plain data as round-trip nodes, with every string made safe to read back."""
    if isinstance(data, Mapping):
        node = CommentedMap()
        for key, value in data.items():
            if value is not None:
                node[key] = _node(value)
        return node
    if isinstance(data, (list, tuple)):
        return CommentedSeq(_node(v) for v in data)
    if isinstance(data, (date, datetime)):
        return copy.copy(data)  # one object written twice would become a YAML alias
    return text(data) if isinstance(data, str) else data


def read_record(path: Path, shown: str | None = None) -> Audit:
    """Read and validate one audit record; its problems are raised as one QmsError."""
    shown = shown or str(path)
    data, issues = load_file(path, shown)
    model = None
    if not issues:
        model, issues = validate_document("audit", data, shown)
    if not isinstance(model, Audit):
        details = "\n".join(i.render() for i in issues)
        raise QmsError(f"the audit record cannot be read; fix it first:\n{details}")
    return model


def create_record(folder: Path, checklist: str, checklist_fingerprint: str, site: str,
                  auditors: Iterable[str], started: datetime,
                  imported_from: dict[str, str] | None = None) -> tuple[str, Path]:
    """Write a new audit record (atomically) and return its id and path; never overwrites."""
    for _ in range(20):
        audit_id = new_audit_id(site, started)
        path = record_path(folder, audit_id, started)
        if not path.exists():
            break
    else:  # pragma: no cover - 20 collisions in a row among 65,536 codes
        raise QmsError(f"{path.parent}: could not find a free audit id; try again")
    doc = _node({"id": audit_id, "checklist": checklist,
                 "checklist_fingerprint": checklist_fingerprint, "site": site,
                 "auditors": list(auditors), "started": started})
    if imported_from:
        doc["imported_from"] = _node(imported_from)
        doc["imported_from"].fa.set_flow_style()
    doc["auditors"].fa.set_flow_style()
    atomic_write(path, HEADER + dump_round_trip(doc))
    return audit_id, path


def _insert(doc: CommentedMap, key: str, value: Any) -> None:
    """Set a top-level key, inserting a new one where KEY_ORDER puts it (comments stay put)."""
    set_key(doc, key, value, KEY_ORDER)


def _sequence(doc: CommentedMap, key: str) -> CommentedSeq:
    """The list under a top-level key, created (in block style) when absent."""
    if doc.get(key) is None:
        _insert(doc, key, CommentedSeq())
    seq = doc[key]
    if not isinstance(seq, CommentedSeq):
        raise QmsError(f"'{key}' of the audit record is not a list; fix the file by hand")
    seq.fa.set_block_style()
    return seq


def _refuse_completed(doc: CommentedMap, what: str) -> None:
    if doc.get("completed") is not None:
        raise QmsError(f"{doc.get('id')} is completed; {what} only after "
                       f"`qms audit reopen {doc.get('id')} --reason ...`")


def _next_finding_number(doc: CommentedMap) -> int:
    prefix = f"{doc.get('id')}-F"
    numbers = [int(str(f.get("id", ""))[len(prefix):]) for f in doc.get("findings") or []
               if str(f.get("id", "")).startswith(prefix)
               and str(f.get("id", ""))[len(prefix):].isdigit()]
    return max(numbers, default=0) + 1


def _append_findings(doc: CommentedMap, findings: Iterable[Mapping[str, Any]]) -> list[str]:
    ids = []
    for finding in findings:
        finding_id = f"{doc.get('id')}-F{_next_finding_number(doc)}"
        append_item(_sequence(doc, "findings"), _node({"id": finding_id, **finding}))
        ids.append(finding_id)
    return ids


def save_answer(path: Path, answer: Mapping[str, Any],
                findings: Iterable[Mapping[str, Any]] = ()) -> list[str]:
    """Append (or replace) one answer and append its findings, in one atomic rewrite.

    A replaced answer keeps its place in the list; findings already raised are never removed.
    Returns the ids given to the new findings (`<audit id>-F<n>`).
    """
    return save_answers(path, [(answer, list(findings))])


def save_answers(path: Path,
                 items: Iterable[tuple[Mapping[str, Any], Iterable[Mapping[str, Any]]]]
                 ) -> list[str]:
    """Save several answers with their findings in one atomic rewrite (for imports)."""
    ids: list[str] = []

    def change(doc: CommentedMap) -> None:
        _refuse_completed(doc, "its answers change")
        for answer, findings in items:
            _put_answer(_sequence(doc, "answers"), _node(answer))
            ids.extend(_append_findings(doc, findings))

    update_file(path, change)
    return ids


def _put_answer(answers: CommentedSeq, node: CommentedMap) -> None:
    for index, existing in enumerate(answers):
        if isinstance(existing, Mapping) and existing.get("question") == node["question"]:
            answers[index] = node
            return
    append_item(answers, node)


def add_finding(path: Path, finding: Mapping[str, Any]) -> str:
    """Append one finding (numbered after the existing ones) and return its id."""
    ids: list[str] = []

    def change(doc: CommentedMap) -> None:
        _refuse_completed(doc, "findings are added")
        ids.extend(_append_findings(doc, [finding]))

    update_file(path, change)
    return ids[0]


def complete(path: Path, when: datetime) -> None:
    """Mark the record completed at `when`."""

    def change(doc: CommentedMap) -> None:
        _refuse_completed(doc, "it can be completed again")
        _insert(doc, "completed", when)

    update_file(path, change)


def reopen(path: Path, when: datetime, by: str | None, reason: str) -> None:
    """Reopen a completed record: drop `completed` and keep who reopened it, when and why.

    The former completion time stays in the file as a comment on the reopening entry.
    """

    def change(doc: CommentedMap) -> None:
        completed = doc.get("completed")
        if completed is None:
            raise QmsError(f"{doc.get('id')} is not completed; there is nothing to reopen")
        del doc["completed"]
        entry = _node({"on": when, "by": by, "reason": reason})
        # As the file wrote it: str() of ruamel's timestamp differs between its versions.
        written = dump_round_trip({"v": completed}).strip().removeprefix("v: ")
        entry.yaml_add_eol_comment(f"was completed {written}", "on")
        append_item(_sequence(doc, "reopened"), entry)

    update_file(path, change)
