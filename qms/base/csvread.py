"""The one CSV reader: tables of the format and audit answer files alike.

The text is split into records by the csv module itself (`newline=""`), never into lines first,
so a quoted cell may hold a line break, a U+2028 or any other character `str.splitlines` breaks
at. Each record comes with the line it starts on, for messages that point into the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from qms.base.yamlread import YamlProblem, read_text


def csv_records(text: str, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """The (first line, cells) of every record of CSV text; raises YamlProblem if malformed."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1  # line_num is the last line the record used
    except csv.Error as exc:
        raise YamlProblem(start, "syntax", f"CSV: {exc}") from None


def read_csv_file(path: Path) -> Iterator[tuple[int, list[str]]]:
    """The records of a CSV file (UTF-8, a BOM allowed, at most yamlread.MAX_BYTES)."""
    return csv_records(read_text(path))
