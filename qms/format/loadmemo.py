"""What one load of a repository worked out, kept in memory for the next load by the same
process (`qms serve`, through the file cache it keeps: qms.manual.buildmemory).

The file cache keeps each unchanged file's model between loads; these keep what a load makes
of the files besides: each CSV table as read, while its file holds the same bytes (compared by
digest, and parsed from the very bytes digested, so no edit is missed however it is timed),
and the standards, checklists and audits their checks found free of errors, while everything
their check looks at is the same (the item the same object, or a checklist's questions and
their standards; whether each item it names exists; an audit's grades). Nothing here is read
from disk or written to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from qms.base.issues import Issue, Severity
from qms.base.yamlread import YamlProblem, read_bytes
from qms.format.project import Project
from qms.format.validate import validate_project

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


class CheckMemo:
    """The standards, checklists and audits the last load's checks found free of errors,
    each with what its check looked at."""

    def __init__(self) -> None:
        self._clear: dict[str, Hashable] = {}  # id -> what its check looked at
        self._grades: Any = None

    def errors(self, project: Project) -> Iterator[Issue]:
        """What validate_project finds without warnings (some warnings come all the same, the
        overdue CAPAs), the items found clear last time with the same inputs not checked."""
        looked_at = self._looked_at(project)
        same_grades = project.config.grades == self._grades
        skip = {item_id for item_id, inputs in looked_at.items()
                if self._clear.get(item_id) == inputs
                and (same_grades or item_id not in project.audits)}
        found = list(validate_project(project, warnings=False, skip=skip))
        yield from found
        wrong = {issue.path for issue in found if issue.severity is Severity.ERROR}
        sources = project.sources
        self._clear = {item_id: inputs for item_id, inputs in looked_at.items()
                       if item_id in sources and sources[item_id].path not in wrong}
        self._grades = project.config.grades

    @staticmethod
    def _looked_at(project: Project) -> dict[str, Hashable]:
        # Per item, what its check reads: the item itself (an unchanged file's model is the
        # object kept, which the tuples' comparison takes at once; another is compared field by
        # field) and whether each item it names exists. A checklist is seen
        # through its questions' ids and standards (a model shown in another language is a new
        # object on every load). The grades are compared once for every audit.
        standards, plans, invalid = project.standards, project.plans, project.invalid_ids
        looked_at: dict[str, Hashable] = {
            s.id: (s, tuple(p in plans or p in invalid for p in s.plans))
            for s in standards.values()}
        shapes: dict[str, Hashable] = {}
        for c in project.checklists.values():
            shapes[c.id] = (c.id, tuple((q.id, q.standard) for q in c.questions))
            looked_at[c.id] = (shapes[c.id], tuple(q.standard in standards
                                                   or q.standard in invalid
                                                   for q in c.questions))
        for a in project.audits.values():
            looked_at[a.id] = (a, shapes.get(a.checklist), tuple(
                f.standard in standards or f.standard in invalid for f in a.findings))
        return looked_at
