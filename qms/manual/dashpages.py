"""The home page's "where we stand": a row of figures, each against the period before, linked.

Every figure comes from the libraries: the KPI states from `kpi_rows` (each measure and site's
latest month against the month before it, as `off_target_now` judges), the SQI from
`sqi_report`, the SERVQUAL score from `score_waves`, CAPAs and compliance from what the build
derived of the audits. The audit figures (CAPAs, compliance) are a block of their own, so an
edition for staff can leave them out (`audit_figures` in the home page's context).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from qms.format.listing import finding_was_open, finding_was_overdue
from qms.format.project import Project
from qms.manual.derive import Compliance, Derived
from qms.manual.measurepages import MEASURE_TARGETS, Measurement, readings_input
from qms.manual.render import Table, cell, make_table
from qms.manual.servicepages import SQI_DOC, ServiceFigures
from qms.measurement.kpi import Row, figure

KPI_DOC = "measurement/index"
CAPA_DOC = "measurement/capa"
CAPA_LOOKBACK_DAYS = 30  # CAPAs today are set against CAPAs this many days before
COMPLIANCE_DOC = "measurement/compliance"
FINDINGS_DOC = "measurement/findings"
KPI_STATES = (("on target", "on-target"), ("off target", "off-target"),
              ("with a signal", "signal"), ("without data", "no-data"))


@dataclass(frozen=True)
class Standing:
    """One figure of the home page: what it is, now, the period before, and its page."""

    label: str
    now: float | None
    before: float | None
    doc: str
    when: str = ""  # the period 'now' is of
    percent: bool = False

    def shown(self, value: float | None) -> str:
        """A value as the page shows it."""
        if value is None:
            return "—"
        return f"{value * 100:.0f} %" if self.percent else figure(value)

    @property
    def change(self) -> str:
        """Now minus before, signed (percentage points for a rate), or a dash."""
        if self.now is None or self.before is None:
            return "—"
        delta = (self.now - self.before) * (100 if self.percent else 1)
        text = f"{delta:+.0f}" if self.percent else f"{delta:+.2f}".rstrip("0").rstrip(".")
        return text + (" pp" if self.percent else "")


def kpi_state_counts(rows: Iterable[Row]) -> tuple[dict[str, int], dict[str, int]]:
    """How many measure-and-site series are in each state in their latest month, and in the
    month before it (series with one month have none before); measures without readings count
    as no-data now."""
    series: dict[tuple[str, str, str], list[Row]] = {}
    now = dict.fromkeys((state for _, state in KPI_STATES), 0)
    before = dict.fromkeys((state for _, state in KPI_STATES if state != "no-data"), 0)
    for row in rows:
        if row["period"] is None:
            now["no-data"] += row["state"] == "no-data"
        else:
            series.setdefault((row["standard"], row["measure"], row["site"]), []).append(row)
    for found in series.values():
        found.sort(key=lambda r: r["period"])
        judged = [(now, found[-1])] + ([(before, found[-2])] if len(found) > 1 else [])
        for counts, row in judged:
            if row["state"] in counts:
                counts[row["state"]] += 1
            counts["signal"] += bool(row["signals"])
    return now, before


def quarter_compliance(derived: Derived) -> list[tuple[str, Compliance]]:
    """Compliance over every site, quarter by quarter (audited quarters only)."""
    totals = {period: Compliance() for period in derived.periods}
    for found in derived.site_compliance.values():
        for period, compliance in found.items():
            if period in totals:
                totals[period].conform += compliance.conform
                totals[period].answered += compliance.answered
    return list(totals.items())


class HomeFigures:
    """The figures of the home page, worked out when the home page is rendered."""

    def __init__(self, project: Project, derived: Derived, measurement: Measurement,
                 service: ServiceFigures) -> None:
        self.project, self.derived = project, derived
        self.measurement, self.service = measurement, service
        self.translate = measurement.translate

    def inputs(self) -> tuple[str, ...]:
        """What the figures are made from: readings, targets, SQI and wave files, audits."""
        return (*(readings_input(key) for key in self.measurement.readings), MEASURE_TARGETS,
                *sorted(self.service.versions()), *sorted(self.project.audits),
                *sorted(self.project.checklists))

    @functools.cached_property
    def kpis(self) -> list[Standing]:
        """Measure-and-site series on target, off target, with a signal, without data."""
        now, before = kpi_state_counts(self.measurement.all_rows)
        _ = self.translate
        return [Standing(_("KPIs " + label), now[state], before.get(state), KPI_DOC,
                         _("latest month")) for label, state in KPI_STATES]

    @functools.cached_property
    def service_quality(self) -> list[Standing]:
        """The latest SQI month against the month before; the latest wave against the one before."""
        _, found = self.translate, []
        if self.project.sqi:
            periods = list(self.service.sqi.periods.items())
            now = periods[-1] if periods else None
            before = periods[-2] if len(periods) > 1 else None
            found.append(Standing(_("SQI per 100 units"), now[1].index_percent if now else None,
                                  before[1].index_percent if before else None, SQI_DOC,
                                  now[0] if now else ""))
        if self.service.waves:
            latest = list(self.service.scores.values())[-1]
            previous = (None if latest.unweighted is None or latest.change_unweighted is None
                        else latest.unweighted - latest.change_unweighted)
            found.append(Standing(_("SERVQUAL score"), latest.unweighted, previous,
                                  self.service.wave_doc(latest.wave), latest.wave))
        return found

    @functools.cached_property
    def audits(self) -> list[Standing]:
        """Open and overdue CAPAs today against 30 days before; compliance in the latest
        audited quarter against the quarter before."""
        _, derived = self.translate, self.derived
        quarters = quarter_compliance(derived)
        now = quarters[-1] if quarters else None
        before = quarters[-2] if len(quarters) > 1 else None
        day = self.project.today - timedelta(days=CAPA_LOOKBACK_DAYS)
        findings = self.project.findings
        was_open = sum(finding_was_open(ref, day) for ref in findings)
        was_overdue = sum(finding_was_overdue(ref, day) for ref in findings)
        return [Standing(_("Open CAPAs"), len(derived.open), was_open, CAPA_DOC, _("today")),
                Standing(_("Overdue CAPAs"), len(derived.overdue), was_overdue, CAPA_DOC,
                         _("today")),
                Standing(_("Compliance"), now[1].rate if now else None,
                         before[1].rate if before else None, COMPLIANCE_DOC,
                         now[0] if now else "", percent=True)]

    def figures(self, audit_figures: bool = True) -> list[Standing]:
        """Every figure, the audit ones only when asked for."""
        return [*self.kpis, *self.service_quality, *(self.audits if audit_figures else [])]

    def table(self, audit_figures: bool = True) -> Table:
        """The figures as a table: figure (linked), now, the period, before, change."""
        _ = self.translate
        rows: list[Any] = [
            [cell(f.label, doc=f.doc), cell(f.shown(f.now), cls="qms-standing-now"), f.when,
             f.shown(f.before), cell(f.change, cls=_change_class(f))]
            for f in self.figures(audit_figures)]
        return make_table([_("Figure"), _("Now"), _("As of"), _("Before"), _("Difference")], rows,
                          cls="qms-standing", search=False)


def _change_class(standing: Standing) -> str:
    if standing.now is None or standing.before is None or standing.now == standing.before:
        return "qms-change"
    return "qms-change qms-change-up" if standing.now > standing.before else \
        "qms-change qms-change-down"
