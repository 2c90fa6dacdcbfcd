"""A standard's measures on its own page: each measure and site's latest month against the
target, with a sparkline of its monthly means and a link to the measure's page.

The rows are `kpi_rows` by month (the measurement library), for the standard alone: from the
build's rows of every measure when they were worked out (a clean build), else by asking the
library for this standard's readings only (an edit re-renders a page or two). The page's
inputs already hold its measures' readings (pages._standard_inputs), so a reading edited
re-renders its standard's page and no other standard's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html import escape

from markupsafe import Markup

from qms.format.models import Standard
from qms.manual.htmlpages import page_link, shown_text
from qms.manual.measurepages import Measurement
from qms.measurement.kpi import Row, figure
from qms.measurement.targets import parse_target

SPARK_W, SPARK_H, PAD = 96, 22, 3


@dataclass(frozen=True)
class Result:
    """One measure (and site) of a standard: its latest month and its monthly means."""

    measure_id: str
    metric: str
    doc: str | None
    site: str
    latest: Row | None
    means: list[float]
    target: str

    @property
    def mean(self) -> str:
        """The latest month's mean, rounded for reading."""
        return figure(self.latest["mean"]) if self.latest else "—"


def sparkline(means: list[float], target: float | None, title: str) -> Markup:
    """A small line of the monthly means, the target dashed, the latest point marked."""
    if not means:
        return Markup("")
    values = means + ([target] if target is not None else [])
    low, high = min(values), max(values)
    span = high - low or 1.0

    def y(value: float) -> float:
        return round(SPARK_H - PAD - (value - low) / span * (SPARK_H - 2 * PAD), 2)

    across = _across(len(means))
    points = " ".join([f"{x},{y(v)}" for x, v in zip(across, means, strict=True)])
    last_x = across[-1]
    goal = (f'<line x1="0" y1="{y(target)}" x2="{SPARK_W}" y2="{y(target)}" '
            'stroke="currentColor" stroke-width="0.8" stroke-dasharray="3 2" opacity="0.6"/>'
            if target is not None else "")
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qms-sparkline" role="img" '
        f'width="{SPARK_W}" height="{SPARK_H}" viewBox="0 0 {SPARK_W} {SPARK_H}">'
        f"<title>{escape(title, quote=False)}</title>{goal}"
        f'<polyline points="{points}" fill="none" stroke="currentColor" stroke-width="1.2"/>'
        f'<circle cx="{last_x}" cy="{y(means[-1])}" r="2" fill="currentColor"/></svg>')


@lru_cache(maxsize=64)  # a standard's sparklines mostly have the same number of months
def _across(count: int) -> tuple[float, ...]:
    """Where each of `count` points of a sparkline stands across it (rounded as drawn)."""
    step = (SPARK_W - 2 * PAD) / max(count - 1, 1)
    return tuple(round(PAD + i * step, 2) for i in range(count))


class StandardResults:
    """The latest results of one standard's measures, for its page."""

    def __init__(self, measurement: Measurement, standard: Standard) -> None:
        self.measurement, self.standard = measurement, standard

    def results(self) -> list[Result]:
        """One result per measure and site with readings, and one per measure without."""
        if not self.standard.measures:
            return []
        by_series: dict[tuple[str, str], list[Row]] = {}
        for row in self.measurement.rows_of(self.standard.id):
            by_series.setdefault((row["measure"], row["site"]), []).append(row)
        found = []
        for measure in self.standard.measures:
            doc = self.measurement.page(self.standard.id, measure.id)
            series = sorted((site, rows) for (m, site), rows in by_series.items()
                            if m == measure.id)
            for site, rows in series or [("", [])]:
                rows.sort(key=lambda r: r["period"])
                found.append(Result(measure.id, measure.metric, doc, site,
                                    rows[-1] if rows else None, [r["mean"] for r in rows],
                                    measure.target or ""))
        return found

    def table(self, pagename: str) -> Markup:
        """The page's 'Latest results': a rubric and a table of the results (none without),
        as a template writing them row by row would, with a tenth of the calls."""
        found = self.results()
        if not found:
            return Markup("")
        _ = self.measurement.translate
        shown_name = self.measurement.shown_name
        heads = [_("Metric"), _("Site"), _("Month"), _("Mean"), _("Target"), _("State"),
                 _("Monthly means")]
        states: dict[str, str] = {}  # each state's cell, worded once
        parts = [f'<p class="rubric">{shown_text(_("Latest results"))}</p>\n'
                 '<div class="table-wrapper qms-table qms-results no-search docutils container">\n'
                 '<table class="qms-table qms-results no-search docutils align-default">\n'
                 '<thead><tr class="row-odd">'
                 + "".join(f'<th class="head"><p>{shown_text(h)}</p></th>' for h in heads)
                 + "</tr></thead>\n<tbody>\n"]
        for index, r in enumerate(found):
            metric = page_link(pagename, r.metric, r.doc) if r.doc else shown_text(r.metric)
            state = r.latest["state"] if r.latest else "no-data"
            if state not in states:
                states[state] = (f'<span class="qms-{shown_text(state)}">'
                                 f"{shown_text(_(state))}</span>")
            cells = (metric, shown_text(shown_name(str(r.site))) if r.site else "—",
                     shown_text(r.latest["period"]) if r.latest else "—", shown_text(r.mean),
                     shown_text(r.target) if r.target else "—", states[state], self.spark(r))
            parts.append(f'<tr class="{"row-odd" if index % 2 else "row-even"}">'
                         + "".join(f"<td><p>{cell}</p></td>" for cell in cells) + "</tr>\n")
        parts.append("</tbody>\n</table>\n</div>\n")
        return Markup("".join(parts))

    def spark(self, result: Result) -> Markup:
        """The sparkline of one result, titled with what it shows."""
        _ = self.measurement.translate
        target = parse_target(result.target or None)
        means = result.means
        title = _("{metric}: monthly means, {first} to {last}", metric=result.metric,
                  first=figure(means[0]), last=figure(means[-1])) if means else ""
        return sparkline(means, target.value if target else None, title)
