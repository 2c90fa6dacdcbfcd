"""Following a finding: move its CAPA through the states of the format, keeping its rules.

The moves are a table (`FORWARD`, `VERIFY`); the rules of a state are validate's
`capa_rule_breaches`, so `qms capa` refuses exactly what `qms check` would report. `plan`
decides (pure, no I/O); `write` decides again on the record as it is on disk, under the
folder's lock, and edits it through the round-trip writer, so nothing else in the file
changes; `follow` does both for the command.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString

from qms.audits.records import read_record, text
from qms.base import gitrepo
from qms.base.errors import QmsError
from qms.base.yamledit import append_item, dump_round_trip, set_key, update_file
from qms.base.yamlread import YamlProblem, parse
from qms.format.config import Config, Grade
from qms.format.ids import require_id
from qms.format.load import YAML_SUFFIXES, files_under, open_config
from qms.format.models import CAPA_STATES, Audit, Capa, CapaEvent, Finding, Verification
from qms.format.schema import did_you_mean
from qms.format.validate import capa_rule_breaches

# state -> the states `--status` may move a CAPA to: forward only. `verified` is reached by
# an effective verification, never by --status; a closed CAPA does not change any more.
FORWARD: dict[str, tuple[str, ...]] = {
    "open": ("contained", "root-cause-found", "action-planned", "implemented"),
    "contained": ("root-cause-found", "action-planned", "implemented"),
    "root-cause-found": ("action-planned", "implemented"),
    "action-planned": ("implemented",),
    "implemented": (),
    "verified": ("closed",),
    "closed": (),
}
# verification result -> (the states it may be recorded in, the state it leads to).
VERIFY: dict[str, tuple[tuple[str, ...], str]] = {
    "effective": (("implemented",), "verified"),
    "not-effective": (("implemented", "verified"), "root-cause-found"),
}
TEXT_FIELDS = ("owner", "containment", "root_cause", "action")
CAPA_KEYS = ("owner", "due", "status", "containment", "root_cause", "action", "verification",
             "history")
FINDING_KEYS = ("id", "question", "standard", "grade", "statement", "evidence", "capa")
# A phrase of a rule breach (validate's wording) -> how to proceed.
HINTS = (
    ("verification", "record an effective verification first: "
                     "`qms capa {id} --verify effective --by NAME`"),
    ("root_cause", "give the root cause with --root-cause TEXT"),
    ("'action'", "give the planned action with --action TEXT"),
)


@dataclass(frozen=True)
class CapaRequest:
    """What `qms capa` was asked to change; None leaves a field as it is."""

    status: str | None = None
    owner: str | None = None
    due: date | None = None
    containment: str | None = None
    root_cause: str | None = None
    action: str | None = None
    verify: str | None = None
    by: str | None = None
    note: str | None = None

    def is_empty(self) -> bool:
        """Whether nothing at all was asked (the command then only shows the CAPA)."""
        return all(getattr(self, f.name) is None for f in fields(self))


@dataclass(frozen=True)
class FindingRecord:
    """A finding and the audit record file it lives in."""

    path: Path
    shown: str
    audit: Audit
    finding: Finding


@dataclass(frozen=True)
class CapaChange:
    """The CAPA before and after one `qms capa` command, and the dated event recording it."""

    finding_id: str
    before: Capa | None
    after: Capa
    event: CapaEvent | None  # None: nothing changed

    @property
    def summary(self) -> str:
        """What changed, in one line (also the history note and the commit message)."""
        return (self.event.note or "") if self.event else "nothing to change"


# ---------------------------------------------------------------- finding the record


def audit_id_of(finding_id: str) -> str:
    """The audit id inside a finding id (`<audit id>-F<n>`); a QmsError if it has none."""
    require_id(finding_id, "a finding", "qms findings")
    head, separator, number = finding_id.rpartition("-F")
    if not (separator and head and number.isdigit()):
        raise QmsError(f"{finding_id} is not a finding id; finding ids are <audit id>-F<n>, "
                       "e.g. AUD-20261015-NJR-7F3A-F2 (`qms findings` lists them)")
    return head


def _record_files(root: Path, folder: Path, audit_id: str) -> list[Path]:
    files = files_under(folder, YAML_SUFFIXES, root=root)
    named = [p for p in files if p.stem == audit_id]
    return named + [p for p in files if p.stem != audit_id]


def locate(root: Path, config: Config, finding_id: str) -> FindingRecord:
    """The record holding a finding: `<audit id>.yaml` first, then every record by its id."""
    audit_id = audit_id_of(finding_id)
    folder = root / config.paths.records
    for path in _record_files(root, folder, audit_id):
        shown = path.relative_to(root).as_posix()
        if path.stem != audit_id and f"{audit_id}" not in path.read_text("utf-8", "replace"):
            continue
        audit = read_record(path, shown)
        if audit.id != audit_id:
            continue
        finding = next((f for f in audit.findings if f.id == finding_id), None)
        if finding is None:
            known = [f.id for f in audit.findings]
            raise QmsError(f"{audit_id} has no finding {finding_id}"
                           f"{did_you_mean(finding_id, known)}; its findings: "
                           f"{', '.join(known) or 'none'}")
        return FindingRecord(path, shown, audit, finding)
    raise QmsError(f"no audit {audit_id} in {config.paths.records}, so no finding {finding_id} "
                   "(`qms findings` lists the findings)")


# ---------------------------------------------------------------- deciding


def _refuse(finding_id: str, what: str, how: str) -> QmsError:
    return QmsError(f"{finding_id}: {what}; {how}")


def _grade(config: Config, finding: Finding) -> Grade:
    grade = config.grade(finding.grade)
    if grade is None:
        raise _refuse(finding.id, f"the grade '{finding.grade}' is not in qms.yaml",
                      "fix the finding's grade first")
    if grade.capa == "none":
        raise _refuse(finding.id, f"a finding graded {grade.id} takes no CAPA "
                      f"(capa: none in qms.yaml)", "there is nothing to follow up")
    return grade


def _breaches(finding_id: str, capa: Capa, grade: str, target: str) -> QmsError | None:
    found = capa_rule_breaches(capa, grade)
    if not found:
        return None
    hints = [h.format(id=finding_id) for phrase, h in HINTS if any(phrase in b for b in found)]
    return _refuse(finding_id, f"the CAPA cannot be {target}: " + "; ".join(found),
                   "; ".join(dict.fromkeys(hints)) or "fix the CAPA first")


def _move(finding_id: str, capa: Capa, target: str, grade: str) -> Capa:
    if target == capa.status:
        return capa
    moved = capa.model_copy(update={"status": target})
    if target in FORWARD[capa.status]:
        return moved
    if CAPA_STATES.index(target) < CAPA_STATES.index(capa.status):
        allowed = ", ".join(FORWARD[capa.status]) or "verified (by an effective verification)"
        raise _refuse(finding_id, f"the CAPA cannot go back from {capa.status} to {target}",
                      f"a CAPA moves forward only (from {capa.status} to: {allowed}); a "
                      "not-effective verification (--verify not-effective) is the one way back")
    if target == "closed":
        raise _breaches(finding_id, moved, grade, target) or _refuse(
            finding_id, "the CAPA cannot be closed before it is verified",
            f"record an effective verification first: `qms capa {finding_id} --verify "
            "effective --by NAME`")
    raise _refuse(finding_id, "a CAPA becomes verified only by an effective verification",
                  f"record it: `qms capa {finding_id} --verify effective --by NAME`")


def _verify(finding_id: str, capa: Capa, result: str, by: str, on: date,
            note: str | None) -> Capa:
    states, target = VERIFY[result]
    if capa.status == "verified" and capa.status not in states:
        raise _refuse(finding_id, "the CAPA is verified already",
                      f"close it: `qms capa {finding_id} --status closed`")
    if capa.status not in states:
        raise _refuse(finding_id, f"a verification is recorded once the action is implemented, "
                      f"and the CAPA is {capa.status}",
                      f"move it on first: `qms capa {finding_id} --status implemented`")
    verification = Verification(by=by, on=on, result=result,  # type: ignore[arg-type]
                                note=note)
    return capa.model_copy(update={"verification": verification, "status": target})


def _steps(request: CapaRequest) -> list[str]:
    late = request.status in ("verified", "closed")
    steps = ["verify", "status"] if late else ["status", "verify"]
    return [s for s in steps if getattr(request, "verify" if s == "verify" else "status")]


def _describe(before: Capa | None, after: Capa, request: CapaRequest) -> str:
    parts = [] if before is not None else ["CAPA opened"]
    old = before or Capa()
    if after.status != old.status:
        parts.append(f"status {old.status} -> {after.status}")
    if request.verify:
        parts.append(f"verification {request.verify} by {request.by}")
    for name in (*TEXT_FIELDS, "due"):
        value, was = getattr(after, name), getattr(old, name)
        if value != was:
            shown = value.isoformat() if isinstance(value, date) else value
            short = name in ("owner", "due")
            parts.append(f"{name} {shown}" if short else
                         f"{name.replace('_', ' ')} {'changed' if was else 'given'}")
    if request.note:
        parts.append(request.note)
    return "; ".join(parts)


def plan(config: Config, finding: Finding, request: CapaRequest, when: datetime) -> CapaChange:
    """Decide the CAPA after a request, or refuse it with a QmsError naming the rule."""
    grade = _grade(config, finding)
    before = finding.capa
    if before is not None and before.status == "closed":
        raise _refuse(finding.id, "the CAPA is closed, and a closed CAPA does not change",
                      "if the problem came back, raise a new finding in a new audit")
    capa = before or Capa()
    updates = {n: getattr(request, n) for n in (*TEXT_FIELDS, "due")
               if getattr(request, n) is not None}
    capa = capa.model_copy(update=updates)
    for step in _steps(request):
        if step == "status":
            capa = _move(finding.id, capa, request.status or capa.status, grade.id)
        else:
            capa = _verify(finding.id, capa, request.verify or "", request.by or "",
                           when.date(), request.note)
    refusal = _breaches(finding.id, capa, grade.id, capa.status)
    if refusal is not None:
        raise refusal
    if before is not None and capa == before and not request.note:
        return CapaChange(finding.id, before, before, None)
    event = CapaEvent(on=when, status=capa.status, by=request.by,  # type: ignore[arg-type]
                      note=_describe(before, capa, request))
    after = capa.model_copy(update={"history": [*capa.history, event]})
    return CapaChange(finding.id, before, Capa.model_validate(after.model_dump()), event)


# ---------------------------------------------------------------- writing


def _folded(value: str) -> FoldedScalarString:
    """Long text as a folded block (`>`), wrapped near 72 columns like the sample records."""
    folded = FoldedScalarString(value + "\n")
    positions, column = [], 0
    for index, char in enumerate(value):
        column += 1
        if (char == " " and column > 64 and 0 < index < len(value) - 1
                and value[index - 1] != " " and value[index + 1] != " "):
            positions.append(index)
            column = 0
    folded.fold_pos = positions  # type: ignore[attr-defined]
    return folded


def _text_node(value: str, old: Any) -> Any:
    """A new text as it is best written: as a folded block where it is long, else plainly."""
    if "\n" not in value and (isinstance(old, FoldedScalarString) or len(value) > 100):
        folded = _folded(value)
        try:
            if parse(dump_round_trip({"v": folded})) == {"v": value + "\n"}:
                return folded
        except YamlProblem:
            pass
    return text(value)


def _node(name: str, value: Any, old: Any) -> Any:
    if isinstance(value, str):
        return _text_node(value, old)
    if isinstance(value, Verification):
        node = CommentedMap((k, text(v) if isinstance(v, str) else v)
                            for k, v in value.model_dump(exclude_none=True).items())
        node.fa.set_flow_style()
        return node
    if isinstance(value, CapaEvent):
        return CommentedMap((k, text(v) if isinstance(v, str) else v)
                            for k, v in value.model_dump(exclude_none=True).items())
    return value


def _capa_node(capa: Capa) -> CommentedMap:
    node = CommentedMap()
    for key in CAPA_KEYS[:-1]:
        value = getattr(capa, key)
        if value is not None:
            node[key] = _node(key, value, None)
    node["history"] = CommentedSeq(_node("history", e, None) for e in capa.history)
    return node


def _apply(doc: Any, change: CapaChange) -> None:
    finding = next(f for f in doc["findings"] if f.get("id") == change.finding_id)
    if change.before is None or not isinstance(finding.get("capa"), CommentedMap):
        set_key(finding, "capa", _capa_node(change.after), FINDING_KEYS)
        return
    node = finding["capa"]
    if node.fa.flow_style():  # `capa: {...}` on one line cannot take a history: unfold it
        node.fa.set_block_style()
    for key in CAPA_KEYS[:-1]:
        value = getattr(change.after, key)
        if value is not None and value != getattr(change.before, key):
            set_key(node, key, _node(key, value, node.get(key)), CAPA_KEYS)
    event = _node("history", change.event, None)
    if isinstance(node.get("history"), CommentedSeq) and node["history"]:
        append_item(node["history"], event)
    else:
        set_key(node, "history", CommentedSeq([event]), CAPA_KEYS)


def write(record: FindingRecord, config: Config, request: CapaRequest,
          when: datetime) -> CapaChange:
    """Decide the request on the CAPA as it is on disk now and write the change into its
    audit record (every other byte of the file stays); the change is returned."""
    decided: list[CapaChange] = []

    def change(doc: Any) -> None:
        # Read under the folder's lock that the edit holds: a command that changed the CAPA
        # since `locate` read it has finished, so the move is judged from the state it left.
        finding = next((f for f in read_record(record.path, record.shown).findings
                        if f.id == record.finding.id), None)
        if finding is None:
            raise QmsError(f"{record.finding.id} is no longer in {record.shown} (changed by "
                           "another command meanwhile); nothing was changed")
        decided.append(plan(config, finding, request, when))
        if decided[0].event is not None:
            _apply(doc, decided[0])

    update_file(record.path, change)
    return decided[0]


# ---------------------------------------------------------------- the command's one call


@dataclass(frozen=True)
class CapaOutcome:
    """What `follow` did: the record, the change, and the commit made (if any)."""

    record: FindingRecord
    change: CapaChange
    commit: str | None = None


def follow(repo: Path, finding_id: str, request: CapaRequest, when: datetime,
           commit: bool = False) -> CapaOutcome:
    """Apply a request to a finding's CAPA, write it, and commit the record if asked."""
    root, config = open_config(repo)
    if commit and gitrepo.repository_root(root) is None:
        raise QmsError(f"{root}: --commit needs a git repository; nothing was changed")
    record = locate(root, config, finding_id)
    if request.is_empty():
        return CapaOutcome(record, CapaChange(finding_id, record.finding.capa,
                                              record.finding.capa or Capa(), None))
    change = plan(config, record.finding, request, when)  # refuses early, before any lock
    if change.event is None:
        return CapaOutcome(record, change)
    change = write(record, config, request, when)
    if change.event is None:
        return CapaOutcome(record, change)
    sha = None
    if commit:
        sha = gitrepo.commit_paths(root, [record.path], f"capa {finding_id}: {change.summary}")
    return CapaOutcome(record, change, sha)
