"""The SQI page and the SERVQUAL pages (one per wave, and the trend across waves) of the manual.

As with the measure pages, every figure comes from qms/measurement (`sqi_report`,
`score_waves`), worked out once per build and only when one of these pages is rendered, and
the charts are drawn while the page's template runs. Their inputs are the files they read:
the SQI files; a wave's file and the previous wave's (the change); every wave for the trend.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from qms.format.project import Project
from qms.manual import charts  # its modules are imported when a chart is drawn
from qms.manual.buildstate import item_versions
from qms.manual.labels import translator
from qms.manual.render import Page, Table, cell, make_table
from qms.measurement.kpi import figure

if TYPE_CHECKING:
    from qms.measurement.servqual import WaveScore
    from qms.measurement.sqi import SqiPeriod, SqiReport

SQI_DOC = "measurement/sqi"
TREND_DOC = "measurement/servqual"
SERVICE_TEMPLATES = ("manual/sqi.html.j2", "manual/wave.html.j2", "manual/servqual.html.j2")


def _svg(text: str, cls: str) -> Markup:
    # The chart library escapes every text it draws, so its SVG goes into the page as markup.
    return Markup(f'<figure class="qms-chart {cls}">{text}</figure>')


def _share(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f} %"


class ServiceFigures:
    """The SQI and SERVQUAL figures for the manual's pages, each worked out at most once."""

    def __init__(self, project: Project, wave_slugs: dict[str, str]) -> None:
        self.project, self.wave_slugs = project, wave_slugs
        self.translate = translator(project.config.manual.language)
        self.waves = sorted(w.id for w in project.surveys)
        self._sqi_by: dict[str, SqiReport] = {}  # by week and by day, once each

    def wave_doc(self, wave: str) -> str:
        """The page of one survey wave."""
        return f"measurement/waves/{self.wave_slugs[wave]}"

    def versions(self) -> dict[str, str]:
        """A version of each SQI and survey file (size, time), for the page keys."""
        files = {f"sqi:{path}": path for path in sorted({row.path for row in self.project.sqi})}
        files.update({f"wave:{w.id}": w.path for w in self.project.surveys})
        return item_versions(self.project.root, files, None)

    @functools.cached_property
    def sqi(self) -> SqiReport:
        """The SQI by month, with the Pareto of categories over every day."""
        from qms.measurement.sqi import sqi_report  # only where an SQI figure is shown

        return sqi_report(self.project.sqi, self.project.config.sqi.weights, "month")

    @functools.cached_property
    def scores(self) -> dict[str, WaveScore]:
        """Every wave's SERVQUAL figures, each with its change on the wave before."""
        from qms.measurement.servqual import score_waves  # numpy: only where waves are scored

        return {s.wave: s for s in score_waves(self.project.surveys, self.project.config.servqual)}

    def prepare(self, pages: list[Any]) -> None:
        """Work the figures out before pages are rendered (in forked workers: once, here)."""
        templates = {page.template for page in pages}
        # the home page shows the latest SQI and SERVQUAL score too
        if templates & {"manual/sqi.html.j2", "manual/index.rst.j2"} and self.project.sqi:
            _ = self.sqi
        if templates & {"manual/wave.html.j2", "manual/servqual.html.j2",
                        "manual/index.rst.j2"}:
            _ = self.scores

    # ---------------------------------------------------------------- SQI

    def sqi_by(self, by: str) -> SqiReport:
        """The SQI by day, week or month (the month's is the page's main report)."""
        if by == "month":
            return self.sqi
        period: SqiPeriod = "day" if by == "day" else "week"
        if period not in self._sqi_by:
            from qms.measurement.sqi import sqi_report

            self._sqi_by[period] = sqi_report(self.project.sqi, self.project.config.sqi.weights,
                                              period)
        return self._sqi_by[period]

    def sqi_line(self, by: str = "month") -> Markup:
        """The index (points per 100 units of work) period by period."""
        _, periods = self.translate, self.sqi_by(by).periods
        return _svg(charts.line_chart(list(periods), {_("SQI per 100 units"): [
            f.index_percent for f in periods.values()]}, _(f"Service quality index by {by}"),
            y_label=_("points per 100 units"), translate=_),
            "qms-sqi-line" if by == "month" else f"qms-sqi-{by}")

    def sqi_pareto(self) -> Markup:
        """The categories by points, with the cumulative share."""
        pareto = self.sqi.pareto
        shown = self.project.config.manual.shown_name
        return _svg(charts.pareto_chart([shown(c.category) for c in pareto],
                                        [c.points for c in pareto],
                                        self.translate("Failure points by category"),
                                        translate=self.translate), "qms-pareto")

    def sqi_periods(self, by: str = "month") -> Table:
        """Per period: failures, points, volume and the index."""
        _ = self.translate
        rows = [[name, f.count, figure(f.points), "" if f.volume is None else f.volume,
                 figure(f.index_percent)] for name, f in self.sqi_by(by).periods.items()]
        return make_table([_(by.capitalize()), _("Failures"), _("Points"), _("Volume"),
                           _("SQI per 100 units")], rows,
                          cls="qms-sqi" if by == "month" else f"qms-sqi-by-{by}", search=False)

    def sqi_categories(self) -> Table:
        """The Pareto's figures: count, weight, points, share and cumulative share."""
        _ = self.translate
        shown = self.project.config.manual.shown_name
        rows = [[shown(c.category), c.count, figure(c.weight), figure(c.points), _share(c.share),
                 _share(c.cumulative)] for c in self.sqi.pareto]
        return make_table([_("Category"), _("Failures"), _("Weight"), _("Points"), _("Share"),
                           _("Cumulative share")], rows, cls="qms-pareto-table", search=False)

    # ---------------------------------------------------------------- SERVQUAL

    def wave_bars(self, wave: str) -> Markup:
        """Expectation and perception per dimension."""
        _, dims = self.translate, list(self.scores[wave].dimensions.values())
        return _svg(charts.grouped_bars([_(d.dimension) for d in dims], {
            _("expectation"): [d.expectation for d in dims],
            _("perception"): [d.perception for d in dims]},
            _("Expectation and perception by dimension"), translate=_), "qms-wave-bars")

    def wave_items(self, wave: str) -> Markup:
        """Each item's gap with its 95 % interval."""
        _, items = self.translate, self.scores[wave].items
        return _svg(charts.interval_chart(
            [f"{_('Item')} {i.item}" for i in items], [i.gap for i in items],
            [i.gap_interval[0] if i.gap_interval else None for i in items],
            [i.gap_interval[1] if i.gap_interval else None for i in items],
            _("Item gaps with 95 % intervals"), x_label=_("gap (perception − expectation)"),
            translate=_), "qms-wave-items")

    def wave_grid(self, wave: str) -> Markup:
        """The importance–performance grid of the dimensions."""
        _, dims = self.translate, list(self.scores[wave].dimensions.values())
        points = [(_(d.dimension), d.importance, d.perception) for d in dims
                  if d.importance is not None and d.perception is not None]
        x_split = sum(p[1] for p in points) / len(points) if points else float("nan")
        y_split = sum(p[2] for p in points) / len(points) if points else float("nan")
        return _svg(charts.quadrant_chart(points, x_split, y_split, _("Importance and performance"),
                                   translate=_), "qms-wave-grid")

    def grid_table(self, wave: str) -> Table:
        """The grid's figures: each dimension's importance, performance and quadrant."""
        _ = self.translate
        rows = [[_(d.dimension), figure(d.importance), figure(d.perception),
                 _(d.quadrant) if d.quadrant else ""]
                for d in self.scores[wave].dimensions.values()]
        return make_table([_("Dimension"), _("Importance"), _("Perception"), _("Quadrant")],
                          rows, cls="qms-servqual-grid", search=False)

    def wave_table(self, wave: str) -> Table:
        """Per dimension: E, P, gap, change, alpha of E and P, importance, quadrant."""
        _ = self.translate
        rows = [[_(d.dimension), d.n, figure(d.expectation), figure(d.perception),
                 figure(d.gap), figure(d.change),
                 cell(figure(d.alpha_expectation), cls="qms-low-alpha" if "E" in d.unreliable
                      else None),
                 cell(figure(d.alpha_perception), cls="qms-low-alpha" if "P" in d.unreliable
                      else None),
                 figure(d.importance), _(d.quadrant) if d.quadrant else ""]
                for d in self.scores[wave].dimensions.values()]
        return make_table([_("Dimension"), _("Respondents"), _("Expectation"), _("Perception"),
                           _("Gap"), _("Change"), _("Alpha (E)"), _("Alpha (P)"),
                           _("Importance"), _("Quadrant")], rows, cls="qms-servqual",
                          search=False)

    def item_table(self, wave: str) -> Table:
        """Per item: answered pairs, E, P, the gap and its 95 % interval."""
        _ = self.translate
        rows = [[i.item, _(i.dimension), i.n, figure(i.expectation), figure(i.perception),
                 figure(i.gap), f"{figure(i.gap_interval[0])} – {figure(i.gap_interval[1])}"
                 if i.gap_interval else ""] for i in self.scores[wave].items]
        return make_table([_("Item"), _("Dimension"), _("Answers"), _("Expectation"),
                           _("Perception"), _("Gap"), _("95 % interval")], rows,
                          cls="qms-servqual-items", search=False)

    def trend_line(self) -> Markup:
        """Each dimension's gap, wave by wave."""
        _, scores = self.translate, list(self.scores.values())
        names = list(scores[0].dimensions) if scores else []
        return _svg(charts.line_chart([s.wave for s in scores], {
            _(name): [s.dimensions[name].gap if name in s.dimensions else None for s in scores]
            for name in names}, _("Gap by dimension and wave"), y_label=_("gap"), translate=_),
            "qms-trend")

    def trend_table(self) -> Table:
        """Per wave: respondents, each dimension's gap, the unweighted and weighted score."""
        _, scores = self.translate, list(self.scores.values())
        names = list(scores[0].dimensions) if scores else []
        rows = [[cell(s.wave, doc=self.wave_doc(s.wave)), s.respondents,
                 *(figure(s.dimensions[n].gap) if n in s.dimensions else "" for n in names),
                 figure(s.unweighted), figure(s.weighted)] for s in scores]
        return make_table([_("Wave"), _("Respondents"), *(_(n) for n in names),
                           _("Unweighted score"), _("Weighted score")], rows, cls="qms-trend",
                          search=False)


def service_pages(project: Project, figures: ServiceFigures) -> Iterator[Page]:
    """The SQI page (with SQI counts), a page per survey wave and the trend across waves."""
    if project.sqi:
        yield Page(SQI_DOC, "manual/sqi.html.j2", {"figures": figures},
                   tuple(f"sqi:{path}" for path in sorted({row.path for row in project.sqi})))
    waves = figures.waves
    if not waves:
        return
    yield Page(TREND_DOC, "manual/servqual.html.j2", {"figures": figures},
               tuple(f"wave:{w}" for w in waves))
    for index, wave in enumerate(waves):
        before = (f"wave:{waves[index - 1]}",) if index else ()
        yield Page(figures.wave_doc(wave), "manual/wave.html.j2",
                   {"figures": figures, "wave": wave}, (*before, f"wave:{wave}"))
