"""Running an audit as library calls: start, answer, complete and reopen one audit record.

The terminal session (audit_session.py) and the offline imports (sheets.py) both end here, so
an answer is recorded the same way whichever way it came in. Files are written by records.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from qms.audits import records
from qms.base.errors import QmsError
from qms.base.files import folder_lock
from qms.base.issues import Issue, Severity
from qms.base.links import is_inside, link_outside_message
from qms.base.today import resolve_today
from qms.base.yamlread import load_file
from qms.format.config import Grade
from qms.format.fingerprint import checklist_fingerprint, question_fingerprint
from qms.format.ids import require_id
from qms.format.languages import localised
from qms.format.load import (
    CONFIG_FILE,
    YAML_SUFFIXES,
    files_under,
    find_root,
    load_project,
    stop_on_errors,
)
from qms.format.models import Audit, Checklist, Question, Standard
from qms.format.project import Project, Source
from qms.format.schedule import add_days
from qms.format.schema import did_you_mean
from qms.format.validate import check_audit

RESULTS = ("conform", "nonconform", "not-applicable")
CAPA_DAYS = 30  # a new CAPA is due this many days after the audit unless the auditor says


@dataclass(frozen=True)
class FindingInput:
    """A finding as the auditor gives it (its id, question and standard are added on saving)."""

    grade: str
    statement: str
    evidence: str | None = None
    owner: str | None = None
    due: date | None = None
    capa: bool = False


@dataclass(frozen=True)
class Entry:
    """One answer as the auditor gives it, with the findings it raises."""

    question: str
    result: str
    note: str | None = None
    findings: tuple[FindingInput, ...] = ()


@dataclass
class AuditContext:
    """One audit record being worked on, with the project and checklist it belongs to."""

    project: Project
    checklist: Checklist
    audit: Audit
    path: Path
    written: bool = False

    @property
    def shown(self) -> str:
        """The record's path relative to the repository root."""
        return self.path.relative_to(self.project.root).as_posix()

    def standard(self, question: Question) -> Standard | None:
        """The standard a question checks."""
        return self.project.standards.get(question.standard)

    def answered(self) -> dict[str, str]:
        """The questions answered so far, with their results."""
        return {a.question: a.result for a in self.audit.answers}

    def unanswered(self) -> list[Question]:
        """The checklist's questions without an answer, in checklist order."""
        done = self.answered()
        return [q for q in self.checklist.questions if q.id not in done]

    def position(self, question_id: str) -> int:
        """The question's number in the checklist (1-based)."""
        ids = [q.id for q in self.checklist.questions]
        return ids.index(question_id) + 1

    def reload(self) -> None:
        """Read the record again after a write."""
        self.audit = records.read_record(self.path, self.shown)


def now(today: date | None = None) -> datetime:
    """The current local time to the second, on the pinned day when --today/QMS_TODAY is set."""
    moment = datetime.now().astimezone().replace(microsecond=0)
    day = today or resolve_today()
    return moment.replace(year=day.year, month=day.month, day=day.day)


def open_project(repo: Path, today: date, language: str | None = None) -> Project:
    """Load the repository for an audit command, its texts in the auditor's language (None:
    manual.language); only qms.yaml errors stop it here."""
    project, issues = load_project(find_root(repo), today)
    stop_on_errors([i for i in issues if i.path == CONFIG_FILE], CONFIG_FILE)
    return localised(project, language)


def find_checklist(project: Project, checklist_id: str) -> Checklist:
    """The checklist with this id, whose questions all check existing standards."""
    checklist = project.checklists.get(require_id(checklist_id, "a checklist",
                                                  "qms list checklists"))
    if checklist is None:
        hint = did_you_mean(checklist_id, list(project.checklists))
        known = ", ".join(sorted(project.checklists)) or "none"
        raise QmsError(f"no checklist has the id {checklist_id}{hint}; the checklists are: {known}")
    missing = [f"{q.id} ({q.standard})" for q in checklist.questions
               if q.standard not in project.standards]
    if missing:
        raise QmsError(f"{checklist_id} checks standards that do not exist or do not load: "
                       f"{', '.join(missing)}; run `qms check` and fix them first")
    return checklist


def start(project: Project, checklist_id: str, site: str, auditors: Iterable[str],
          when: datetime, fingerprint: str | None = None,
          imported_from: dict[str, str] | None = None, again: bool = False) -> AuditContext:
    """Create a new audit record for a checklist at a site; nothing is answered yet.

    `fingerprint` is the checklist's fingerprint as the auditor saw it (default: now);
    `imported_from` names the answer file ({"file", "sha256"}) the answers will come from,
    refused if a record on disk was already imported from it, unless `again`.
    """
    checklist = find_checklist(project, checklist_id)
    names = [a.strip() for a in auditors if a.strip()]
    if not site.strip() or not names:
        raise QmsError("an audit needs a site (--site) and at least one auditor (--auditor)")
    year_folder = records.record_path(project.path("records"), "new", when).parent
    if not is_inside(year_folder, project.root):
        shown = year_folder.relative_to(project.root).as_posix()
        raise QmsError(f"{shown} (where the record would be written) "
                       f"{link_outside_message(year_folder, writing=True)}")
    folder = project.path("records")
    folder.mkdir(parents=True, exist_ok=True)
    # Checking that the file was not imported and writing the record that says it now is are
    # one step under the records folder's lock: two imports of one file at once would
    # otherwise both pass the check (each against the records it loaded) and both write.
    with folder_lock(folder):
        if imported_from and not again:
            _refuse_reimport(imported_from, _records_written_since_load(project))
        _, path = records.create_record(folder, checklist.id,
                                        fingerprint or checklist_fingerprint(checklist),
                                        site.strip(), names, when, imported_from)
    return AuditContext(project, checklist, records.read_record(path), path, written=True)


def import_source(project: Project, path: Path, again: bool) -> dict[str, str]:
    """How the audit record names the answer file it is imported from ({"file", "sha256"}).

    A file whose exact bytes an existing audit was already imported from is refused unless
    `again` says it is another audit.
    """
    source = {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    if not again:
        _refuse_reimport(source, project.audits.values())
    return source


def _refuse_reimport(source: dict[str, str], audits: Iterable[Audit]) -> None:
    for audit in audits:
        if audit.imported_from and audit.imported_from.sha256 == source["sha256"]:
            raise QmsError(
                f"{source['file']} was already imported as {audit.id} ({audit.site}, "
                f"{audit.started.date().isoformat()}); importing it again would record the same "
                "visit twice. If it really is another audit, pass --again")


def _records_written_since_load(project: Project) -> Iterator[Audit]:
    """The audit records on disk that the project did not load (another command wrote them)."""
    loaded = {source.path for source in project.sources.values()}
    for path in files_under(project.path("records"), YAML_SUFFIXES, root=project.root):
        shown = path.relative_to(project.root).as_posix()
        if shown in loaded:
            continue
        try:
            yield records.read_record(path, shown)
        except QmsError:  # a record that does not read names no source; `qms check` reports it
            continue


def open_audit(project: Project, audit_id: str) -> AuditContext:
    """The audit record with this id, ready to be answered, completed or reopened.

    The id is only looked up, never made into a path: `../x` or `*` is no id at all.
    """
    require_id(audit_id, "an audit", "qms list audits")
    source = project.sources.get(audit_id)
    audit = project.audits.get(audit_id)
    if audit is None or source is None:
        path = _record_file(project, audit_id)
        if path is None:
            hint = did_you_mean(audit_id, list(project.audits))
            raise QmsError(f"no audit has the id {audit_id}{hint}; `qms list audits` lists them")
        # A record that does not validate is not in the project: read it for its errors.
        audit = records.read_record(path, path.relative_to(project.root).as_posix())
    else:
        path = project.root / source.path
    return AuditContext(project, find_checklist(project, audit.checklist), audit, path)


def _record_file(project: Project, audit_id: str) -> Path | None:
    # Files are compared by name with the id; the id never becomes part of a path.
    files = files_under(project.path("records"), YAML_SUFFIXES, root=project.root)
    named = [path for path in files if path.stem == audit_id]
    return named[0] if named else None


def questions_named(context: AuditContext, ids: Iterable[str]) -> list[Question]:
    """The checklist's questions with these ids, in the order given; unknown ids are an error."""
    by_id = {q.id: q for q in context.checklist.questions}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise QmsError(f"{', '.join(unknown)}: not a question of {context.checklist.id}; its "
                       f"questions are {', '.join(by_id)}")
    return [by_id[i] for i in dict.fromkeys(ids)]


def grades_for(project: Project, result: str) -> list[Grade]:
    """The grades a finding on an answer with this result may take.

    A nonconformity takes any grade; a conform or not-applicable answer may raise only
    findings whose grade needs no CAPA (an observation, good practice ...).
    """
    grades = project.config.grades
    return list(grades) if result == "nonconform" else [g for g in grades if g.capa != "required"]


def default_due(project: Project) -> date:
    """The due date a new CAPA gets unless the auditor gives one."""
    return add_days(project.today, CAPA_DAYS)


def _finding_data(context: AuditContext, question: Question, finding: FindingInput) -> dict:
    grade = context.project.config.grade(finding.grade)
    data: dict = {"question": question.id, "standard": question.standard,
                  "grade": finding.grade, "statement": finding.statement,
                  "evidence": finding.evidence}
    if grade is not None and (grade.capa == "required" or (grade.capa == "optional"
                                                             and finding.capa)):
        data["capa"] = {"owner": finding.owner,
                        "due": finding.due or default_due(context.project), "status": "open"}
    return data


def record(context: AuditContext, entry: Entry, fingerprint: str | None = None) -> list[str]:
    """Save one answer and its findings in one atomic write; return the new finding ids."""
    return record_all(context, [entry], {entry.question: fingerprint} if fingerprint else None)


def record_all(context: AuditContext, entries: Iterable[Entry],
               fingerprints: dict[str, str] | None = None) -> list[str]:
    """Save answers with their findings in one atomic write; return the new finding ids.

    `fingerprints` gives the fingerprint of each question as the auditor saw it (an offline
    sheet written earlier); by default it is the question's fingerprint now.
    """
    when = now(context.project.today)
    items = []
    for entry in entries:
        question = _question(context, entry)
        shown_as = (fingerprints or {}).get(question.id) or question_fingerprint(
            question, context.standard(question))
        answer = {"question": question.id, "result": entry.result,
                  "note": entry.note or None, "fingerprint": shown_as, "answered": when}
        items.append((answer, [_finding_data(context, question, f) for f in entry.findings]))
    ids = records.save_answers(context.path, items)
    context.written = True
    context.reload()
    return ids


def _question(context: AuditContext, entry: Entry) -> Question:
    question = next((q for q in context.checklist.questions if q.id == entry.question), None)
    if question is None:
        raise QmsError(f"{entry.question} is not a question of {context.checklist.id}")
    if entry.result not in RESULTS:
        raise QmsError(f"{entry.result!r} is not conform, nonconform or not-applicable")
    return question


def audit_errors(context: AuditContext) -> list[Issue]:
    """The errors `qms check` reports on this audit record as it is on disk now."""
    data, issues = load_file(context.path, context.shown)
    if issues:
        return issues
    source = Source(context.shown, data)
    return [i for i in check_audit(context.project, context.audit, source)
            if i.severity is Severity.ERROR]


def complete(context: AuditContext, when: datetime) -> None:
    """Mark the audit completed; refused while questions are unanswered (they are named)."""
    audit = context.audit
    if audit.completed is not None:
        raise QmsError(f"{audit.id} was completed on {audit.completed.isoformat()}")
    missing = [q.id for q in context.unanswered()]
    if missing:
        raise QmsError(f"{audit.id} cannot be completed: {len(missing)} question(s) are "
                       f"unanswered: {', '.join(missing)}; answer them with "
                       f"`qms audit resume {audit.id}`")
    errors = audit_errors(context)
    if errors:
        raise QmsError(f"{audit.id} cannot be completed until these are fixed:\n"
                       + "\n".join(i.render() for i in errors))
    records.complete(context.path, max(when, audit.started))
    context.written = True
    context.reload()


def reopen(context: AuditContext, when: datetime, by: str | None, reason: str) -> None:
    """Reopen a completed audit so its answers can change; the reason is kept in the record."""
    if not reason.strip():
        raise QmsError("say why the audit is reopened: --reason TEXT")
    records.reopen(context.path, when, by, reason.strip())
    context.written = True
    context.reload()
