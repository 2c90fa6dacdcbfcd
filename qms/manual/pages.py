"""Which pages the manual has, where each one lives, and what its template is given.

Document names (paths under build/source, without .rst) are stable and collision-free: ids
always contain a hyphen, so the fixed pages beside them use names without one (index,
by_owner, findings...). Group pages (an encounter, an owner, a site) get an ASCII slug.
Navigation is bounded: the sidebar lists sections, fixed groupings and the encounters' cards (in
the customer's order, qms.yaml `manual.encounters`), never one entry per standard or audit, so
each page's sidebar costs the same at 50 standards as at 5,000.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any, TypeVar

from qms.format.encounters import Step, encounter_order
from qms.format.models import DIMENSIONS, PLAN_CATEGORIES, Standard
from qms.format.project import Project
from qms.manual.auditcharts import audit_chart_pages
from qms.manual.dashpages import HomeFigures
from qms.manual.derive import Derived
from qms.manual.edition import QUALITY, shows_audits
from qms.manual.gappages import GapFigures, gap_pages
from qms.manual.inputs import by_clause, changed_answers, counting, grouped, listed, overridden
from qms.manual.measurepages import Measurement, measure_pages, readings_input
from qms.manual.render import Page
from qms.manual.servicepages import ServiceFigures, service_pages
from qms.manual.standardresults import StandardResults

T = TypeVar("T")


def slugs(names: Iterable[str]) -> dict[str, str]:
    """A file-name slug for each name: ASCII words, or a short hash where that is empty or taken."""
    found: dict[str, str] = {}
    by_slug: dict[str, list[str]] = defaultdict(list)
    for name in sorted(set(names)):
        by_slug[re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")].append(name)
    for slug, named in by_slug.items():
        for name in named:
            digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
            unique = slug if slug and len(named) == 1 else f"{slug}-{digest}".strip("-")
            found[name] = unique
    return found


STANDARD_PAGES = "standards/"  # a standard's page, and the pages that group standards
AUDIT_PAGES = ("audits/", "checklists/")  # every page of an audit, a site or a checklist


class Docs:
    """The document name of every page, so templates and the plan agree on links."""

    def __init__(self, project: Project) -> None:
        standards = project.standards.values()
        self.encounter_slug = slugs(s.encounter for s in standards)
        self.owner_slug = slugs(s.owner for s in standards)
        self.site_slug = slugs(a.site for a in project.audits.values())

    @staticmethod
    def standard(item_id: str) -> str:
        """The page of a standard."""
        return f"{STANDARD_PAGES}{item_id}"

    @staticmethod
    def checklist(item_id: str) -> str:
        """The page of a checklist."""
        return f"checklists/{item_id}"

    @staticmethod
    def audit(item_id: str) -> str:
        """The page of an audit."""
        return f"audits/{item_id}"

    @staticmethod
    def plan_area(category: str) -> str:
        """The page of one of the seven planning areas."""
        return f"plans/{category}"

    def encounter(self, name: str) -> str:
        """The page of the standards of one encounter."""
        return f"standards/encounter/{self.encounter_slug[name]}"

    def owner(self, name: str) -> str:
        """The page of the standards of one owner."""
        return f"standards/owner/{self.owner_slug[name]}"

    @staticmethod
    def dimension(name: str) -> str:
        """The page of the standards of one SERVQUAL dimension."""
        return f"standards/dimension/{name}"

    @staticmethod
    def gap(gap: int | None) -> str:
        """The page of the standards that help close one gap."""
        return f"standards/gap/{gap if gap is not None else 'none'}"

    def site(self, name: str) -> str:
        """The page of one audited site."""
        return f"audits/site/{self.site_slug[name]}"

    @staticmethod
    def plan_anchor(plan_id: str) -> str:
        """The anchor of a planning item on its area page."""
        return plan_id.lower()

    @staticmethod
    def finding_anchor(finding_id: str) -> str:
        """The anchor of a finding on its audit page."""
        return finding_id.lower()


def place_versions(project: Project) -> dict[str, str]:
    """A version of each encounter's place in the customer's order (its card shows it: step 2
    of 8)."""
    return {_place(step.name): repr((step.journey, step.number, step.of))
            for step in encounter_steps(project)}


def encounter_steps(project: Project) -> list[Step]:
    """The encounters of the current standards, in the customer's order."""
    return encounter_order(project.config.manual,
                           {s.encounter for s in project.standards.values()
                            if s.status != "retired"})


def _place(encounter: str) -> str:
    # The input of a card that stands for its encounter's place (never an id: ids have no ':').
    return f"encounter:{encounter}"


def _answered(derived: Derived, standards: Iterable[Standard]) -> tuple[str, ...]:
    # The checklists and audits behind the compliance of some standards (one union of all their
    # sets: a call per standard cost most of planning a page of thousands).
    answered_in = derived.answered_in
    found = [sources for s in standards if (sources := answered_in.get(s.id))]
    return (*sorted(set().union(*[checklists for _, checklists in found])),
            *sorted(set().union(*[audits for audits, _ in found])))


def _grouped(items: Iterable[T], key: Callable[[T], Iterable[Any]]) -> dict[Any, list[T]]:
    groups: dict[Any, list[T]] = defaultdict(list)
    for item in items:
        for value in key(item):
            groups[value].append(item)
    return groups


def plan_pages(project: Project, derived: Derived, measurement: Measurement | None = None,
               service: ServiceFigures | None = None, edition: str = QUALITY,
               only: Collection[str] | None = None, docs: Docs | None = None) -> Iterator[Page]:
    """Every page of an edition of the manual, in a stable order (`only`: those of these
    document names, the others' inputs not worked out: pipeline's planning of an edit; `docs`:
    the project's page names, where the caller made them already).

    The staff edition has no checklist, audit, audit chart, gap or traceability page: they are
    not planned at all (not hidden), so nothing of them reaches its HTML or search index.
    """
    wanted: Callable[[str], bool] = only.__contains__ if only is not None else _every
    audits = shows_audits(edition)
    docs = docs or Docs(project)
    measurement = measurement or Measurement(project)
    service = service or service_figures(project)
    current = project.current_standards()
    retired = sorted((s for s in project.standards.values() if s.status == "retired"),
                     key=lambda s: s.id)
    checklists = tuple(sorted(project.checklists))
    if wanted("index"):
        home = HomeFigures(project, derived, measurement, service)
        # audit_figures: the quality department's edition shows compliance and CAPAs on the
        # home page; the staff edition leaves them out.
        yield Page("index", "manual/index.rst.j2",
                   {"current": current, "home": home, "audit_figures": audits},
                   (*counting(project, "manual/index.rst.j2"), *home.inputs()))
    # A standard's own page: of every standard, or of those `only` names (an edit's dozen)
    own = sorted(project.standards) if only is None else sorted(
        name.removeprefix(STANDARD_PAGES) for name in only
        if name.startswith(STANDARD_PAGES) and name.removeprefix(STANDARD_PAGES)
        in project.standards)
    yield from _standard_pages(project, derived, docs, current, retired, measurement, wanted,
                               own)
    yield from _plan_pages(project, wanted)
    if audits and (only is None or any(name.startswith(AUDIT_PAGES) for name in only)):
        yield from _checklist_and_audit_pages(project, derived, docs, wanted)
    # These make few pages, whose inputs cost little: all are planned, the wanted ones given
    others: list[Iterable[Page]] = [measure_pages(project, measurement, service, wanted),
                                    service_pages(project, service)]
    if audits:
        others += [audit_chart_pages(project, derived, docs),
                   gap_pages(project, GapFigures(project, measurement, service, docs), wanted)]
    yield from (page for pages in others for page in pages if wanted(page.docname))
    if not audits:
        return
    standards = project.standards.values()
    # The coverage page lists the standards no question audits (which ones: their status and
    # the checklists); the clause map shows only ids under each clause.
    for name, inputs_of in (
            ("index", lambda: ()), ("matrix", lambda: (*listed(current), *checklists)),
            ("coverage", lambda: (*grouped(standards), *checklists,
                                  *listed(derived.uncovered))),
            ("iso9001", lambda: by_clause(standards))):
        if not wanted(f"traceability/{name}"):
            continue
        template = f"manual/traceability_{name}.rst.j2"
        inputs = inputs_of()
        if inputs and overridden(project, template):
            inputs = (*listed(standards), *checklists)
        yield Page(f"traceability/{name}", template, {"current": current}, inputs)


def _every(_docname: str) -> bool:
    return True


def _checklist_and_audit_pages(project: Project, derived: Derived, docs: Docs,
                               wanted: Callable[[str], bool]) -> Iterator[Page]:
    checklists = tuple(sorted(project.checklists))
    if wanted("checklists/index"):
        yield Page("checklists/index", "manual/checklists.rst.j2", {
            "checklists": sorted(project.checklists.values(), key=lambda c: c.id)}, checklists)
    for checklist in project.checklists.values():
        if not wanted(docname := docs.checklist(checklist.id)):
            continue
        asked = [project.standards[q.standard] for q in checklist.questions
                 if q.standard in project.standards]
        yield Page(docname, "manual/checklist.html.j2",
                   {"checklist": checklist}, (checklist.id, *sorted(set(listed(asked)))))
    yield from _audit_pages(project, derived, docs, wanted)


def service_figures(project: Project) -> ServiceFigures:
    """The SQI and SERVQUAL figures of a build, with the survey waves' page names."""
    return ServiceFigures(project, slugs(w.id for w in project.surveys))


def _standard_pages(project: Project, derived: Derived, docs: Docs, current: list[Standard],
                    retired: list[Standard], measurement: Measurement,
                    wanted: Callable[[str], bool], own: list[str]) -> Iterator[Page]:
    encounters: dict[str, list[Standard]] = defaultdict(list)
    owners: dict[str, list[Standard]] = defaultdict(list)
    dimensions: dict[str, list[Standard]] = defaultdict(list)
    gaps: dict[int | None, list[Standard]] = defaultdict(list)
    for s in current:  # one pass for the four groupings (a quarter of planning an edit)
        encounters[s.encounter].append(s)
        owners[s.owner].append(s)
        gaps[s.gap].append(s)
        for dimension in s.dimensions:
            dimensions[dimension].append(s)
    gap_keys = [1, 2, 3, 4, None]
    steps = encounter_steps(project)
    by_journey: dict[str | None, list[Any]] = {}
    for step in steps:
        by_journey.setdefault(step.journey, []).append(
            (step.name, docs.encounter(step.name), encounters[step.name]))
    index = "manual/standards_index.rst.j2"
    if wanted("standards/index"):
        yield Page("standards/index", index, {
            "groups": [row for rows in by_journey.values() for row in rows],
            "journeys": list(by_journey.items())}, counting(project, index))
    for docname, template, counts in (
            ("standards/by_owner", "standards_by_owner",
             [(name, docs.owner(name), owners[name]) for name in sorted(owners)]),
            ("standards/by_dimension", "standards_by_dimension",
             [(name, docs.dimension(name), dimensions.get(name, [])) for name in DIMENSIONS]),
            ("standards/by_gap", "standards_by_gap",
             [(gap, docs.gap(gap), gaps.get(gap, [])) for gap in gap_keys])):
        name = f"manual/{template}.rst.j2"
        if wanted(docname):
            yield Page(docname, name, {"groups": counts}, counting(project, name))
    # Which standards are retired is in their grouped fields; only those are listed.
    archive = "manual/standards_archive.rst.j2"
    if wanted("standards/archive"):
        shown = project.standards.values() if overridden(project, archive) else retired
        yield Page("standards/archive", archive, {"standards": retired},
                   (*counting(project, archive), *listed(shown), *_answered(derived, retired)))
    for step in steps:
        if wanted(docs.encounter(step.name)):
            yield _encounter_card(docs, step, encounters[step.name])
    groups: list[tuple[str, str, Any, list[Standard]]] = [
        *((docs.owner(name), "owner", name, members) for name, members in sorted(owners.items())),
        *((docs.dimension(name), "dimension", name, dimensions.get(name, []))
          for name in DIMENSIONS),
        *((docs.gap(gap), "gap", gap, gaps.get(gap, [])) for gap in gap_keys)]
    for group_doc, kind, group, members in groups:
        if wanted(group_doc):
            yield _group_page(derived, group_doc, kind, group, members)
    for standard in (project.standards[standard_id] for standard_id in own):
        if wanted(docname := docs.standard(standard.id)):
            yield Page(docname, "manual/standard.html.j2",
                       {"s": standard, "results": StandardResults(measurement, standard)},
                       _standard_inputs(project, derived, standard))


def _plan_pages(project: Project, wanted: Callable[[str], bool]) -> Iterator[Page]:
    by_area = _grouped(project.plans.values(), lambda p: [p.category])
    if wanted("plans/index"):
        yield Page("plans/index", "manual/plans_index.rst.j2", {
            "areas": [(area, len(by_area.get(area, []))) for area in PLAN_CATEGORIES]},
            tuple(sorted(project.plans)))
    for area in PLAN_CATEGORIES:
        if not wanted(Docs.plan_area(area)):
            continue
        plans = sorted(by_area.get(area, []), key=lambda p: p.id)
        implementing = {s.id: s for plan in plans
                        for s in project.standards_by_plan.get(plan.id, [])}
        yield Page(Docs.plan_area(area), "manual/plan_area.rst.j2", {"area": area, "plans": plans},
                   (*(p.id for p in plans), *sorted(listed(implementing.values()))))


def _audit_pages(project: Project, derived: Derived, docs: Docs,
                 wanted: Callable[[str], bool]) -> Iterator[Page]:
    audits = sorted(project.audits.values(), key=lambda a: (a.started, a.id), reverse=True)
    sites: dict[str, list[Any]] = defaultdict(list)
    for audit in audits:
        sites[audit.site].append(audit)
    every_audit = tuple(sorted(project.audits))
    # These show audits, and of checklists and standards only their ids.
    if wanted("audits/index"):
        yield Page("audits/index", "manual/audits_index.rst.j2", {"audits": audits},
                   every_audit)
    if wanted("audits/findings"):
        yield Page("audits/findings", "manual/audits_findings.rst.j2", {}, every_audit)
    if wanted("audits/compliance"):
        standards = project.standards.values()
        yield Page("audits/compliance", "manual/audits_compliance.rst.j2", {},
                   (*listed(standards), *_answered(derived, standards)))
    if wanted("audits/sites"):
        yield Page("audits/sites", "manual/audits_sites.rst.j2", {"sites": sorted(sites)},
                   every_audit)
    for site, members in sorted(sites.items()):
        if wanted(docs.site(site)):
            yield Page(docs.site(site), "manual/audits_site.rst.j2",
                       {"site": site, "audits": members}, tuple(sorted(a.id for a in members)))
    # An audit's page shows of the standards it checked their ids, and which answers changed
    # since (a question or its standard edited after the audit): that, not their files.
    own = overridden(project, "manual/audit.html.j2")
    for audit in audits:
        if not wanted(docs.audit(audit.id)):
            continue
        checklist = project.checklists.get(audit.checklist)
        checked = sorted({q.standard for q in checklist.questions}) if checklist and own else []
        yield Page(docs.audit(audit.id), "manual/audit.html.j2", {"audit": audit},
                   (audit.id, audit.checklist, changed_answers(audit.id), *checked))


def _group_page(derived: Derived, docname: str, kind: str, name: Any,
                members: list[Standard]) -> Page:
    # A group lists its members with their compliance.
    return Page(docname, "manual/standards_group.rst.j2",
                {"kind": kind, "name": name, "standards": members},
                (*listed(members), *_answered(derived, members)))


def _encounter_card(docs: Docs, step: Step, members: list[Standard]) -> Page:
    # A card shows each member's statement and do and don't: it depends on their whole files.
    return Page(docs.encounter(step.name), "manual/encounter_card.rst.j2",
                {"kind": "encounter", "name": step.name, "step": step, "standards": members},
                (*(s.id for s in members), _place(step.name)))


def _standard_inputs(project: Project, derived: Derived, standard: Standard) -> tuple[str, ...]:
    # Its own file, the plans it implements, the checklists that audit it and the audits
    # that answered those questions or raised findings against it.
    answered = derived.answered_in.get(standard.id)
    audits = set(answered[0]) if answered else set()
    if findings := project.findings_by_standard.get(standard.id):
        audits.update([ref.audit.id for ref in findings])
    questions = project.questions_by_standard.get(standard.id)
    checklists = sorted({ref.checklist.id for ref in questions}) if questions else []
    # Whether each measure has readings decides whether its row links to the measure's page.
    measured = [readings_input((standard.id, m.id)) for m in standard.measures]
    return (standard.id, *standard.plans, *checklists, *sorted(audits), *measured)
