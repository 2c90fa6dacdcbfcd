"""CSV tables of the format: KPI readings, SQI counts and SERVQUAL survey waves."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

from qms.base.csvread import csv_records, read_csv_file
from qms.base.issues import Issue, error
from qms.base.yamlread import YamlProblem, decode

KPI_COLUMNS = ("date", "standard", "measure", "value")
KPI_OPTIONAL = ("site", "note")
SQI_COLUMNS = ("date", "category", "count")
SQI_OPTIONAL = ("volume",)
WEIGHT_PREFIX = "W_"


class KpiReading(NamedTuple):
    """One KPI reading of a measure of a hard standard."""

    # A named tuple, not a frozen dataclass: as immutable, and made eight times faster (a
    # frozen dataclass sets each field through object.__setattr__), which 100,000 readings
    # read on every `qms kpi` notice.

    path: str
    line: int
    date: date
    standard: str
    measure: str
    value: float
    site: str
    note: str


@dataclass(frozen=True, slots=True)
class SqiCount:
    """How many failures of one SQI category happened on one day."""

    path: str
    line: int
    date: date
    category: str
    count: int
    volume: int | None


@dataclass(frozen=True, slots=True)
class SurveyResponse:
    """One respondent's expectation (E) and perception (P) answers and importance points."""

    line: int
    respondent: str
    expectations: dict[int, int | None]
    perceptions: dict[int, int | None]
    weights: dict[str, float] | None


@dataclass(frozen=True, slots=True)
class SurveyWave:
    """A SERVQUAL survey wave: one CSV file of responses."""

    id: str
    path: str
    responses: tuple[SurveyResponse, ...]


def read_records(path: Path, shown: str, raw: bytes | None = None
                 ) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and the (line, stripped cells) of each non-blank record of a CSV file (of
    `raw`, its bytes, when they were read already); raises YamlProblem if unreadable or a
    record has more cells than the header names."""
    records = read_csv_file(path) if raw is None else csv_records(decode(raw))
    first = next(records, None)
    if first is None:
        raise YamlProblem(1, "empty", "the CSV file is empty; it needs a header row")
    header = [h.strip() for h in first[1]]

    def cells() -> Iterator[tuple[int, list[str]]]:
        strip = str.strip
        for line, raw in records:
            stripped = list(map(strip, raw))
            if not any(stripped):
                continue
            if len(stripped) > len(header):
                raise YamlProblem(
                    line,
                    "csv-value",
                    f"{len(stripped)} cells but the header names {len(header)} columns",
                )
            yield line, stripped

    return header, cells()


def read_rows(path: Path, shown: str, raw: bytes | None = None
              ) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header and the (line, row) pairs of a CSV file (of `raw`, its bytes, if read);
    raises YamlProblem if unreadable."""
    header, records = read_records(path, shown, raw)
    return header, ((line, dict(zip(header, cells, strict=False))) for line, cells in records)


def check_header(header: list[str], required: tuple[str, ...], optional: tuple[str, ...]) -> str:
    """An explanation of what is wrong with a header, or '' when it is right."""
    missing = [c for c in required if c not in header]
    extra = [c for c in header if c not in required + optional]
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if extra:
            parts.append("unknown " + ", ".join(extra))
        return f"{'; '.join(parts)}; the header is {','.join(required + optional)}"
    return ""


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@functools.lru_cache(maxsize=4096)  # a year of daily readings repeats each date many times
def parse_date(text: str) -> date | None:
    """A YYYY-MM-DD date, or None if the text is not one."""
    try:
        return date.fromisoformat(text) if _DATE.fullmatch(text) else None
    except ValueError:
        return None


INFINITIES = (float("inf"), float("-inf"))


def parse_number(text: str) -> float | None:
    """A finite number, or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def parse_int(text: str) -> int | None:
    """A whole number (no sign, no decimals), or None."""
    return int(text) if re.fullmatch(r"[0-9]+", text) else None


def bad_cell(shown: str, line: int, column: str, value: str, expected: str) -> Issue:
    """A csv-value issue naming the column, the value and what was expected."""
    return error(shown, line, "csv-value", f"column '{column}': {value!r} is not {expected}")


def read_kpis(path: Path, shown: str, raw: bytes | None = None
              ) -> tuple[list[KpiReading], list[Issue]]:
    """Read a KPI readings CSV: `date,standard,measure,value[,site][,note]` (`raw`: its
    bytes, if read)."""
    readings: list[KpiReading] = []
    issues: list[Issue] = []
    try:
        header, records = read_records(path, shown, raw)
        if problem := check_header(header, KPI_COLUMNS, KPI_OPTIONAL):
            return [], [error(shown, 1, "csv-header", problem)]
        # Cells by position, not a dict per row: 100,000 readings are read on every `qms kpi`.
        at = {name: header.index(name) for name in (*KPI_COLUMNS, *KPI_OPTIONAL) if name in header}
        width = len(header)
        at_date, at_standard, at_measure, at_value = (at[c] for c in KPI_COLUMNS)
        at_site, at_note = at.get("site"), at.get("note")
        append, reading = readings.append, KpiReading
        for line, cells in records:
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            day_text, value_text = cells[at_date], cells[at_value]
            day = parse_date(day_text)
            try:  # parse_number, written out for the 100,000 readings
                value: float | None = float(value_text)
            except ValueError:
                value = None
            else:
                if value != value or value in INFINITIES:
                    value = None
            if day is not None and value is not None:
                append(reading(shown, line, day, cells[at_standard], cells[at_measure], value,
                               "" if at_site is None else cells[at_site],
                               "" if at_note is None else cells[at_note]))
                continue
            if day is None:
                issues.append(bad_cell(shown, line, "date", day_text, "a YYYY-MM-DD date"))
            if value is None:
                issues.append(bad_cell(shown, line, "value", value_text, "a number"))
    except YamlProblem as p:
        issues.append(error(shown, p.line, p.code, p.message))
    return readings, issues


def read_sqi(path: Path, shown: str, raw: bytes | None = None
             ) -> tuple[list[SqiCount], list[Issue]]:
    """Read an SQI counts CSV: `date,category,count[,volume]` (`raw`: its bytes, if read)."""
    counts: list[SqiCount] = []
    issues: list[Issue] = []
    try:
        header, rows = read_rows(path, shown, raw)
        if problem := check_header(header, SQI_COLUMNS, SQI_OPTIONAL):
            return [], [error(shown, 1, "csv-header", problem)]
        for line, row in rows:
            day, count = parse_date(row.get("date", "")), parse_int(row.get("count", ""))
            volume_text = row.get("volume", "")
            volume = parse_int(volume_text) if volume_text else None
            if day is None:
                issues.append(
                    bad_cell(shown, line, "date", row.get("date", ""), "a YYYY-MM-DD date")
                )
            if count is None:
                issues.append(
                    bad_cell(shown, line, "count", row.get("count", ""), "a whole number")
                )
            if volume_text and volume is None:
                issues.append(bad_cell(shown, line, "volume", volume_text, "a whole number"))
            if day is not None and count is not None and (volume is not None or not volume_text):
                counts.append(SqiCount(shown, line, day, row.get("category", ""), count, volume))
    except YamlProblem as p:
        issues.append(error(shown, p.line, p.code, p.message))
    return counts, issues


def read_survey(
    path: Path, shown: str, items: int, scale: tuple[int, int], dimensions: tuple[str, ...],
    raw: bytes | None = None,
) -> tuple[SurveyWave | None, list[Issue]]:
    """Read a SERVQUAL wave: `respondent,E1..En,P1..Pn[,W_<dimension>...]` (`raw`: its
    bytes, if read)."""
    issues: list[Issue] = []
    required = (
        "respondent",
        *(f"E{i}" for i in range(1, items + 1)),
        *(f"P{i}" for i in range(1, items + 1)),
    )
    weight_columns = tuple(WEIGHT_PREFIX + d for d in dimensions)
    responses: list[SurveyResponse] = []
    try:
        header, rows = read_rows(path, shown, raw)
        if problem := check_header(header, required, weight_columns):
            return None, [error(shown, 1, "csv-header", problem)]
        has_weights = any(c in header for c in weight_columns)
        # The answers on the scale as written plainly: looked up, not parsed (8,800 cells).
        plain = {str(value): value for value in range(scale[0], scale[1] + 1)}
        for line, row in rows:
            answers = {}
            for column in required[1:]:
                text = row.get(column, "")
                answer = plain.get(text)
                answers[column] = answer if answer is not None else _survey_answer(
                    text, column, scale, shown, line, issues
                )
            weights = _importance(row, weight_columns, shown, line, issues) if has_weights else None
            responses.append(
                SurveyResponse(
                    line,
                    row.get("respondent", ""),
                    {i: answers[f"E{i}"] for i in range(1, items + 1)},
                    {i: answers[f"P{i}"] for i in range(1, items + 1)},
                    weights,
                )
            )
    except YamlProblem as p:
        issues.append(error(shown, p.line, p.code, p.message))
    return SurveyWave(path.stem, shown, tuple(responses)), issues


def _survey_answer(
    text: str, column: str, scale: tuple[int, int], shown: str, line: int, issues: list[Issue]
) -> int | None:
    if not text:
        return None  # a blank cell is a missing answer, not a zero
    value = parse_int(text.lstrip("-")) if text.lstrip("-").isdigit() else None
    if value is None:
        issues.append(bad_cell(shown, line, column, text, "a whole number"))
        return None
    value = -value if text.startswith("-") else value
    if not scale[0] <= value <= scale[1]:
        issues.append(
            error(
                shown,
                line,
                "survey-scale",
                f"column '{column}': {value} is outside the scale "
                f"{scale[0]}..{scale[1]} (servqual.scale in qms.yaml)",
            )
        )
        return None
    return value


def _importance(
    row: dict[str, str], columns: tuple[str, ...], shown: str, line: int, issues: list[Issue]
) -> dict[str, float] | None:
    weights: dict[str, float] = {}
    for column in columns:
        value = parse_number(row.get(column, "") or "0")
        if value is None or value < 0:
            issues.append(bad_cell(shown, line, column, row.get(column, ""), "a number of points"))
            return None
        weights[column[len(WEIGHT_PREFIX) :]] = value
    total = sum(weights.values())
    if abs(total - 100) > 1e-6:
        issues.append(
            error(shown, line, "importance-sum", f"the importance points sum to {total:g}, not 100")
        )
        return None
    return weights
