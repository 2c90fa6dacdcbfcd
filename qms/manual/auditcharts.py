"""The audit pages of the measurement section: compliance per site and quarter as a trend,
findings by grade and by site, and the ageing of open CAPAs, each a chart with its table.

The figures are what the build derived of the audits (derive.py: compliance per site and
quarter, open and overdue CAPAs) and the findings as the project holds them; the pages'
inputs are every audit and checklist (answers, findings and CAPAs live in the audit records).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from markupsafe import Markup

from qms.format.project import Project
from qms.manual import charts  # its modules are imported when a chart is drawn
from qms.manual.dashpages import CAPA_DOC, COMPLIANCE_DOC, FINDINGS_DOC, quarter_compliance
from qms.manual.derive import Compliance, Derived
from qms.manual.labels import translator
from qms.manual.render import Page, Table, cell, make_table

if TYPE_CHECKING:  # pages imports this module
    from qms.manual.pages import Docs

AUDIT_TEMPLATES = ("manual/compliance_trend.html.j2", "manual/findings_chart.html.j2",
                   "manual/capa_ageing.html.j2")


def _svg(text: str, cls: str) -> Markup:
    # The chart library escapes every text it draws, so its SVG goes into the page as markup.
    return Markup(f'<figure class="qms-chart {cls}">{text}</figure>')


def capa_ages(project: Project, derived: Derived) -> list[int]:
    """The age in days (today minus the audit's start) of each open CAPA, oldest first."""
    return sorted(((project.today - ref.audit.started.date()).days for ref in project.findings
                   if ref.finding.id in derived.open), reverse=True)


MAX_SITE_LINES = 6  # lines one chart can show apart (colour, dash and marker)


def _percents(found: Mapping[str, Compliance], periods: list[str]) -> list[float | None]:
    rates = [found[p].rate if p in found else None for p in periods]
    return [None if rate is None else rate * 100 for rate in rates]


def _latest(found: Mapping[str, Compliance]) -> float | None:
    # the site's rate in its latest audited quarter ("all" is the site over every quarter)
    rates = [(period, c.rate) for period, c in found.items() if period != "all"]
    return max(rates)[1] if rates else None


class AuditFigures:
    """The charts and tables of the three audit pages."""

    def __init__(self, project: Project, derived: Derived, docs: Docs) -> None:
        self.project, self.derived, self.docs = project, derived, docs
        self.translate = translator(project.config.manual.language)
        self.grades = {g.id: g.label for g in project.config.grades}
        self.shown_name = project.config.manual.shown_name

    def compliance_line(self) -> Markup:
        """Each site's compliance (per cent) quarter by quarter; past MAX_SITE_LINES sites, all
        sites together and the sites lowest in their latest audited quarter (lines past a
        handful cannot be told apart: the table beside the chart has every site)."""
        _, periods = self.translate, self.derived.periods
        sites = self.derived.site_compliance
        title = _("Compliance per site and quarter")
        series: dict[str, list[float | None]] = {}
        if len(sites) > MAX_SITE_LINES:
            overall = dict(quarter_compliance(self.derived))
            series[_("All sites")] = _percents(overall, periods)
            lowest = sorted((site for site in sites if _latest(sites[site]) is not None),
                            key=lambda site: (_latest(sites[site]), site))
            sites = {site: sites[site] for site in lowest[:MAX_SITE_LINES - 1]}
            title = _("Compliance per quarter: all sites, and the {n} sites lowest in their "
                      "latest quarter", n=len(sites))
        for site, found in sites.items():
            series[self.shown_name(site)] = _percents(found, periods)
        return _svg(charts.line_chart(periods, series, title,
                               y_label=_("per cent conforming"), translate=_),
                    "qms-compliance-line")

    def findings_counts(self) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
        """The sites, the grades (as qms.yaml orders them) and the findings of each pair."""
        counts = Counter((ref.audit.site, ref.finding.grade) for ref in self.project.findings)
        sites = sorted({site for site, _ in counts})
        known = list(self.grades)
        grades = known + sorted({g for _, g in counts if g not in self.grades})
        return sites, [g for g in grades if any(g == found for _, found in counts)], dict(counts)

    def findings_bars(self) -> Markup:
        """Findings per site, one bar per grade."""
        sites, grades, counts = self.findings_counts()
        bars = {self.grades.get(g, g): [counts.get((s, g), 0) for s in sites] for g in grades}
        return _svg(charts.grouped_bars([self.shown_name(s) for s in sites], bars,
                                 self.translate("Findings by grade and site"),
                                 y_label=self.translate("findings"), translate=self.translate),
                    "qms-findings-bars")

    def findings_table(self) -> Table:
        """Findings per site (rows) and grade (columns), with totals."""
        _ = self.translate
        sites, grades, counts = self.findings_counts()
        rows: list[list[object]] = [
            [cell(self.shown_name(site), doc=self.docs.site(site)),
             *(counts.get((site, g), 0) for g in grades),
             sum(counts.get((site, g), 0) for g in grades)] for site in sites]
        rows.append([_("Total"), *(sum(counts.get((s, g), 0) for s in sites) for g in grades),
                     sum(counts.values())])
        return make_table([_("Site"), *(self.grades.get(g, g) for g in grades), _("Total")],
                          rows, cls="qms-findings-counts", search=False)

    def capa_bars(self) -> Markup:
        """Open CAPAs by how many days they have been open."""
        return _svg(charts.age_bars(capa_ages(self.project, self.derived),
                             self.translate("Open CAPAs by age"), translate=self.translate),
                    "qms-capa-bars")

    def capa_table(self) -> Table:
        """Per age bucket: open CAPAs, and how many of them are overdue."""
        _ = self.translate
        ages = capa_ages(self.project, self.derived)
        overdue = [(self.project.today - ref.audit.started.date()).days
                   for ref in self.project.findings if ref.finding.id in self.derived.overdue]
        late = dict(charts.age_buckets(overdue))
        rows = [[_("{bucket} days", bucket=name), count, late.get(name, 0)]
                for name, count in charts.age_buckets(ages)]
        rows.append([_("Total"), len(ages), len(overdue)])
        return make_table([_("Age"), _("Open CAPAs"), _("Overdue CAPAs")], rows,
                          cls="qms-capa-ages", search=False)


def audit_chart_pages(project: Project, derived: Derived, docs: Docs) -> Iterator[Page]:
    """Compliance per site and quarter, findings by grade and site, CAPA ageing."""
    figures = AuditFigures(project, derived, docs)
    audits = tuple(sorted(project.audits))
    inputs = (*audits, *sorted(project.checklists))
    for doc, template, found in ((COMPLIANCE_DOC, AUDIT_TEMPLATES[0], inputs),
                                 (FINDINGS_DOC, AUDIT_TEMPLATES[1], audits),
                                 (CAPA_DOC, AUDIT_TEMPLATES[2], audits)):
        yield Page(doc, template, {"figures": figures}, found)
