"""Parsing is bounded before calamine sees the data: cell length, rows (blank ones included),
columns, the grid, the inflated size per sheet and a time budget, each refused in Chinese."""

import io

import pytest

from core import spreadsheet
from core.importing import run_import
from core.spreadsheet import (
    ERR_CELL_TOO_LONG,
    ERR_INFLATED,
    ERR_SHEET_CELLS,
    ERR_SHEET_COLUMNS,
    ERR_SHEET_ROWS,
    ERR_TIME_BUDGET,
)
from tests.factories import SchoolFactory, make_id_number
from tests.xlsx import raw_ods, raw_xlsx
from trainees.importers import TeacherImporter
from trainees.models import Teacher

HEADER = b'<row r="1"><c r="A1" t="inlineStr"><is><t>\xe5\xa7\x93\xe5\x90\x8d</t></is></c></row>'
ODS_CELL = b'<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'


@pytest.fixture
def limits(monkeypatch):
    """Small bounds, so hostile files stay small in the test."""
    for name, value in (
        ("max_cell_chars", 1000),
        ("max_sheet_rows", 500),
        ("max_columns", 20),
        ("max_grid_cells", 5000),
    ):
        monkeypatch.setattr(spreadsheet.LIMITS, name, value)
    return spreadsheet.LIMITS


def _errors(data: bytes, name: str = "t.xlsx") -> list[str]:
    result = run_import(TeacherImporter(), io.BytesIO(data), name=name)
    assert not result.written
    return [e.message for e in result.errors]


def test_a_cell_longer_than_the_bound_is_refused(db, limits):
    long_cell = b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"x" * 5000 + b"</t></is></c></row>"
    assert _errors(raw_xlsx([HEADER, long_cell])) == [ERR_CELL_TOO_LONG.format(sheet="Sheet1", limit=1000)]


def test_a_long_shared_string_is_refused_before_calamine_opens_the_file(db, limits, tmp_path):
    import zipfile

    source = raw_xlsx([HEADER])
    target = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, src.read(item.filename))
        out.writestr("xl/sharedStrings.xml", b"<sst><si><t>" + b"y" * 5000 + b"</t></si></sst>")
    assert _errors(target.getvalue()) == [ERR_CELL_TOO_LONG.format(sheet="共享字符串", limit=1000)]


def test_blank_rows_count_towards_the_row_bound(db, limits):
    blank = (f'<row r="{n}"/>'.encode() for n in range(2, 2000))
    assert _errors(raw_xlsx([HEADER, *blank])) == [ERR_SHEET_ROWS.format(sheet="Sheet1", limit=500)]


def test_one_far_away_row_number_is_refused(db, limits):
    far = b'<row r="5000000"><c r="A5000000" t="inlineStr"><is><t>x</t></is></c></row>'
    assert _errors(raw_xlsx([HEADER, far])) == [ERR_SHEET_ROWS.format(sheet="Sheet1", limit=500)]


def test_a_cell_whose_reference_lies_about_its_row_is_refused(db, limits):
    lying = b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="B4000" t="inlineStr"><is><t>x</t></is></c></row>'
    assert _errors(raw_xlsx([HEADER, lying])) == [ERR_SHEET_ROWS.format(sheet="Sheet1", limit=500)]


def test_a_far_away_column_is_refused(db, limits):
    wide = b'<row r="2"><c r="ZZ2" t="inlineStr"><is><t>x</t></is></c></row>'
    assert _errors(raw_xlsx([HEADER, wide])) == [ERR_SHEET_COLUMNS.format(sheet="Sheet1", limit=20)]


def test_a_three_letter_column_is_refused(db, limits):
    wide = b'<row r="2"><c r="AAB2" t="inlineStr"><is><t>x</t></is></c></row>'
    assert _errors(raw_xlsx([HEADER, wide])) == [ERR_SHEET_COLUMNS.format(sheet="Sheet1", limit=20)]


def test_a_short_reference_to_a_later_row_is_not_taken_for_a_wide_column(db, limits):
    # "A12" is as long as a three-letter column but names row 12 of column A: the exact scan reads it.
    row = b'<row r="2"><c r="A12" t="inlineStr"><is><t>x</t></is></c></row>'
    errors = _errors(raw_xlsx([HEADER, row]))
    assert ERR_SHEET_COLUMNS.format(sheet="Sheet1", limit=20) not in errors
    assert not any("工作表" in e for e in errors)


def test_empty_cell_tags_take_the_exact_scan(db, limits):
    rows = [b'<row r="2">' + b"<c/>" * 30 + b"</row>"]
    assert _errors(raw_xlsx([HEADER, *rows])) == [ERR_SHEET_COLUMNS.format(sheet="Sheet1", limit=20)]


def test_rows_times_columns_is_bounded(db, limits):
    rows = [HEADER] + [
        f'<row r="{n}"><c r="S{n}" t="inlineStr"><is><t>x</t></is></c></row>'.encode() for n in range(2, 400)
    ]
    assert _errors(raw_xlsx(rows)) == [ERR_SHEET_CELLS.format(sheet="Sheet1", rows=399, columns=19)]


def test_cells_without_references_take_the_exact_scan_and_are_bounded_too(db, limits):
    rows = [b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * 30 + b"</row>"]
    assert _errors(raw_xlsx(rows)) == [ERR_SHEET_COLUMNS.format(sheet="Sheet1", limit=20)]


def test_the_inflated_size_of_a_sheet_is_bounded(db, monkeypatch):
    monkeypatch.setattr(spreadsheet.LIMITS, "max_sheet_bytes", 100_000)
    filler = (b'<row r="%d"/>' % n for n in range(2, 20_000))
    assert _errors(raw_xlsx([HEADER, *filler])) == [ERR_INFLATED.format(sheet="Sheet1", limit=0)]


def test_ods_repeated_rows_with_a_value_count_as_often_as_they_repeat(db, limits):
    table = (
        b'<table:table table:name="S"><table:table-row>' + ODS_CELL + b"</table:table-row>"
        b'<table:table-row table:number-rows-repeated="5000000">' + ODS_CELL + b"</table:table-row></table:table>"
    )
    assert _errors(raw_ods(table), "t.ods") == [ERR_SHEET_ROWS.format(sheet="S", limit=500)]


def test_ods_trailing_blank_repeats_are_not_counted(db, limits):
    SchoolFactory(code="X001")
    number = make_id_number()
    cells = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
        for v in ("姓名", "身份证号", "学校")
    )
    data = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
        for v in ("张三", number, "X001")
    )
    table = (
        f'<table:table table:name="S"><table:table-row>{cells}</table:table-row><table:table-row>{data}</table:table-row>'
        '<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        "</table:table>"
    ).encode()
    result = run_import(TeacherImporter(), io.BytesIO(raw_ods(table)), name="t.ods")
    assert result.written and Teacher.objects.filter(id_number=number).exists()


def test_ods_repeated_columns_with_a_value_are_bounded(db, limits):
    table = (
        b'<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string" '
        b'table:number-columns-repeated="16000"><text:p>x</text:p></table:table-cell></table:table-row></table:table>'
    )
    assert _errors(raw_ods(table), "t.ods") == [ERR_SHEET_COLUMNS.format(sheet="S", limit=20)]


def test_a_file_that_takes_longer_than_the_time_budget_is_refused(db, settings, monkeypatch):
    settings.IMPORT_MAX_SECONDS = 1
    clock = iter(range(0, 10_000, 5))
    monkeypatch.setattr(spreadsheet.time, "monotonic", lambda: next(clock))
    rows = (f'<row r="{n}"/>'.encode() for n in range(2, 300_000))
    assert _errors(raw_xlsx([HEADER, *rows])) == [ERR_TIME_BUDGET.format(seconds=1)]


def test_unnumbered_blank_rows_are_counted_too(db, limits):
    assert _errors(raw_xlsx([HEADER, b"<row/>" * 2000])) == [ERR_SHEET_ROWS.format(sheet="Sheet1", limit=500)]


@pytest.mark.parametrize("space", [b"\t", b"\n", b"\r\n", b"  "], ids=["tab", "newline", "crlf", "two-spaces"])
def test_rows_and_cells_spelled_with_other_whitespace_are_still_counted(db, limits, space):
    # XML allows any whitespace before an attribute: such rows take the exact scan, not a blind one.
    rows = (
        b"<row"
        + space
        + f'r="{n}"><c'.encode()
        + space
        + f'r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
        for n in range(2, 2000)
    )
    assert _errors(raw_xlsx([HEADER, *rows])) == [ERR_SHEET_ROWS.format(sheet="Sheet1", limit=500)]


@pytest.mark.parametrize("space", [b"\t", b"\n"], ids=["tab", "newline"])
def test_prefixed_rows_spelled_with_other_whitespace_take_the_exact_scan(db, limits, space):
    ns = b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rows = (b"<x:row" + space + ns + f' r="{n}"/>'.encode() for n in range(2, 2000))
    assert _errors(raw_xlsx([HEADER, *rows])) == [ERR_SHEET_ROWS.format(sheet="Sheet1", limit=500)]
