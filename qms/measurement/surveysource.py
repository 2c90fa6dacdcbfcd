"""Reading a survey tool's export: CSV or tab-separated text in whatever encoding, or XLSX.

Survey platforms export GBK/GB18030 (Chinese), CP949 (Korean), UTF-16 (Excel's "Unicode text",
tab-separated) or UTF-8 with or without a byte-order mark. A byte-order mark decides; then valid
UTF-8 is UTF-8; otherwise charset-normalizer guesses, and the guess is reported so that a wrong
one can be overridden with --encoding. Every export becomes the same thing: a header and rows of
text cells, numbered as a spreadsheet numbers them (the header is row 1).
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from qms.base.csvread import csv_records
from qms.base.errors import QmsError
from qms.base.yamlread import YamlProblem

MAX_EXPORT_BYTES = 200 * 1024 * 1024  # a 10,000-row export is a few MB; this is no survey
XLSX_MAGIC = b"PK\x03\x04"  # an XLSX workbook is a zip archive
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the binary .xls of Excel 97-2003
# Detected legacy encodings are read with the superset the platforms really write: a GBK or
# GB2312 guess made from a sample must not fail on a GB18030-only character further down.
SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "euc_kr": "cp949"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its mark starts with UTF-16 LE's
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class Export:
    """A survey export as text cells: header, (row number, cells) pairs, how it was read."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    read_as: str  # "gb18030 (detected)", "cp949 (--encoding)", "XLSX sheet 'Sheet1'"


def read_export(path: Path, encoding: str | None, sheet: str | None) -> Export:
    """Read a CSV/text or XLSX export; every problem is a QmsError naming the file."""
    shown = path.name
    if encoding is not None:
        _check_encoding(encoding)
    try:
        size = path.stat().st_size
        if size > MAX_EXPORT_BYTES:
            raise QmsError(f"{shown}: the file is {size / 2**20:.0f} MB; a survey export is "
                           f"read up to {MAX_EXPORT_BYTES // 2**20} MB")
        with path.open("rb") as handle:
            start = handle.read(4)
    except OSError as exc:
        raise QmsError(f"{shown}: cannot read the file: {exc.strerror}") from None
    if start.startswith(OLE_MAGIC):
        raise QmsError(f"{shown}: this is an old Excel 97-2003 workbook (.xls); save it as .xlsx "
                       "or CSV and import that")
    if start.startswith(XLSX_MAGIC):
        if encoding is not None:
            raise QmsError(f"{shown}: an XLSX workbook has no text encoding; leave out --encoding")
        return _read_xlsx(path, shown, sheet)
    if sheet is not None:
        raise QmsError(f"{shown}: --sheet is for XLSX workbooks; this file is CSV or text")
    return _read_text(path.read_bytes(), shown, encoding)


def _check_encoding(encoding: str) -> None:
    try:  # (not b"": decoding nothing skips the lookup) also refuses base64 and other non-text
        b"x".decode(encoding)
    except UnicodeDecodeError:
        pass  # a text encoding that cannot read one byte alone (utf-16)
    except LookupError:
        raise QmsError(f"unknown encoding {encoding!r} (--encoding); give a text encoding such "
                       "as utf-8, utf-8-sig, gb18030, gbk, cp949, utf-16") from None


def _detect(raw: bytes, shown: str) -> tuple[str, str]:
    """The encoding to decode raw with and how it was chosen."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name, "byte-order mark"
    try:
        raw.decode("utf-8")
        return "utf-8", "detected"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise QmsError(f"{shown}: cannot tell the file's encoding; give it with --encoding "
                       "(e.g. gb18030, cp949, utf-16)")
    name = codecs.lookup(best.encoding).name.replace("-", "_")
    return SUPERSETS.get(name, name).replace("_", "-"), "detected"


def _read_text(raw: bytes, shown: str, encoding: str | None) -> Export:
    name, how = (encoding, "--encoding") if encoding is not None else _detect(raw, shown)
    try:
        text = raw.decode(name)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise QmsError(f"{shown}: line {line}: byte 0x{raw[exc.start]:02x} cannot be read as "
                       f"{name} ({how}); give the file's encoding with --encoding "
                       "(e.g. gb18030, cp949, utf-16)") from None
    text = text.removeprefix("\ufeff")  # a mark the codec kept (utf-8 given for a BOM file)
    first_line = text.split("\n", 1)[0]
    delimiter = max(("\t", ";"), key=first_line.count)
    if first_line.count(delimiter) <= first_line.count(","):
        delimiter = ","
    try:
        records = [cells for _, cells in csv_records(text, delimiter)]
    except YamlProblem as problem:
        raise QmsError(f"{shown}: line {problem.line}: {problem.message}") from None
    read_as = f"{name} ({how})" + (", tab-separated" if delimiter == "\t" else "")
    return _export(records, shown, read_as)


def _export(records: list[list[str]], shown: str, read_as: str) -> Export:
    if not records:
        raise QmsError(f"{shown}: the file is empty; an export starts with a header row")
    header = [cell.strip() for cell in records[0]]
    rows = [(number, cells) for number, cells in enumerate(records[1:], start=2)
            if any(cell.strip() for cell in cells)]  # an empty row is no respondent
    return Export(header, rows, read_as)


def _read_xlsx(path: Path, shown: str, sheet: str | None) -> Export:
    from qms.measurement.xlsxsheet import XlsxProblem, open_workbook

    unreadable = (XlsxProblem, zipfile.BadZipFile, KeyError, ValueError, OSError,
                  EOFError, zipfile.LargeZipFile)
    try:
        book = open_workbook(path)
    except unreadable as exc:
        raise QmsError(f"{shown}: not an Excel workbook (.xlsx) that qms can read ({exc}); "
                       "save the export again as .xlsx or CSV") from None
    with book.archive:
        if sheet is not None and sheet not in book.names:
            names = ", ".join(repr(n) for n in book.names)
            raise QmsError(f"{shown}: there is no sheet {sheet!r} (--sheet); the sheets are "
                           f"{names}")
        if sheet is not None and sheet not in book.worksheets:
            raise QmsError(f"{shown}: the sheet {sheet!r} is a chart, not a table of answers; "
                           "give the sheet with the answers (--sheet)")
        if not book.worksheets:
            raise QmsError(f"{shown}: the workbook has no worksheet; save the export again as "
                           ".xlsx or CSV")
        title = sheet if sheet is not None else next(iter(book.worksheets))
        try:
            # every row there is, whatever size the workbook states (some writers get it wrong)
            records = [[v if v.__class__ is str else _cell_text(v) for v in values]
                       for values in book.rows(title)]
        except unreadable as exc:
            raise QmsError(f"{shown}: not an Excel workbook (.xlsx) that qms can read ({exc}); "
                           "save the export again as .xlsx or CSV") from None
    return _export(records, shown, f"XLSX sheet {title!r}")


def _cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV export would hold (5.0 is 5)."""
    if value.__class__ is int:
        return str(value)  # the usual answer first (a bool is no int here)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)
