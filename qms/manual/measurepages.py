"""The measurement section of the manual: one page per measure with readings, and an overview.

The manual computes no figure itself: they come from qms/measurement (`kpi_rows`, `xmr_limits`,
`xmr_signals`), worked out once per build and only when a measure page is rendered at all. The
charts are drawn while a page's template is rendered, so a page whose inputs did not change
(same page key) draws none. A measure page's inputs are its standard's file and a digest of
the measure's readings: a reading edited rewrites that measure's page and no other.
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from operator import attrgetter
from typing import Any

from markupsafe import Markup

from qms.format.models import Measure, Standard
from qms.format.project import Project
from qms.format.tables import KpiReading
from qms.manual import charts  # its modules are imported when a chart is drawn
from qms.manual.labels import translator
from qms.manual.render import Page, Table, cell, make_table
from qms.manual.servicepages import SQI_DOC, TREND_DOC, ServiceFigures
from qms.measurement.kpi import KpiQuery, Row, figure, kpi_rows, xmr_limits, xmr_signals
from qms.measurement.targets import parse_target

MEASURE_TEMPLATE = "manual/measure.html.j2"
JUDGING_TEMPLATES = ("manual/index.rst.j2", "manual/gaps.html.j2", "manual/gap.html.j2")
STANDARDS_FOR_ALL_ROWS = 20
MEASURE_TARGETS = "measures#targets"  # page-key input: every measure's target and standard type
MEASURES_LISTED = "measures#listed"  # page-key input: what the overview shows of each measure
Key = tuple[str, str]  # (standard id, measure id)
TIME_ORDER = attrgetter("date", "value")  # as kpi_rows orders a series


def measure_doc(standard_id: str, measure_id: str) -> str:
    """The page of one measure of a standard (ids hold no '/', measure ids are slugs)."""
    return f"measures/{standard_id}-{measure_id}"


def readings_input(key: Key) -> str:
    """The page-key input that stands for one measure's readings."""
    return f"{key[0]}/{key[1]}#readings"


def _svg(text: str, cls: str) -> Markup:
    # The chart library escapes every text it draws, so its SVG goes into the page as markup.
    return Markup(f'<figure class="qms-chart {cls}">{text}</figure>')


class Measurement:
    """The measurement library's figures for the manual's pages, each worked out at most once."""

    def __init__(self, project: Project, kept: dict[str, Any] | None = None) -> None:
        """The figures of a project's readings (`kept`: `qms serve`'s memory, where the
        readings grouped by measure and their digests are kept while the readings are the
        very objects they were made from, as the file cache keeps a table unchanged)."""
        self.project = project
        self.translate = translator(project.config.manual.language)
        self.shown_name = project.config.manual.shown_name
        self._rows_by_standard: dict[str, list[Row]] = {}
        self._digests: dict[Key, str]
        earlier = kept.get("grouped") if kept is not None else None
        if earlier is not None and len(earlier[0]) == len(project.kpis) and all(
                map(operator.is_, earlier[0], project.kpis)):
            by_measure, self._digests = earlier[1], earlier[2]
        else:
            by_measure = defaultdict(list)
            for reading in project.kpis:
                by_measure[reading.standard, reading.measure].append(reading)
            self._digests = {}
            if kept is not None:
                kept["grouped"] = (list(project.kpis), by_measure, self._digests)
        # Each measure's readings in the files' order: every build needs them grouped (their
        # versions), only a page drawn needs them by site and in time order (`sites`), which
        # costs three times as much (400,000 readings at 5,000 standards with a year each).
        # (Only the measures with readings are looked up: most standards have none.)
        standards = project.standards
        self.readings = {key: by_measure[key] for key in sorted(by_measure)
                         if (s := standards.get(key[0])) is not None
                         and any(m.id == key[1] for m in s.measures)}
        self._sites: dict[Key, dict[str, list[KpiReading]]] = {}

    def sites(self, key: Key) -> dict[str, list[KpiReading]]:
        """A measure's readings per site (sites in order), each site's in time order as
        kpi_rows takes it: by date, then value (a day's rows have no order)."""
        found = self._sites.get(key)
        if found is None:
            by_site: dict[str, list[KpiReading]] = defaultdict(list)
            for reading in self.readings[key]:
                by_site[reading.site].append(reading)
            found = self._sites[key] = {site: sorted(readings, key=TIME_ORDER)
                                        for site, readings in sorted(by_site.items())}
        return found

    def versions(self) -> dict[str, str]:
        """A version of each measure's readings, and of every measure's target, for the keys."""
        digests = self._digests
        versions = {readings_input(key): digests[key] if key in digests
                    else digests.setdefault(key, _digest(found))
                    for key, found in self.readings.items()}
        # Pages that judge every measure (home, gaps) depend on the targets, not on statements.
        versions[MEASURE_TARGETS] = hashlib.sha1(repr(sorted(
            (s.id, s.type, s.status, [(m.id, m.target) for m in s.measures])
            for s in self.project.standards.values() if s.measures)).encode("utf-8")).hexdigest()
        # The overview lists each measure with readings, not its standard's statement.
        versions[MEASURES_LISTED] = hashlib.sha1(repr([
            (key, m.metric, m.target, m.unit) for key in self.readings
            for m in [_measure(self.project.standards[key[0]], key[1])]]).encode()).hexdigest()
        return versions

    @functools.cached_property
    def all_rows(self) -> list[Row]:
        """kpi_rows of every measure by month, the measures without readings included."""
        return kpi_rows(self.project, KpiQuery(period="month"))

    @functools.cached_property
    def rows(self) -> dict[Key, list[Row]]:
        """kpi_rows of every measure by month, grouped by measure (measures with readings)."""
        grouped: dict[Key, list[Row]] = defaultdict(list)
        for row in self.all_rows:
            if row["period"] is not None:
                grouped[row["standard"], row["measure"]].append(row)
        return dict(grouped)

    def rows_of(self, standard_id: str) -> list[Row]:
        """kpi_rows by month of one standard's measures with readings: from the rows of every
        measure when they were worked out (a clean build), else by asking the library for this
        standard's readings only (an edit renders a page or two)."""
        cached = self.__dict__.get("rows")
        if cached is not None:
            measures = sorted(m.id for m in self.project.standards[standard_id].measures)
            return [row for measure in measures for row in cached.get((standard_id, measure), [])]
        if standard_id not in self._rows_by_standard:
            readings = [r for m in self.project.standards[standard_id].measures
                        for r in self.readings.get((standard_id, m.id), ())]
            self._rows_by_standard[standard_id] = [
                row for row in kpi_rows(self.project, KpiQuery(standard=standard_id,
                                                                period="month"), readings)
                if row["period"] is not None]
        return self._rows_by_standard[standard_id]

    def prepare(self, pages: list[Any]) -> None:
        """Work the figures out before pages are rendered (in forked workers: once, here)."""
        templates = {page.template for page in pages}
        # Standard and measure pages show their measures' months: past a few of them, one pass
        # over every reading costs less than one query per standard (an edit of a measured
        # standard renders its measure pages too, and needs no other measure's rows).
        showing = sum(page.template in ("manual/standard.html.j2", MEASURE_TEMPLATE)
                      for page in pages)
        if showing > STANDARDS_FOR_ALL_ROWS:
            _ = self.rows
        if templates & set(JUDGING_TEMPLATES):  # pages that judge every measure
            _ = self.all_rows

    def page(self, standard_id: str, measure_id: str) -> str | None:
        """The page of a measure, or None when it has no readings (and so no page)."""
        return measure_doc(standard_id, measure_id) if (standard_id, measure_id) in \
            self.readings else None

    def overview_rows(self) -> list[list[Any]]:
        """One row per measure with readings: standard, measure, target, sites, readings, last."""
        standards = self.project.standards
        rows: list[list[Any]] = []
        for (standard_id, measure_id), every in self.readings.items():
            measure = _measure(standards[standard_id], measure_id)
            rows.append([cell(standard_id, doc=f"standards/{standard_id}"),
                         cell(measure.metric, doc=measure_doc(standard_id, measure_id)),
                         measure.target or "—", measure.unit or "",
                         len({r.site for r in every}), len(every), max(r.date for r in every)])
        return rows


def _digest(readings: list[KpiReading]) -> str:
    # The readings' sites, then their days and values packed as numbers: a third of the time
    # of their repr, which every build spends on every reading.
    digest = hashlib.sha1()
    digest.update(json.dumps([r.site for r in readings], ensure_ascii=False).encode())
    digest.update(array("d", [x for r in readings for x in (r.date.toordinal(), r.value)])
                  .tobytes())
    return digest.hexdigest()


def _measure(standard: Standard, measure_id: str) -> Measure:
    return next(m for m in standard.measures if m.id == measure_id)


class LazyRows(Sequence[Any]):
    """Table rows made when a template first reads them (a page whose key is unchanged is
    planned, not rendered: its rows are never made)."""

    def __init__(self, make: Callable[[], list[Any]]) -> None:
        self._make = make

    @functools.cached_property
    def _rows(self) -> list[Any]:
        return self._make()

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        return self._rows[index]


class MeasureFigures:
    """What one measure page shows; its charts and table are made when the page is rendered."""

    def __init__(self, measurement: Measurement, standard: Standard, measure: Measure) -> None:
        self._measurement, self.standard, self.measure = measurement, standard, measure
        self.key = (standard.id, measure.id)

    @functools.cached_property
    def sites(self) -> list[str]:
        """The measure's sites, in order (worked out when its page is rendered: a build plans
        every measure page and renders few of them after an edit)."""
        return list(self._measurement.sites(self.key))

    def _title(self, text: str) -> str:
        return f"{self.standard.id} {self.measure.metric}: {self._measurement.translate(text)}"

    def xmr(self) -> Markup:
        """The XmR chart of every reading of the measure (all sites in time order)."""
        every = sorted(self._measurement.readings[self.key], key=TIME_ORDER)
        values = [r.value for r in every]
        limits = xmr_limits(values)
        signals = ([i for i, rules in enumerate(xmr_signals(values, limits)) if rules]
                   if limits else [])
        return _svg(charts.xmr_chart(
            [(r.date, r.value) for r in every], limits.centre if limits else None,
            limits.lower if limits else None, limits.upper if limits else None,
            parse_target(self.measure.target), signals, self._title("readings"),
            unit=self.measure.unit, translate=self._measurement.translate), "qms-xmr")

    def by_site(self) -> Markup:
        """Small multiples, one XmR panel per site on one scale; nothing for a single site."""
        if len(self.sites) < 2:
            return Markup("")
        panels = {}
        for site, found in self._measurement.sites(self.key).items():
            values = [r.value for r in found]
            limits = xmr_limits(values)
            signals = ([i for i, rules in enumerate(xmr_signals(values, limits)) if rules]
                       if limits else [])
            panels[self._measurement.shown_name(site) if site else "—"] = charts.XmrSeries(
                [(r.date, r.value) for r in found], limits.centre if limits else None,
                limits.lower if limits else None, limits.upper if limits else None, signals)
        return _svg(charts.small_multiples(panels, parse_target(self.measure.target),
                                    self._title("by site"), unit=self.measure.unit,
                                    translate=self._measurement.translate), "qms-multiples")

    def table(self) -> Table:
        """The figures per site and month, as kpi_rows gives them."""
        _ = self._measurement.translate
        rows = []
        series: tuple[Any, ...] = ()
        site = centre = limits = ""
        states: dict[str, dict[str, Any]] = {}  # each state's cell, made once (read only)
        for row in self._measurement.rows_of(self.standard.id):
            if row["measure"] != self.measure.id:
                continue
            # a series' rows share its site and limits (the same objects): worded once
            shared = (row["site"], row["centre"], row["lower_limit"], row["upper_limit"])
            if (not series or shared[0] is not series[0] or shared[1] is not series[1]
                    or shared[2] is not series[2] or shared[3] is not series[3]):
                series = shared
                site = self._measurement.shown_name(row["site"]) if row["site"] else "—"
                centre = figure(row["centre"])
                limits = ("" if row["lower_limit"] is None else
                          f"{figure(row['lower_limit'])} – {figure(row['upper_limit'])}")
            state = row["state"]
            if state not in states:
                states[state] = cell(_(state), cls=f"qms-{state}")
            # counts as text: a table prints a text cell without working out its kind
            rows.append([site, row["period"], str(row["n"]), figure(row["mean"]),
                         figure(row["last"]), states[state], centre, limits,
                         str(len(row["signals"]))])
        return make_table([_("Site"), _("Month"), _("Readings"), _("Mean"), _("Last"), _("State"),
                           _("Centre line"), _("Limits"), _("Signals")], rows,
                          cls="qms-kpi", search=False)


def measure_pages(project: Project, measurement: Measurement, service: ServiceFigures,
                  wanted: Callable[[str], bool] = lambda _docname: True) -> Iterator[Page]:
    """The overview of the measurement section and one page per measure with readings (those
    `wanted`)."""
    if wanted("measurement/index"):
        inputs = tuple(readings_input(key) for key in measurement.readings)
        _ = measurement.translate
        others = ([[cell(_("Service quality index"), doc=SQI_DOC)]] if project.sqi else []) + (
            [[cell(_("SERVQUAL across waves"), doc=TREND_DOC)]] if service.waves else []) + [
            [cell(f"{_('SERVQUAL wave')} {wave}", doc=service.wave_doc(wave))]
            for wave in service.waves]
        yield Page("measurement/index", "manual/measurement_index.rst.j2",
                   {"rows": LazyRows(measurement.overview_rows), "others": others},
                   (MEASURES_LISTED, *inputs, *service.versions()))
    for key in measurement.readings:
        if not wanted(measure_doc(*key)):
            continue
        standard = project.standards[key[0]]
        yield Page(measure_doc(*key), MEASURE_TEMPLATE,
                   {"s": standard, "figures": MeasureFigures(measurement, standard,
                                                             _measure(standard, key[1]))},
                   (standard.id, readings_input(key)))
