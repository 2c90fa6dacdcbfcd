"""Checks of the CSV tables against the rest of the repository: each KPI reading names a
measure of a standard, each SQI row a category of qms.yaml with one volume a day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from operator import attrgetter

from qms.base.issues import Issue, error
from qms.format.project import Project
from qms.format.schema import did_you_mean

_MEASURE_OF = attrgetter("standard", "measure")


def check_tables(project: Project) -> Iterator[Issue]:
    """KPI readings refer to real measures; SQI rows to real categories with one volume a day."""
    # every (standard, measure) pair once, not a set of a standard's measures per reading
    measures = {(s.id, m.id) for s in project.standards.values() for m in s.measures}
    # the readings of unknown pairs only (100,000 readings name a few thousand pairs)
    unknown = set(map(_MEASURE_OF, project.kpis)) - measures
    for reading in [r for r in project.kpis if _MEASURE_OF(r) in unknown] if unknown else []:
        standard = project.standards.get(reading.standard)
        if standard is None and reading.standard in project.invalid_ids:
            continue
        if standard is None:
            yield error(
                reading.path,
                reading.line,
                "unknown-reference",
                f"the standard {reading.standard} does not exist"
                f"{did_you_mean(reading.standard, list(project.standards))}",
            )
        elif (standard.id, reading.measure) not in measures:
            ids = [m.id for m in standard.measures]
            yield error(
                reading.path,
                reading.line,
                "unknown-reference",
                f"{standard.id} has no measure '{reading.measure}'"
                f"{did_you_mean(reading.measure, ids)}; its measures: "
                f"{', '.join(ids) or 'none'}",
            )
    weights = project.config.sqi.weights
    volumes: dict[tuple[str, date], int] = {}
    for count in project.sqi:
        if count.category not in weights:
            yield error(
                count.path,
                count.line,
                "unknown-reference",
                f"the SQI category '{count.category}' is not in sqi.weights of qms.yaml"
                f"{did_you_mean(count.category, list(weights))}",
            )
        if count.volume is not None:
            first = volumes.setdefault((count.path, count.date), count.volume)
            if first != count.volume:
                yield error(
                    count.path,
                    count.line,
                    "sqi-volume",
                    f"the volume of {count.date.isoformat()} is {count.volume} here but "
                    f"{first} on an earlier row; a day has one volume",
                )
