"""The manual's editions: the quality department's (everything) and the staff's.

The staff edition publishes what staff work to (standards, planning items, encounter cards,
KPI results) and nothing of the audits: no audit record, answer, finding, CAPA, compliance
figure, auditor or commit author. It is made by leaving things out before pages are made,
never by hiding them in the output (a search index keeps hidden text): the project a staff
build renders has no audits and no checklists, its revision history names no author, and the
pages, template blocks and table columns that show audits are not made at all.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from qms.base.gitrepo import Revision

if TYPE_CHECKING:  # (pydantic: a build with nothing to do never imports it)
    from qms.format.project import Project

QUALITY = "quality"
STAFF = "staff"
EDITIONS = (QUALITY, STAFF)


def folder_name(edition: str) -> str:
    """The edition's folder under the build folder ('' for the quality edition: build/)."""
    return "" if edition == QUALITY else edition


def shows_audits(edition: str) -> bool:
    """Whether an edition shows audits, findings, CAPAs, compliance and who did what."""
    return edition == QUALITY


def staff_project(project: Project) -> Project:
    """The project as the staff edition sees it: no audits and no checklists."""
    kept = set(project.standards) | set(project.plans)
    return dataclasses.replace(
        project, audits={}, checklists={},
        sources={item: source for item, source in project.sources.items() if item in kept})


def without_authors(histories: dict[str, list[Revision]] | None
                    ) -> dict[str, list[Revision]] | None:
    """Every file's revisions with the author's name left out (the staff edition names no one)."""
    if histories is None:
        return None
    # One commit touches many files: each revision is copied once, not once per file.
    copies: dict[str, Revision] = {}

    def anonymous(revision: Revision) -> Revision:
        if (copy := copies.get(revision.hexsha)) is None:
            copy = copies[revision.hexsha] = dataclasses.replace(revision, author="")
        return copy

    return {path: [anonymous(r) for r in revisions] for path, revisions in histories.items()}
