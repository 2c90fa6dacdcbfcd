"""Listings as an Excel workbook, for auditors and managers who work in spreadsheets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from qms.base.safetext import visible

XML_KEEPS = "\t\n\r"  # the only control characters a workbook (XML 1.0) can hold


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones
    return value


def append_text_row(sheet: Any, values: Sequence[Any]) -> None:
    """Append a row to a sheet in which text stays text: never a formula, controls visible."""
    sheet.append([visible(v, XML_KEEPS) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # openpyxl writes text that starts with '=' as a formula


def write_xlsx(rows: Sequence[dict[str, Any]], columns: Sequence[str], path: Path,
               title: str) -> None:
    """Write rows as one sheet: a bold, frozen header with filters; dates as Excel dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = title[:31]
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_text_row(sheet, [_cell(row.get(c)) for c in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        width = max([len(column)] + [len(str(row.get(column) or "")) for row in rows[:500]])
        sheet.column_dimensions[letter].width = min(60, width + 2)
        if any(isinstance(row.get(column), date) for row in rows[:50]):
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
