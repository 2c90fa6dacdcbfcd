"""One sheet of an XLSX workbook as rows of cell values, read with the standard library's XML.

openpyxl's read-only mode reads a sheet that does not state its size (no <dimension> before
its cells, as many exports write it) twice, and builds a dict and checks per cell: 4 s for a
10,000-row survey export. Here the small parts of the package (content types, workbook,
relationships, styles, shared strings) are read with ElementTree and the sheet is streamed once
through expat. Each cell gets the value openpyxl gives it in read-only, data-only mode after
`reset_dimensions()` (tests/test_xlsx_sheet.py compares the two): numbers as int or float,
dates as datetimes, formulas as their cached values; each row as long as its last cell.
"""

from __future__ import annotations

import functools
import posixpath
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from xml.parsers import expat

from qms.base.zipsafe import LAST_ROW, refuse_large_parts

# The names of the parts, as openpyxl.xml.constants has them (tests/test_xlsx_sheet.py checks):
# openpyxl itself is imported only for what a workbook needs (a date format, an odd reference),
# which saves a survey export of plain numbers and text a fifth of a second.
SHEET_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
WORKBOOK_TYPES = (  # openpyxl's order of preference: XLTM, XLTX, XLSM, XLSX
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
)
ARC_CONTENT_TYPES, ARC_WORKBOOK = "[Content_Types].xml", "xl/workbook.xml"
ARC_STYLE = "xl/styles.xml"
CALENDAR_WINDOWS_1900, CALENDAR_MAC_1904 = datetime(1899, 12, 30), datetime(1904, 1, 1)
MAIN = "{" + SHEET_MAIN_NS + "}"
SEP = "}"  # expat joins namespace and name with it: "uri}name"
ROW, CELL, VALUE, INLINE = (SHEET_MAIN_NS + SEP + n for n in ("row", "c", "v", "is"))
TEXT, RUN = (SHEET_MAIN_NS + SEP + n for n in ("t", "r"))
OVERRIDE, DEFAULT = "{" + CONTYPES_NS + "}Override", "{" + CONTYPES_NS + "}Default"
RELATIONSHIP, REL_ID = "{" + PKG_REL_NS + "}Relationship", "{" + REL_NS + "}id"
DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@functools.cache
def _openpyxl() -> SimpleNamespace:
    """openpyxl's rules for number formats, dates and cell references, imported when needed."""
    from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    return SimpleNamespace(builtin_format_code=builtin_format_code, is_date=is_date_format,
                           is_timedelta=is_timedelta_format, coordinate=coordinate_to_tuple,
                           from_excel=from_excel, from_iso=from_ISO8601)


class XlsxProblem(ValueError):
    """The workbook cannot be read (a part is missing or wrong)."""


@dataclass
class Workbook:
    """The sheets of a workbook: every name in order, and where each worksheet's cells are."""

    archive: zipfile.ZipFile
    names: list[str] = field(default_factory=list)
    worksheets: dict[str, str] = field(default_factory=dict)  # name -> part in the archive
    epoch: Any = CALENDAR_WINDOWS_1900
    strings_part: str | None = None
    date_styles: set[int] = field(default_factory=set)
    timedelta_styles: set[int] = field(default_factory=set)

    def rows(self, name: str) -> list[tuple[Any, ...]]:
        """The worksheet's rows from row 1, missing rows empty, each to its last cell."""
        strings = _shared_strings(self.archive, self.strings_part)
        with self.archive.open(self.worksheets[name]) as source:
            return _SheetReader(self, strings).read(source)


def open_workbook(path: Path) -> Workbook:
    """The workbook's sheets; raises XlsxProblem, zipfile.BadZipFile, KeyError, OSError or
    ValueError (TooLarge)."""
    archive = zipfile.ZipFile(path)
    try:
        refuse_large_parts(archive)
        book = Workbook(archive)
        types = _xml(archive, ARC_CONTENT_TYPES)
        part = _workbook_part(types)
        book.strings_part = next((o.get("PartName", "")[1:] for o in types.iterfind(
            OVERRIDE) if o.get("ContentType") == SHARED_STRINGS), None)
        workbook = _xml(archive, part)
        properties = workbook.find(MAIN + "workbookPr")
        # openpyxl's reading of the flag: any text but "", "false", "f" and "0" is true
        if properties is not None and properties.get("date1904", "") not in ("", "false", "f",
                                                                             "0"):
            book.epoch = CALENDAR_MAC_1904
        targets = _relationships(archive, part)
        valid = set(archive.namelist())
        for sheet in workbook.iterfind(f"{MAIN}sheets/{MAIN}sheet"):
            rel_id = sheet.get(REL_ID)
            if not rel_id:
                continue  # openpyxl drops a sheet without a relationship too
            kind, target = targets[rel_id]
            if target not in valid:
                continue
            name = sheet.get("name", "")
            book.names.append(name)
            if "chartsheet" not in kind:
                book.worksheets.setdefault(name, target)
        _styles(archive, book)
        return book
    except BaseException:
        archive.close()
        raise


def _xml(archive: zipfile.ZipFile, part: str) -> ET.Element:
    try:
        return ET.fromstring(archive.read(part))
    except ET.ParseError as exc:
        raise XlsxProblem(f"{part}: {exc}") from None


def _workbook_part(types: ET.Element) -> str:
    overrides = [(o.get("ContentType"), o.get("PartName", "")) for o in
                 types.iterfind(OVERRIDE)]
    for wanted in WORKBOOK_TYPES:
        for content_type, name in overrides:
            if content_type == wanted:
                return name[1:]
    defaults = {d.get("ContentType") for d in types.iterfind(DEFAULT)}
    if defaults & set(WORKBOOK_TYPES):
        return ARC_WORKBOOK
    raise XlsxProblem("the file contains no workbook")


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    folder, name = posixpath.split(part)
    rels = _xml(archive, posixpath.join(folder, "_rels", name + ".rels"))
    found = {}
    for rel in rels.iterfind(RELATIONSHIP):
        target = rel.get("Target", "")
        if rel.get("TargetMode") != "External":
            target = target[1:] if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))
        found[rel.get("Id", "")] = (rel.get("Type", ""), target)
    return found


def _styles(archive: zipfile.ZipFile, book: Workbook) -> None:
    try:
        styles = _xml(archive, ARC_STYLE)
    except KeyError:
        return  # no stylesheet: no cell is a date
    custom = {int(n.get("numFmtId", "0")): n.get("formatCode") for n in
              styles.iterfind(f"{MAIN}numFmts/{MAIN}numFmt")}
    for index, xf in enumerate(styles.iterfind(f"{MAIN}cellXfs/{MAIN}xf")):
        number = int(xf.get("numFmtId", "0"))
        if number == 0 and number not in custom:
            continue  # "General": no date
        rules = _openpyxl()
        code = custom[number] if number in custom else rules.builtin_format_code(number)
        if rules.is_date(code):
            book.date_styles.add(index)
        if rules.is_timedelta(code):
            book.timedelta_styles.add(index)


def _shared_strings(archive: zipfile.ZipFile, part: str | None) -> list[str]:
    if part is None:
        return []
    strings = []
    for item in _xml(archive, part).iterfind(MAIN + "si"):
        # the plain text and the rich-text runs, not the phonetic guide (as openpyxl's content)
        plain = item.findtext(MAIN + "t")
        runs = [run.findtext(MAIN + "t") for run in item.iterfind(MAIN + "r")]
        text = "".join(t for t in (plain, *runs) if t is not None)
        strings.append(text.replace("x005F_", ""))
    return strings


class _SheetReader:
    """expat handlers that collect a sheet's rows as openpyxl's read-only worksheet gives them.

    The handlers run for every element of the sheet (a million for a 10,000-row export), so
    they test the common elements (c, v, row) first and keep the nesting as a number.
    """

    def __init__(self, book: Workbook, strings: list[str]) -> None:
        self.book, self.strings = book, strings
        self.rows: list[tuple[Any, ...]] = []
        self.row_number = self.column = 0
        self.cells: list[tuple[int, Any]] = []
        self.cell: tuple[str, str | None, int] | None = None  # type, coordinate, style
        self.text: list[str] | None = None  # where character data goes now
        self.value: list[str] | None = None
        self.inline: list[str] | None = None
        self.level = 0  # how deep the element that opened last is
        self.cell_level = self.inline_level = self.run_level = -1
        self.columns: dict[str, int] = {}

    def read(self, source: Any) -> list[tuple[Any, ...]]:
        """Parse the sheet's XML stream."""
        parser = expat.ParserCreate(namespace_separator=SEP)
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.data
        try:
            parser.ParseFile(source)
        except expat.ExpatError as exc:
            raise XlsxProblem(f"the sheet's XML: {exc}") from None
        return self.rows

    def start(self, name: str, attributes: dict[str, str]) -> None:
        """An element opens."""
        self.level += 1
        if self.cell is None:
            if name == CELL:
                style = attributes.get("s")
                # openpyxl: no s is style 0; an empty s is no style at all
                self.cell = (attributes.get("t", "n"), attributes.get("r"),
                             int(style) if style else -1 if style == "" else 0)
                self.cell_level, self.value, self.inline = self.level, None, None
            elif name == ROW:
                self.start_row(attributes.get("r"))
            return
        level = self.level
        if level == self.cell_level + 1:
            if name == VALUE:
                self.value = self.text = []
            elif name == INLINE:
                self.inline, self.inline_level = [], level
        elif self.inline is not None:
            if name == RUN and level == self.inline_level + 1:
                self.run_level = level
            elif name == TEXT and (level == self.inline_level + 1
                                   or level == self.run_level + 1):
                self.text = self.inline  # the plain text or a run's, not a phonetic guide

    def end(self, name: str) -> None:
        """An element closes; a cell gets its column and its value as openpyxl gives them."""
        level = self.level
        self.level = level - 1
        if self.cell is None:
            if name == ROW:
                self.end_row()
            return
        if level != self.cell_level:
            if name == RUN and level == self.run_level:
                self.run_level = -1
            else:
                self.text = None  # a value or a text ends (nothing else holds character data)
            return
        kind, coordinate, style = self.cell
        self.cell = self.text = None
        if coordinate:
            letters = coordinate.rstrip(DIGITS)
            column = self.columns.get(letters) if len(letters) < len(coordinate) else None
            self.column = column if column is not None else self.column_of(coordinate, letters)
        else:
            self.column += 1
        value: Any = None
        if kind == "inlineStr":
            if self.inline is not None:
                value = "".join(self.inline)
        elif self.value:
            text = self.value[0] if len(self.value) == 1 else "".join(self.value)
            if text:
                value = self.convert(kind, text, style)
        self.cells.append((self.column, value))

    def data(self, text: str) -> None:
        """Character data: kept when inside a value or an inline string's text."""
        if self.text is not None:
            self.text.append(text)

    def column_of(self, coordinate: str, letters: str) -> int:
        """The column of a cell reference such as AB12, by openpyxl's rules (remembered)."""
        upper = letters.upper()
        if 0 < len(letters) < len(coordinate) and len(letters) <= 3 and upper.isascii() and all(
                c in LETTERS for c in upper):
            column = 0
            for char in upper:  # A..Z, AA..ZZ, AAA..ZZZ, as openpyxl counts (letters, any case)
                column = column * 26 + LETTERS.index(char) + 1
        else:
            column = _openpyxl().coordinate(coordinate)[1]  # its result, or its error
        self.columns[letters] = column
        return column

    def start_row(self, number: str | None) -> None:
        """A row starts: its number is given, or the one after the last."""
        if number is None:
            self.row_number += 1
        else:
            try:
                self.row_number = int(number)
            except ValueError:
                value = float(number)
                if not value.is_integer():
                    raise XlsxProblem(f"{number} is not a valid row number") from None
                self.row_number = int(value)
            # a few bytes must not make millions of empty rows
            if not 0 < self.row_number <= LAST_ROW:
                raise XlsxProblem(f"row number {number} is outside a worksheet (1 to "
                                  f"{LAST_ROW:,})")
        self.column = 0
        self.cells = []

    def convert(self, kind: str, text: str, style: int) -> Any:
        """A cell's stored text as its value."""
        if kind == "n":
            number: Any = (float(text) if "." in text or "E" in text or "e" in text
                           else int(text))
            if style in self.book.date_styles:
                try:
                    return _openpyxl().from_excel(number, self.book.epoch,
                                                  timedelta=style in self.book.timedelta_styles)
                except (OverflowError, ValueError):
                    return "#VALUE!"  # openpyxl's value for a date out of range
            return number
        if kind == "s":
            index = int(text)
            if not 0 <= index < len(self.strings):
                raise XlsxProblem(f"a cell refers to shared string {index}, which is missing")
            return self.strings[index]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return _openpyxl().from_iso(text)
        return text  # "str" (a formula's text), "e" (an error such as #N/A) and others

    def end_row(self) -> None:
        """Add the row, after empty ones for any row numbers skipped."""
        number = self.row_number
        if number <= len(self.rows):
            return  # a row number already passed: openpyxl skips it
        self.rows.extend(() for _ in range(len(self.rows) + 1, number))
        if not self.cells:
            self.rows.append(())
            return
        width = self.cells[-1][0]  # as long as its last cell, as openpyxl makes it
        values: list[Any] = [None] * width
        for column, value in self.cells:
            if 1 <= column <= width:
                values[column - 1] = value
        self.rows.append(tuple(values))
