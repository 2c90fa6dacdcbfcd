"""`qms survey import`: a survey tool's export becomes a SERVQUAL wave file, answers only.

Header cells are matched by the user's regular expressions, whose group `item` names the item
number, so columns pair up whatever their order or language. Only the answers, the importance
points and a respondent id reach `audits/surveys/<wave>.csv`: names, phone numbers and every
other column of the export stay out of the repository.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from qms.base.errors import QmsError
from qms.base.files import atomic_write, folder_lock
from qms.base.links import is_inside, link_outside_message
from qms.format.config import Config
from qms.format.load import open_config
from qms.format.models import DIMENSIONS
from qms.format.tables import WEIGHT_PREFIX
from qms.measurement.surveysource import Export, read_export

ITEM_GROUP = "item"
DIMENSION_GROUP = "dimension"
WAVE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# What a `dimension` group may capture: the English names (any case) or the Chinese ones.
DIMENSION_NAMES: dict[str, str] = {
    **{d: d for d in DIMENSIONS},
    "有形性": "tangibles",
    "可靠性": "reliability",
    "响应性": "responsiveness",
    "保证性": "assurance",
    "移情性": "empathy",
}
NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
MAX_SHOWN_PROBLEMS = 20


@dataclass(frozen=True, slots=True)
class ImportRequest:
    """What to import and how its columns are recognised (the command's options)."""

    source: Path
    wave: str
    expectation: str
    perception: str
    respondent: str | None = None
    importance: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    force: bool = False


@dataclass(frozen=True, slots=True)
class Columns:
    """Which column of the export (by index) feeds which column of the wave."""

    expectation: dict[int, int]
    perception: dict[int, int]
    importance: dict[str, int]
    respondent: int | None
    ignored: list[str]


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import matched and wrote."""

    written: str
    replaced: bool
    read_as: str
    items: list[int]
    respondents: int
    importance: bool
    ignored: list[str]
    missing: dict[str, int]

    def summary(self) -> list[str]:
        """The lines the command prints: what was matched, ignored, missing and written."""
        missing = ", ".join(f"{c} {n}" for c, n in self.missing.items() if n) or "none"
        ignored = ", ".join(repr(c) for c in self.ignored) or "none"
        return [
            f"encoding: {self.read_as}",
            f"items: {item_ranges(self.items)} ({len(self.items)} expectation and "
            f"{len(self.items)} perception columns)"
            + ("; importance points for the five dimensions" if self.importance else ""),
            f"respondents: {self.respondents}",
            f"missing answers: {missing}",
            f"columns ignored ({len(self.ignored)}): {ignored}",
            f"{'replaced' if self.replaced else 'wrote'} {self.written}",
        ]


def item_ranges(items: list[int]) -> str:
    """1-4, 6, 9-22: item numbers in runs."""
    runs: list[list[int]] = []
    for item in sorted(items):
        if runs and item == runs[-1][-1] + 1:
            runs[-1].append(item)
        else:
            runs.append([item])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def column_name(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 -> A, 26 -> AA)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _pattern(option: str, text: str, group: str, example: str) -> re.Pattern[str]:
    try:
        pattern = re.compile(text)
    except re.error as exc:
        raise QmsError(f"{option} {text!r} is not a regular expression: {exc}") from None
    if group not in pattern.groupindex:
        raise QmsError(f"{option} {text!r} has no named group '{group}'; mark the part of the "
                       f"header that is the {group} with (?P<{group}>...), e.g. {example!r}")
    return pattern


def _instrument_items(config: Config) -> tuple[set[int], int]:
    items = {i for numbers in config.servqual.instrument.values() for i in numbers}
    return items, max(items, default=0)


def match_columns(header: list[str], request: ImportRequest, config: Config,
                  shown: str) -> Columns:
    """Pair the export's columns with the wave's; refuses anything ambiguous or incomplete."""
    item_example = r"^(?P<item>\d+)[.、].*期望"
    patterns = {
        "E": _pattern("--expectation", request.expectation, ITEM_GROUP, item_example),
        "P": _pattern("--perception", request.perception, ITEM_GROUP,
                      item_example.replace("期望", "感知")),
    }
    importance = (None if request.importance is None else _pattern(
        "--importance", request.importance, DIMENSION_GROUP, r"^(?P<dimension>\w+) points$"))
    respondent = _respondent_column(header, request.respondent, shown)
    found: dict[str, dict[int, int]] = {"E": {}, "P": {}}
    weights: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        where = f"{shown}: column {column_name(index)} ({cell!r})"
        hits = [kind for kind, pattern in patterns.items() if pattern.search(cell)]
        dimension = _dimension(importance, cell, where)
        if len(hits) + (dimension is not None) + (index == respondent) > 1:
            raise QmsError(f"{where} matches more than one of --expectation, --perception, "
                           "--importance and --respondent; make the expressions tell them apart")
        if hits:
            _add_item(found[hits[0]], patterns[hits[0]], cell, index, header, where)
        elif dimension is not None:
            if dimension in weights:
                raise QmsError(f"{where}: the importance of {dimension} is matched twice, "
                               f"also by column {column_name(weights[dimension])}")
            weights[dimension] = index
        elif index != respondent:
            ignored.append(cell)
    _check_items(found, config, shown, header)
    if importance is not None and set(weights) != set(DIMENSIONS):
        lacking = ", ".join(d for d in DIMENSIONS if d not in weights)
        raise QmsError(f"{shown}: --importance matched no column for {lacking}; the wave needs "
                       "the importance points of all five dimensions")
    return Columns(found["E"], found["P"], weights, respondent, ignored)


def _respondent_column(header: list[str], name: str | None, shown: str) -> int | None:
    if name is None:
        return None
    places = [i for i, cell in enumerate(header) if cell == name.strip()]
    if len(places) != 1:
        problem = "no column" if not places else f"{len(places)} columns"
        raise QmsError(f"{shown}: --respondent {name!r}: the header has {problem} of that name; "
                       "give one exact header, or leave the option out to number respondents "
                       "by row")
    return places[0]


def _dimension(pattern: re.Pattern[str] | None, cell: str, where: str) -> str | None:
    match = pattern.search(cell) if pattern is not None else None
    if match is None:
        return None
    text = (match.group(DIMENSION_GROUP) or "").strip()
    dimension = DIMENSION_NAMES.get(text.lower(), DIMENSION_NAMES.get(text))
    if dimension is None:
        raise QmsError(f"{where}: the dimension {text!r} of --importance is none of "
                       f"{', '.join(DIMENSIONS)} (or 有形性, 可靠性, 响应性, 保证性, 移情性)")
    return dimension


def _add_item(found: dict[int, int], pattern: re.Pattern[str], cell: str, index: int,
              header: list[str], where: str) -> None:
    match = pattern.search(cell)
    assert match is not None
    text = (match.group(ITEM_GROUP) or "").strip()
    if not text.isascii() or not text.isdigit():
        raise QmsError(f"{where}: the group 'item' captured {text!r}, not an item number; make "
                       r"it capture the digits only, e.g. (?P<item>\d+)")
    item = int(text)
    if item in found:
        first = found[item]
        raise QmsError(f"{where}: item {item} is matched twice, also by column "
                       f"{column_name(first)} ({header[first]!r}); make the expression match "
                       "one column per item")
    found[item] = index


def _check_items(found: dict[str, dict[int, int]], config: Config, shown: str,
                 header: list[str]) -> None:
    expected, perceived = set(found["E"]), set(found["P"])
    if not expected and not perceived:
        cells = ", ".join(repr(c) for c in header[:12]) + (", ..." if len(header) > 12 else "")
        raise QmsError(f"{shown}: no column matches --expectation or --perception; the header "
                       f"is {cells}; check the expressions (and the encoding, if the header "
                       "looks garbled)")
    for items, has, lacks in ((expected - perceived, "an expectation", "perception"),
                              (perceived - expected, "a perception", "expectation")):
        if items:
            raise QmsError(f"{shown}: item(s) {item_ranges(sorted(items))} have {has} column "
                           f"but no {lacks} column; every item needs both")
    instrument, _ = _instrument_items(config)
    if outside := expected - instrument:
        raise QmsError(f"{shown}: item(s) {item_ranges(sorted(outside))} are not in the "
                       f"instrument (servqual.instrument in qms.yaml has items "
                       f"{item_ranges(sorted(instrument))}); fix the expression or the instrument")
    if absent := instrument - expected:
        raise QmsError(f"{shown}: the instrument's item(s) {item_ranges(sorted(absent))} have no "
                       "columns; the export must hold every item of servqual.instrument (set it "
                       "in qms.yaml to the items the survey asked)")


def _answer(text: str, scale: tuple[int, int]) -> tuple[int | None, str]:
    """The answer in a cell (None when missing) and what is wrong with it ('' if nothing)."""
    text = text.strip()
    if not NUMBER.match(text):
        return None, ""  # blank, or "n/a", "不适用": a missing answer, never a zero
    value = float(text)
    if not value.is_integer():
        return None, f"{text} is not a whole number"
    if not scale[0] <= value <= scale[1]:
        return None, (f"{text} is outside the scale {scale[0]}..{scale[1]} "
                      "(servqual.scale in qms.yaml)")
    return int(value), ""


def _points(text: str) -> tuple[float, str]:
    text = text.strip()
    if not text:
        return 0.0, ""
    if not NUMBER.match(text) or float(text) < 0:
        return 0.0, f"{text!r} is not a number of points"
    return float(text), ""


def wave_text(export: Export, columns: Columns, config: Config,
              shown: str) -> tuple[str, int, dict[str, int]]:
    """The wave file's text, its number of respondents and the missing answers per column."""
    _, last = _instrument_items(config)
    scale = config.servqual.scale
    items = range(1, last + 1)
    names = [f"E{i}" for i in items] + [f"P{i}" for i in items]
    sources = ([columns.expectation.get(i) for i in items]
               + [columns.perception.get(i) for i in items])
    weights = [(f"{WEIGHT_PREFIX}{d}", columns.importance[d])
               for d in DIMENSIONS if d in columns.importance]
    missing = {name: 0 for name, source in zip(names, sources, strict=True) if source is not None}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["respondent", *names, *(name for name, _ in weights)])
    problems: list[str] = []
    seen: dict[str, int] = {}
    answers: dict[str, tuple[int | None, str]] = {}
    width = len(export.header)
    for row, short in export.rows:
        cells = short + [""] * (width - len(short))  # a short row's last cells are blank
        respondent = str(row) if columns.respondent is None else cells[columns.respondent].strip()
        if not respondent or respondent in seen:
            why = "is blank" if not respondent else f"repeats row {seen[respondent]}"
            problems.append(f"row {row}: the respondent id {why}")
        seen.setdefault(respondent, row)
        out = [respondent]
        for name, source in zip(names, sources, strict=True):
            value: int | None = None
            if source is not None:
                cell = cells[source]
                # a few distinct texts ("5", "", "不清楚") fill the 440,000 cells of a big export
                found = answers.get(cell)
                if found is None:
                    found = answers[cell] = _answer(cell, scale)
                value, problem = found
                if problem:
                    problems.append(f"row {row}, column {column_name(source)} ({name}): {problem}")
                elif value is None:
                    missing[name] += 1
            out.append("" if value is None else str(value))
        if weights:
            points = [_points(cells[source]) for _, source in weights]
            problems.extend(f"row {row}, column {column_name(source)}: {problem}"
                            for (_, source), (_, problem) in zip(weights, points, strict=True)
                            if problem)
            total = sum(p for p, _ in points)
            if abs(total - 100) > 1e-6:
                problems.append(f"row {row}: the importance points sum to {total:g}, not 100")
            out.extend(cells[source].strip() for _, source in weights)
        writer.writerow(out)
    if problems:
        more = len(problems) - MAX_SHOWN_PROBLEMS
        listed = "\n  ".join(problems[:MAX_SHOWN_PROBLEMS]) + (f"\n  ... and {more} more"
                                                                if more > 0 else "")
        raise QmsError(f"{shown}: {len(problems)} problem(s); nothing was written; correct the "
                       f"export and import it again:\n  {listed}")
    if not export.rows:
        raise QmsError(f"{shown}: the export has a header but no respondents; nothing was written")
    return buffer.getvalue(), len(export.rows), missing


def _target(root: Path, config: Config, wave: str) -> Path:
    if not WAVE_NAME.match(wave):
        raise QmsError(f"--wave {wave!r} is not a wave name; use letters, digits, '-' and '_' "
                       "(at most 64, e.g. 2026-q1); it names the file audits/surveys/<wave>.csv")
    target = root / config.paths.surveys / f"{wave}.csv"
    if not is_inside(target, root):
        shown = target.relative_to(root).as_posix()
        raise QmsError(f"{shown} {link_outside_message(target, writing=True)}")
    return target


def import_survey(repo: Path, request: ImportRequest) -> ImportResult:
    """Import an export as the wave `request.wave`; nothing is written unless all is well."""
    root, config = open_config(repo)
    target = _target(root, config, request.wave)
    shown_target = target.relative_to(root).as_posix()

    def refuse_existing() -> None:
        if target.exists() and not request.force:
            raise QmsError(f"{shown_target} exists; pass --force to replace the wave "
                           "(nothing was written)")

    refuse_existing()
    export = read_export(request.source, request.encoding, request.sheet)
    columns = match_columns(export.header, request, config, request.source.name)
    text, respondents, missing = wave_text(export, columns, config, request.source.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    with folder_lock(target.parent):
        refuse_existing()  # another import may have written the wave since the first look
        replaced = target.exists()
        atomic_write(target, text)
    return ImportResult(shown_target, replaced, export.read_as, sorted(columns.expectation),
                        respondents, bool(columns.importance), columns.ignored, missing)
