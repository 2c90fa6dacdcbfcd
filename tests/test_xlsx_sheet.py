"""qms/measurement/xlsxsheet.py reads a sheet's cells as openpyxl's read-only mode does."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from qms.base.zipsafe import LARGEST_PART, TooLarge
from qms.measurement.xlsxsheet import XlsxProblem, open_workbook

# What a survey export's cells hold: numbers, text (CJK, spaces, openpyxl's x005F_ escape),
# booleans, dates and times; text that openpyxl cannot store in XML is left out.
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
VALUES = st.one_of(
    st.none(), st.integers(-10**9, 10**9), st.floats(allow_nan=False, allow_infinity=False),
    TEXT, st.sampled_from(["5", " 6 ", "不清楚", "x005F_x", "=1+1", "", "1E3"]), st.booleans(),
    st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1901, 1, 1), max_value=date(2100, 1, 1)),
    st.times().map(lambda t: t.replace(microsecond=0)),
)
# rows as (row number, {column: value}), any order of cells, gaps between rows
ROWS = st.lists(st.tuples(st.integers(1, 30), st.dictionaries(st.integers(1, 12), VALUES,
                                                               max_size=6)), max_size=12)


def openpyxl_rows(path: Path, sheet: str | None = None) -> list[tuple[Any, ...]]:
    """The oracle: what the import read before, openpyxl read-only after reset_dimensions."""
    book = load_workbook(path, read_only=True, data_only=True)
    chosen = book[sheet] if sheet is not None else book.worksheets[0]
    chosen.reset_dimensions()
    rows = [tuple(values) for values in chosen.iter_rows(values_only=True)]
    book.close()
    return rows


def write(path: Path, rows: list[tuple[int, dict[int, Any]]], write_only: bool,
          epoch_1904: bool = False) -> None:
    """A workbook as openpyxl writes it: shared strings, or inline strings in write-only mode."""
    book = Workbook(write_only=write_only)
    if epoch_1904:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.create_sheet("答卷") if write_only else book.active
    if write_only:
        width = max((max(cells, default=0) for _, cells in rows), default=0)
        for _, cells in sorted(rows, key=lambda r: r[0]):
            sheet.append([cells.get(column) for column in range(1, width + 1)])
    else:
        sheet.title = "答卷"
        for number, cells in rows:
            for column, value in cells.items():
                sheet.cell(row=number, column=column, value=value)
    book.save(path)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, write_only=st.booleans(), epoch_1904=st.booleans())
@pytest.mark.filterwarnings("ignore:Cell .* is marked as a date")
def test_cells_are_read_as_openpyxl_reads_them(tmp_path: Path,
                                               rows: list[tuple[int, dict[int, Any]]],
                                               write_only: bool, epoch_1904: bool) -> None:
    path = tmp_path / "export.xlsx"
    write(path, rows, write_only, epoch_1904)
    book = open_workbook(path)
    with book.archive:
        assert book.names == ["答卷"]
        assert book.rows("答卷") == openpyxl_rows(path)


def test_the_survey_fixture_reads_as_openpyxl_reads_it() -> None:
    path = Path(__file__).resolve().parent / "fixtures" / "surveys" / "export.xlsx"
    book = open_workbook(path)
    with book.archive:
        rows = book.rows(next(iter(book.worksheets)))
    assert rows == openpyxl_rows(path)
    assert any(isinstance(v, int) for row in rows for v in row)


def test_sheets_in_order_and_chart_sheets_apart(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "first"
    book.create_chartsheet("chart")
    book.create_sheet("second")["B2"] = 7
    path = tmp_path / "book.xlsx"
    book.save(path)
    read = open_workbook(path)  # (openpyxl 3.1 itself fails on a chart sheet without a chart)
    with read.archive:
        assert read.names == ["first", "chart", "second"]
        assert list(read.worksheets) == ["first", "second"]
        assert read.rows("second") == [(), (None, 7)]


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def hand_made(path: Path, sheet: str) -> None:
    """A workbook as Excel writes it (openpyxl writes no shared strings): shared strings with
    rich text and a phonetic guide, a custom date format, the 1904 calendar."""
    parts = {
        "[Content_Types].xml":
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
            f'<Override PartName="/xl/strings.xml" ContentType="{TYPES}.sharedStrings+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{TYPES}.styles+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}'
                       '/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><workbookPr '
                           'date1904="1"/><sheets><sheet name="答卷" sheetId="1" r:id="rId7"/>'
                           '</sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId7" Type="{DOC_RELS}/worksheet"'
            ' Target="/xl/worksheets/data.xml"/></Relationships>',
        "xl/strings.xml": f'<sst xmlns="{MAIN}"><si><t>序号</t></si><si><r><t>5</t></r><r><t>'
                          '分</t></r><rPh sb="0" eb="1"><t>ふん</t></rPh></si>'
                          '<si><t>x005F_x</t></si></sst>',
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><numFmts><numFmt numFmtId="170" '
                         'formatCode="yyyy-mm-dd"/></numFmts><cellXfs><xf numFmtId="0"/>'
                         '<xf numFmtId="170"/><xf numFmtId="46"/></cellXfs></styleSheet>',
        "xl/worksheets/data.xml": f'<worksheet xmlns="{MAIN}"><sheetData>{sheet}</sheetData>'
                                  '</worksheet>',
    }
    with zipfile.ZipFile(path, "w") as out:
        for name, text in parts.items():
            out.writestr(name, text)


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_an_excel_workbook_reads_as_openpyxl_reads_it(tmp_path: Path) -> None:
    # Some writers leave out r="A1" or write cells and rows out of order: openpyxl counts on
    # from the last cell and row, ends a row at its last cell and skips a row already passed.
    path = tmp_path / "excel.xlsx"
    hand_made(path, '<row r="2"><c><v>1</v></c><c t="s"><v>1</v></c><c r="E2"><v>2.50</v></c>'
                    '<c r="B2" t="b"><v>1</v></c></row><row><c t="inlineStr"><is><r><t>a</t>'
                    '</r><r><t>b</t></r><rPh sb="0" eb="1"><t>x</t></rPh></is></c>'
                    '<c t="e"><v>#N/A</v></c><c t="s"><v>2</v></c><c s="1"><v>45000</v></c>'
                    '<c s="2"><v>1.5</v></c>'
                    '</row><row r="1"><c t="s"><v>0</v></c></row>'
                    '<row r="6"><c r="C6" t="str"><v>x</v></c><c r="A6"><v>1E3</v></c></row>')
    book = open_workbook(path)
    with book.archive:
        rows = book.rows("答卷")
    assert rows == openpyxl_rows(path)
    assert rows[:2] == [(), (1, True)]  # as long as its last cell (B2), E2 left out
    assert rows[2][:3] == ("ab", "#N/A", "x")
    assert isinstance(rows[2][3], datetime)  # a date format, counted from 1904
    assert rows[-1] == (1000.0,)  # C6 then A6: the row ends at A6


def test_a_missing_shared_string_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    hand_made(path, '<row r="1"><c t="s"><v>9</v></c></row>')
    book = open_workbook(path)
    with book.archive, pytest.raises(ValueError, match="shared string 9"):
        book.rows("答卷")


@pytest.mark.parametrize("value", [datetime(2026, 3, 1, 10, 30), date(2026, 3, 1), time(9, 15)])
def test_dates_and_times(tmp_path: Path, value: Any) -> None:
    path = tmp_path / "dates.xlsx"
    write(path, [(1, {1: value, 2: 5})], write_only=False)
    book = open_workbook(path)
    with book.archive:
        assert book.rows("答卷") == openpyxl_rows(path)


def test_the_part_names_are_openpyxl_s() -> None:
    from openpyxl.utils import datetime as dates
    from openpyxl.xml import constants

    from qms.measurement import xlsxsheet

    for name in ("ARC_CONTENT_TYPES", "ARC_WORKBOOK", "ARC_STYLE", "SHEET_MAIN_NS", "CONTYPES_NS",
                 "PKG_REL_NS", "REL_NS", "SHARED_STRINGS"):
        assert getattr(xlsxsheet, name) == getattr(constants, name)
    assert xlsxsheet.WORKBOOK_TYPES == (constants.XLTM, constants.XLTX, constants.XLSM,
                                        constants.XLSX)
    assert xlsxsheet.CALENDAR_WINDOWS_1900 == dates.CALENDAR_WINDOWS_1900
    assert xlsxsheet.CALENDAR_MAC_1904 == dates.CALENDAR_MAC_1904


@pytest.mark.parametrize("reference", ["A7", "z7", "AB12", "XFD3", "ZZZ9", "ab1"])
def test_columns_are_counted_as_openpyxl_counts_them(tmp_path: Path, reference: str) -> None:
    from openpyxl.utils.cell import coordinate_to_tuple

    path = tmp_path / "one.xlsx"
    hand_made(path, f'<row r="1"><c r="{reference}"><v>3</v></c></row>')
    book = open_workbook(path)
    with book.archive:
        row = book.rows("答卷")[0]
    assert len(row) == coordinate_to_tuple(reference)[1] and row[-1] == 3


@pytest.mark.parametrize("row", ["0", "1048577", "2000000000", "-3"])
def test_a_row_number_outside_a_worksheet_is_a_problem(tmp_path: Path, row: str) -> None:
    # a few bytes must not make millions of empty rows
    path = tmp_path / "far.xlsx"
    hand_made(path, f'<row r="1"><c><v>1</v></c></row><row r="{row}"><c><v>2</v></c></row>')
    book = open_workbook(path)
    with book.archive, pytest.raises(XlsxProblem, match=f"row number {row} is outside"):
        book.rows("答卷")
    hand_made(path, '<row r="1048576"><c><v>2</v></c></row>')  # the last row is a row
    book = open_workbook(path)
    with book.archive:
        rows = book.rows("答卷")
    assert len(rows) == 1_048_576 and rows[-1] == (2,)


def test_a_part_that_unpacks_too_large_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    hand_made(path, '<row r="1"><c><v>1</v></c></row>')
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("xl/worksheets/padding.xml", b" " * (LARGEST_PART + 1))
    assert path.stat().st_size < 2_000_000  # a small file
    with pytest.raises(TooLarge, match="padding.xml unpacks to 268,435,457 bytes"):
        open_workbook(path)
