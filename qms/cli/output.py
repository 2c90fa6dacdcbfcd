"""Tabular output for terminal commands: aligned table, CSV or JSON."""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

import click

from qms.base.safetext import neutralise_formula, visible
from qms.cli.options import PATH_ARG

FORMATS = ("table", "csv", "json")
MAX_COLUMN = 60  # no column wider, even on a wide terminal: long text is cut with an ellipsis
MIN_COLUMN = 6  # fitting the terminal narrows no column below its header or this
GUTTER = 2  # spaces between columns


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _csv_cell(value: Any) -> str:
    text = _cell(value)
    # a number stays a number (a negative reading is no formula); only text gets the guard
    return text if isinstance(value, (int, float)) else neutralise_formula(text)


def render_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str,
                width: int | None = None) -> str:
    """Render rows (dicts with the given columns) as a table, CSV or JSON text.

    A table fits `width` columns, or the terminal's width (see terminal_columns) when not given.
    """
    if fmt == "json":
        data = [{c: _json_value(r.get(c)) for c in columns} for r in rows]
        return json.dumps(data, indent=2, ensure_ascii=False, default=str)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for record in rows:
            writer.writerow([_csv_cell(record.get(c)) for c in columns])
        return buffer.getvalue().rstrip("\n")
    return _table(rows, columns, width if width is not None else terminal_columns())


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[str], limit: int | None) -> str:
    headers = [c.upper() for c in columns]
    # Column by column (a table of KPI periods has hundreds of thousands of cells): each cell's
    # text and width worked out once, then every line joined from the padded columns.
    cells = [_column(list(values)) for values in _by_column(rows, columns)]
    widths = [min(MAX_COLUMN, max([display_width(h), *sizes])) for h, (_, sizes, _) in zip(
        headers, cells, strict=True)]
    if limit is not None:
        widths = _fit(widths, headers, limit)
    # A column of ASCII cells that all fit is padded by the line's %-format (one call a line);
    # the others are padded (or cut) cell by cell first.
    fits = [ascii and (not sizes or max(sizes) <= width)
            for (_, sizes, ascii), width in zip(cells, widths, strict=True)]
    line = (" " * GUTTER).join(f"%-{width}s" if fit else "%s"
                               for width, fit in zip(widths, fits, strict=True))
    shown = [texts if fit else _padded(texts, sizes, width)
             for (texts, sizes, _), width, fit in zip(cells, widths, fits, strict=True)]
    lines = [_line([_sized(h) for h in headers], widths)]
    lines += [(line % cells).rstrip() for cells in zip(*shown, strict=True)]
    return "\n".join(lines)


def _by_column(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> list[Sequence[Any]]:
    """Each column's values (None where a row lacks the column)."""
    if len(columns) > 1:  # (itemgetter of one column gives the value, not a tuple)
        try:
            return list(zip(*map(itemgetter(*columns), rows), strict=True)) or [() for _ in columns]
        except KeyError:
            pass  # a row lacks a column
    return [[r.get(c) for r in rows] for c in columns]


def _column(values: list[Any]) -> tuple[list[str], list[int], bool]:
    """A column's cell texts, their widths in terminal columns, and whether all are ASCII."""
    # One check at C speed for a column of text, the usual case. Only plain str: any other value
    # (a str subclass too) is shown as its str(), cell by cell below.
    joined = "".join(values) if set(map(type, values)) <= {str} else "\n"
    if joined.isprintable():
        texts = values
    else:
        texts = [v if v.__class__ is str else _cell(v) for v in values]
        joined = "".join(texts)
        if not joined.isprintable():
            texts = list(map(_terminal_cell, texts))
            joined = "".join(texts)
    if joined.isascii():
        return texts, list(map(len, texts)), True
    return texts, [len(t) if t.isascii() else display_width(t) for t in texts], False


def _padded(texts: list[str], sizes: list[int], width: int) -> list[str]:
    """A column's cells padded (or cut) to its width."""
    # (ljust where a character takes one column and the text fits: most cells, at C speed)
    return [t.ljust(width) if size == len(t) and size <= width else _pad(t, size, width)
            for t, size in zip(texts, sizes, strict=True)]


def _sized(text: str) -> tuple[str, int]:
    return text, display_width(text)  # measured once: the widths and the padding both need it


def _terminal_cell(text: str) -> str:
    if text.isprintable():
        return text  # the usual case: nothing to replace or escape
    # a table row is one line: line breaks and tabs become spaces, other controls are escaped
    return visible(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))


def _line(cells: Sequence[tuple[str, int]], widths: Sequence[int]) -> str:
    padded = (_pad(text, size, width) for (text, size), width in zip(cells, widths, strict=True))
    return (" " * GUTTER).join(padded).rstrip()


def _pad(text: str, size: int, width: int) -> str:
    if size > width:
        text, size = _clip_sized(text, width)
    elif size == len(text):
        return text.ljust(width)  # one column a character (ASCII): the quick way
    return text + " " * (width - size)


def _fit(widths: list[int], headers: Sequence[str], limit: int) -> list[int]:
    """Narrow the widest columns, one column at a time, until the table fits the limit."""
    widths = list(widths)
    floors = [min(w, max(display_width(h), MIN_COLUMN)) for w, h in zip(widths, headers,
                                                                         strict=True)]
    excess = sum(widths) + GUTTER * (len(widths) - 1) - limit
    while excess > 0:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break  # more columns than the terminal holds: rows wrap, but nothing is lost
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    return widths


def terminal_columns() -> int | None:
    """The width a table must fit: the terminal's (COLUMNS if set); None when piped."""
    if os.environ.get("COLUMNS", "").strip().isdigit() or sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def display_width(text: str) -> int:
    """How many terminal columns text takes: wide and fullwidth characters two, marks none."""
    if text.isascii():
        return len(text)
    return sum(map(_char_width, text))


@functools.lru_cache(maxsize=8192)
def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def clip(text: str, width: int) -> str:
    """The text cut to `width` terminal columns, ending in an ellipsis when it was longer."""
    return text if display_width(text) <= width else _clip_sized(text, width)[0]


def _clip_sized(text: str, width: int) -> tuple[str, int]:
    """Text longer than `width` columns cut to fit with an ellipsis, and the columns it takes."""
    if text.isascii():
        return text[: width - 1] + "…", width
    kept, used = [], 0
    for char in text:
        size = _char_width(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept) + "…", used + 1


def format_option(function: Any) -> Any:
    """The --format option shared by listing commands."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Aligned table, CSV or JSON.",
    )(function)


REPORT_FORMATS = (*FORMATS, "xlsx")


def report_options(function: Any) -> Any:
    """--format table|csv|json|xlsx and -o FILE, for commands that report rows."""
    function = click.option("-o", "--output", type=PATH_ARG, default=None,
                            help="Write to this file (needed for xlsx).")(function)
    return click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="table",
                        show_default=True, help="Aligned table, CSV, JSON or an Excel workbook."
                        )(function)


def emit_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str,
          output: Path | None, title: str) -> None:
    """Print the rows (or write them to output) in the format asked for."""
    if fmt == "xlsx":
        if output is None:
            raise click.UsageError("--format xlsx needs -o FILE.xlsx")
        from qms.base.xlsxout import write_xlsx

        write_xlsx(rows, columns, output, title)
        click.echo(f"wrote {len(rows)} row(s) to {output}", err=True)
        return
    emit_text(render_rows(rows, columns, fmt), output, f"wrote {len(rows)} row(s) to {output}")


def emit_text(text: str, output: Path | None, wrote: str | None = None) -> None:
    """Print text, or write it to the output file and say so on stderr."""
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(wrote or f"wrote {output}", err=True)


def emit_json(data: Any, output: Path | None) -> None:
    """Print data as indented JSON (text kept as written), or write it to the output file."""
    emit_text(json.dumps(data, ensure_ascii=False, indent=2), output)
