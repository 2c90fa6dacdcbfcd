"""What one load of a repository worked out, kept in memory for the next load by the same
process (`qms serve`, through the file cache it keeps: qms.manual.buildmemory).

The file cache keeps each unchanged file's model between loads; these keep what a load makes
of the files besides: each CSV table as read, while its file holds the same bytes (compared by
digest, and parsed from the very bytes digested, so no edit is missed however it is timed),
and the audits their check found free of errors, while everything that check looks at is the
same (the audit the same object, its checklist's questions and their standards, the grades
and whether each finding's standard is known). Nothing here is read from disk or written to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from qms.base.issues import Issue, Severity
from qms.base.yamlread import YamlProblem, read_bytes
from qms.format.project import Project
from qms.format.validate import check_audit

T = TypeVar("T")


class TableMemo:
    """The tables read by the last load, by file and reader, with their bytes' digests."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, Hashable], tuple[bytes, Any]] = {}
        self._used: set[tuple[str, Hashable]] = set()

    def read(self, path: Path, shown: str, reader: Hashable,
             parse: Callable[[bytes | None], T]) -> T:
        """parse(the file's bytes), or what it gave for the same bytes and reader last time
        (parse(None) reads the file itself where it cannot be read here: it says why)."""
        try:
            raw = read_bytes(path)
        except YamlProblem:
            return parse(None)
        digest = hashlib.blake2b(raw, digest_size=16).digest()
        key = (shown, reader)
        self._used.add(key)
        kept = self._kept.get(key)
        if kept is not None and kept[0] == digest:
            return kept[1]  # type: ignore[no-any-return]
        found = parse(raw)
        self._kept[key] = (digest, found)
        return found

    def forget_unused(self) -> None:
        """Drop the tables this load did not read (their files are gone or moved)."""
        self._kept = {key: value for key, value in self._kept.items() if key in self._used}
        self._used = set()


class AuditMemo:
    """The audits the last load found free of errors, each with what its check looked at."""

    def __init__(self) -> None:
        self._clear: dict[str, tuple[Any, Hashable, tuple[bool, ...]]] = {}
        self._grades: Any = None

    def errors(self, project: Project) -> Iterator[Issue]:
        """What validate.check_audit finds in each audit without warnings (it may yield some,
        the overdue CAPAs), skipping the audits found free of errors with the same inputs."""
        grades = project.config.grades
        same_grades = grades == self._grades
        clear: dict[str, tuple[Any, Hashable, tuple[bool, ...]]] = {}
        shapes: dict[str, Hashable] = {}
        for audit in project.audits.values():
            shape = shapes.get(audit.checklist)
            if shape is None:
                shape = shapes[audit.checklist] = _checklist_shape(project, audit.checklist)
            known = tuple(f.standard in project.standards or f.standard in project.invalid_ids
                          for f in audit.findings)
            kept = self._clear.get(audit.id)
            if (same_grades and kept is not None and kept[0] is audit and kept[1] == shape
                    and kept[2] == known):
                clear[audit.id] = kept
                continue
            found = list(check_audit(project, audit, project.sources[audit.id], warnings=False))
            yield from found
            if shape and all(i.severity is not Severity.ERROR for i in found):
                clear[audit.id] = (audit, shape, known)
        self._clear, self._grades = clear, grades


def _checklist_shape(project: Project, checklist_id: str) -> Hashable:
    # What an audit's check reads of its checklist: its questions' ids and standards (not
    # their texts; a model shown in another language is a new object on every load). ()
    # for a checklist that is missing: never remembered.
    checklist = project.checklists.get(checklist_id)
    if checklist is None:
        return ()
    return (checklist.id, tuple((q.id, q.standard) for q in checklist.questions))
