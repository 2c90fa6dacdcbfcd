"""The five gaps of the manual: one page per gap with what `qms gaps` shows, and the gaps index
with a diagram of the model carrying each gap's current figure (gapdiagram.py).

The figures are the measurement library's (`provider_gap`, `customer_gap`, `table_rows` of
qms/measurement/gaps.py), with the off-target KPIs judged on the build's one `kpi_rows` (the
same query `five_gaps` makes). A provider gap's page depends on the standards' listed fields,
the planning items, the audits and checklists, and the readings of its own standards' measures
with every target; the customer gap's on the survey waves.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from qms.format.models import Standard
from qms.format.project import Project
from qms.manual.inputs import counting, listed
from qms.manual.measurepages import MEASURE_TARGETS, Measurement, measure_doc, readings_input
from qms.manual.render import Page, Table, cell, make_table
from qms.manual.servicepages import ServiceFigures
from qms.measurement.gaps import NAMES, GapQuery, customer_gap, provider_gap, table_rows
from qms.measurement.kpi import Row, figure, off_target_now

if TYPE_CHECKING:  # pages imports this module
    from qms.manual.gapdiagram import GapMark
    from qms.manual.pages import Docs

GAPS_INDEX = "gaps/index"
GAP_TEMPLATES = ("manual/gaps.html.j2", "manual/gap.html.j2")


def gap_doc(gap: int) -> str:
    """The page of one of the five gaps."""
    return f"gaps/gap{gap}"


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


class GapFigures:
    """The five gaps as the measurement library reports them, worked out at most once."""

    def __init__(self, project: Project, measurement: Measurement, service: ServiceFigures,
                 docs: Docs) -> None:
        self.project, self.measurement, self.service, self.docs = (project, measurement,
                                                                   service, docs)
        self.translate = measurement.translate
        self._rows: dict[int, Row] = {}

    @functools.cached_property
    def _off_target(self) -> list[Row]:
        return off_target_now(self.measurement.all_rows)

    @property
    def gaps(self) -> list[Row]:
        """The five gaps, as five_gaps gives them (over every reading and audit)."""
        return [self.gap(gap) for gap in (1, 2, 3, 4, 5)]

    def name(self, gap: int) -> str:
        """The gap's name in the manual's language."""
        return self.translate(NAMES[gap])

    def marks(self) -> list[GapMark]:
        """Each gap's current figure, as the diagram writes it."""
        from qms.manual.gapdiagram import GapMark as Mark  # only where the diagram is drawn

        _, marks = self.translate, []
        for row in table_rows(self.gaps):
            if row["gap"] != 5:
                marks.append(Mark(row["gap"], [
                    _("{n} standards", n=row["standards"]),
                    _("{n} open findings", n=row["open_findings"]),
                    _("{n} KPIs off target", n=row["off_target"])], gap_doc(row["gap"])))
        five = self.gaps[4]
        lines = ([_("no survey waves")] if five["wave"] is None else
                 [f"{five['wave']}: {_signed(five['unweighted'])}",
                  _("change {change}", change=_signed(five["change_unweighted"]))])
        marks.append(Mark(5, lines, gap_doc(5)))
        return marks

    def diagram(self, pagename: str) -> Markup:
        """The five-gap model with each gap's figure, linking to the gap pages."""
        from qms.manual.gapdiagram import gap_diagram

        return Markup(gap_diagram(self.marks(), pagename, self.translate))

    def summary(self) -> Table:
        """One row per gap, as `qms gaps` prints it (gap 5 with its dimensions)."""
        _ = self.translate
        rows: list[Any] = []
        for row in table_rows(self.gaps):
            name = row["name"].strip()
            shown = cell(self.name(row["gap"]), doc=gap_doc(row["gap"])) \
                if name == NAMES[row["gap"]] else _(name)
            counts = ([row[k] for k in ("standards", "plans", "overdue_actions", "open_findings",
                                        "off_target")] if row["gap"] != 5 else [""] * 5)
            rows.append([row["gap"], shown, *counts, row.get("survey") or ""])
        return make_table([_("Gap"), _("Name"), _("Standards"), _("Planning items"),
                           _("Overdue actions"), _("Open findings"), _("KPIs off target"),
                           _("Survey")], rows, cls="qms-gaps", search=False)

    def gap(self, gap: int) -> Row:
        """The library's row of one gap, worked out when first asked for: an edit that
        re-renders one gap's page needs only that one."""
        if gap not in self._rows:
            self._rows[gap] = (customer_gap(self.project) if gap == 5 else
                               provider_gap(self.project, gap, self._off_target, GapQuery()))
        return self._rows[gap]

    def standards(self, gap: int) -> list[Standard]:
        """The gap's current standards."""
        return [self.project.standards[s] for s in self.gap(gap)["standards"]]

    def plans_table(self, gap: int) -> Table:
        """The gap's planning items, with their overdue actions."""
        _, docs = self.translate, self.docs
        rows, shown = [], self.project.config.manual.shown_name
        for plan in self.gap(gap)["plans"]:
            category = self.project.plans[plan["id"]].category
            late = [f"{a['due']} {shown(a['owner']) if a['owner'] else ''}: {a['action']}" for a in
                    plan["overdue_actions"]]
            rows.append([cell(plan["id"], doc=docs.plan_area(category),
                              anchor=docs.plan_anchor(plan["id"])), plan["title"],
                         [cell(text, p=True) for text in late]])
        return make_table([_("Id"), _("Title"), _("Overdue actions")], rows, cls="qms-gap-plans",
                          search=False)

    def findings_table(self, gap: int) -> Table:
        """The open findings against the gap's standards."""
        _, docs = self.translate, self.docs
        audit_of = {ref.finding.id: ref.audit.id for ref in self.project.findings}
        rows = [[cell(f["id"], doc=docs.audit(audit_of[f["id"]]),
                      anchor=docs.finding_anchor(f["id"])),
                 cell(f["standard"], doc=docs.standard(f["standard"])),
                 self.project_grade(f["grade"]), _(f["capa_status"] or ""), f["due"] or ""]
                for f in self.gap(gap)["open_findings"]]
        return make_table([_("Finding"), _("Standard"), _("Grade"), _("CAPA"), _("Due")], rows,
                          cls="qms-gap-findings", search=False)

    def project_grade(self, grade: str) -> str:
        """The label qms.yaml gives a grade."""
        return next((g.label for g in self.project.config.grades if g.id == grade), grade)

    def off_target_table(self, gap: int) -> Table:
        """The gap's measures whose latest month is off target, per site."""
        _ = self.translate
        shown = self.project.config.manual.shown_name
        rows = [[cell(k["standard"], doc=self.docs.standard(k["standard"])),
                 cell(k["measure"], doc=measure_doc(k["standard"], k["measure"])),
                 shown(k["site"]) if k["site"] else "—", k["period"], figure(k["mean"]),
                 k["target"] or ""]
                for k in self.gap(gap)["off_target"]]
        return make_table([_("Standard"), _("Measure"), _("Site"), _("Month"), _("Mean"),
                           _("Target")], rows, cls="qms-gap-kpis", search=False)

    def survey_table(self) -> Table:
        """The latest wave's gap per dimension and its change on the wave before."""
        _ = self.translate
        rows = [[_(name), _signed(d["gap"]), _signed(d["change"])]
                for name, d in self.gap(5)["dimensions"].items()]
        return make_table([_("Dimension"), _("Gap"), _("Change")], rows, cls="qms-gap-survey",
                          search=False)


def gap_pages(project: Project, figures: GapFigures,
              wanted: Callable[[str], bool]) -> Iterator[Page]:
    """The gaps index (the diagram and the summary) and one page per gap (those `wanted`)."""
    plans = tuple(sorted(project.plans))
    audits = (*sorted(project.audits), *sorted(project.checklists))
    waves = tuple(k for k in sorted(figures.service.versions()) if k.startswith("wave:"))
    # Which standards a gap has is in their grouped fields (gap, status); a gap's page lists
    # its own standards, the index only counts them.
    measured: dict[int | None, list[str]] = defaultdict(list)
    gaps = [gap for gap in (1, 2, 3, 4) if wanted(gap_doc(gap))]
    if gaps or wanted(GAPS_INDEX):
        for key in figures.measurement.readings:
            measured[project.standards[key[0]].gap].append(readings_input(key))
    members = counting(project, GAP_TEMPLATES[1]) if gaps else ()
    for gap in gaps:
        own = [s for s in project.standards.values() if s.gap == gap]
        yield Page(gap_doc(gap), GAP_TEMPLATES[1], {"gaps": figures, "gap": gap},
                   (*members, *listed(own), *plans, *audits, *measured[gap], MEASURE_TARGETS))
    if wanted(gap_doc(5)):
        yield Page(gap_doc(5), GAP_TEMPLATES[1], {"gaps": figures, "gap": 5}, waves)
    if wanted(GAPS_INDEX):
        yield Page(GAPS_INDEX, GAP_TEMPLATES[0], {"gaps": figures},
                   (*counting(project, GAP_TEMPLATES[0]), *plans, *audits,
                    *(name for gap in (1, 2, 3, 4) for name in measured[gap]),
                    MEASURE_TARGETS, *waves))
