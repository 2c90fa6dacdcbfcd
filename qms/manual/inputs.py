"""What a page depends on of each standard and audit, as named inputs with versions.

A page names its inputs (qms.manual.render.Page); a page whose inputs' versions are unchanged
is not rendered again. An item's whole file is one input (its id). A page that shows only some
fields of many standards depends on a named set of those fields instead ("<id>#listed"), so an
edit of another field leaves it alone: a statement edit re-renders the standard's own page, a
title edit only the pages that show titles.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Iterable
from typing import Any

from qms.format.models import Standard
from qms.format.project import Project
from qms.manual.derive import Derived

# What listing pages show of a standard (input "<id>#listed").
LISTED_FIELDS = ("title", "status", "type", "owner", "encounter", "gap", "dimensions",
                 "clauses", "plans")
# What pages that only count or sort standards per group depend on (input "<id>#grouped").
GROUPED_FIELDS = ("status", "owner", "encounter", "gap", "dimensions")
# What the clause map shows of a standard: its id under each clause, current ones only.
CLAUSE_FIELDS = ("status", "clauses")
FIELD_SETS = {"listed": LISTED_FIELDS, "grouped": GROUPED_FIELDS, "clauses": CLAUSE_FIELDS}
# What of a standard may decide which pages there are and what they show it with (pageplan): all
# but its texts (input "<id>#structure"). A title edit changes no page's inputs, only versions.
TEXT_FIELDS = {"title", "statement", "do", "dont"}
# ... nor its measures' sources and frequencies, which its own page alone shows (its file is
# among that page's inputs, and among its measures' pages')
NOT_STRUCTURE: dict[str, Any] = {**dict.fromkeys(TEXT_FIELDS, True),
                                 "measures": {"__all__": {"source", "frequency"}}}
# Inputs whose versions never decide a page's inputs (pageplan): a standard's listed fields (its
# other fields are in "#structure"), an audit's changed answers; and a standard's file, by id.
NOT_DECIDING = ("#listed", "#changed")


# (A list made first and then a tuple: a generator into tuple() costs a third more, and pages
# that list every standard make a quarter of a million of these per build at 5,000.)


def listed(standards: Iterable[Standard]) -> tuple[str, ...]:
    """The listed-fields inputs of some standards."""
    return tuple([f"{s.id}#listed" for s in standards])


def grouped(standards: Iterable[Standard]) -> tuple[str, ...]:
    """The grouped-fields inputs of some standards (pages that count them per group)."""
    return tuple([f"{s.id}#grouped" for s in standards])


def by_clause(standards: Iterable[Standard]) -> tuple[str, ...]:
    """The clause inputs of some standards (pages that show their ids per clause)."""
    return tuple([f"{s.id}#clauses" for s in standards])


def overridden(project: Project, template: str) -> bool:
    """Whether the repository has its own version of a page's template, which may show more of
    each standard than qms's own (it gets them whole)."""
    return (project.path("templates") / template).is_file()


def counting(project: Project, template: str) -> tuple[str, ...]:
    """The inputs of a page that counts standards per group: their grouped fields, or their
    listed fields where the repository's own template may show more."""
    if overridden(project, template):
        return listed(project.standards.values())
    return grouped(project.standards.values())


def changed_answers(audit_id: str) -> str:
    """The input of an audit's page that stands for which of its answers changed since (their
    question or its standard edited after the audit): never an id, ids have no '#'."""
    return f"{audit_id}#changed"


def field_versions(project: Project, derived: Derived,
                   kept: dict[str, tuple[Standard, dict[str, str]]] | None = None
                   ) -> dict[str, str]:
    """A version of each standard's field sets and of each audit's changed answers.

    `kept` (`qms serve`'s memory, qms.manual.buildmemory): each standard's versions by its id
    with the model they were made from; a standard whose model is that very object (its file
    unchanged, its model kept) is not hashed again, and `kept` is left holding this build's."""
    versions: dict[str, str] = {}
    getters = [(f"#{suffix}", operator.attrgetter(*fields))
               for suffix, fields in FIELD_SETS.items()]
    earlier = dict(kept or {})
    for s in project.standards.values():
        if (seen := earlier.get(s.id)) is not None and seen[0] is s:
            versions.update(seen[1])
            continue
        mine = {s.id + suffix: hashlib.sha1(repr(fields_of(s)).encode("utf-8")).hexdigest()
                for suffix, fields_of in getters}
        # every other field, as JSON: half the time of their repr (their measures are models)
        mine[s.id + "#structure"] = hashlib.sha1(
            s.model_dump_json(exclude=NOT_STRUCTURE).encode("utf-8")).hexdigest()
        versions.update(mine)
        if kept is not None:
            earlier[s.id] = (s, mine)
    if kept is not None:
        kept.clear()
        kept.update((s.id, earlier[s.id]) for s in project.standards.values())
    for audit_id, refs in derived.answers_by_audit.items():
        versions[changed_answers(audit_id)] = repr([r.answer.question for r in refs if r.changed])
    return versions
