"""Every import reads xlsx, xls and ods (files built here), picks the active visible sheet, refuses
formulas, and refuses by content a file that is not what its name says."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from core.importing import ERR_NO_HEADER, run_import
from core.spreadsheet import ERR_ENCRYPTED, ERR_FORMULAS, ERR_NOT_SPREADSHEET, ERR_SHEET_UNKNOWN, ERR_WRONG_EXTENSION
from tests.factories import SchoolFactory, make_id_number
from tests.xlsx import encrypt_xlsx, make_ods, make_xls, make_xlsx
from trainees.importers import TeacherImporter
from trainees.models import Teacher

MAKERS = {"xlsx": make_xlsx, "xls": make_xls, "ods": make_ods}


@pytest.fixture
def school(db):
    return SchoolFactory(code="X001", name="东岭中心校")


def _run(data: bytes, name: str, **kwargs):
    return run_import(TeacherImporter(), io.BytesIO(data), name=name, **kwargs)


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_each_format_imports_the_same_teachers(school, fmt):
    a, b = make_id_number(), make_id_number(male=False)
    rows = [
        ["姓名", "身份证号", "学校", "入职年份", "手机号", "出生日期"],
        ["张三", a, "X001", 2010, 13907310001, dt.date(1985, 6, 15)],
        ["李四", b, "东岭中心校", 2015.0, "0731-84123456", ""],
    ]
    result = _run(MAKERS[fmt](rows), f"teachers.{fmt}")
    assert [str(e) for e in result.errors] == []
    assert result.created == 2
    zhang = Teacher.objects.get(id_number=a)
    assert (zhang.entry_year, zhang.phone) == (2010, "13907310001")
    assert Teacher.objects.get(id_number=b).phone == "0731-84123456"


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_formula_cell_is_refused_and_named(school, fmt):
    rows = [["姓名", "身份证号", "学校"], ["张三", make_id_number(), "=1+2"]]
    result = _run(MAKERS[fmt](rows), f"t.{fmt}")
    assert result.written is False
    [error] = result.errors
    assert error.message == ERR_FORMULAS.format(sheet="Sheet" if fmt == "xlsx" else "Sheet1", cells="C2")
    assert Teacher.objects.count() == 0


def test_an_xls_named_xlsx_is_refused_by_content(school):
    data = make_xls([["姓名", "身份证号", "学校"], ["张三", make_id_number(), "X001"]])
    result = _run(data, "teachers.xlsx")
    assert [e.message for e in result.errors] == [ERR_WRONG_EXTENSION.format(actual=".xls", named=".xlsx")]


def test_an_encrypted_xlsx_and_a_legacy_xls_are_told_apart(school):
    rows = [["姓名", "身份证号", "学校"], ["张三", make_id_number(), "X001"]]
    assert [e.message for e in _run(encrypt_xlsx(make_xlsx(rows)), "t.xlsx").errors] == [ERR_ENCRYPTED]
    assert _run(make_xls(rows), "t.xls").created == 1


def test_a_text_file_named_xlsx_is_refused(school):
    assert [e.message for e in _run("姓名,身份证号\n".encode(), "t.xlsx").errors] == [ERR_NOT_SPREADSHEET]


def _workbook(*, hidden_first: bool, active: int) -> bytes:
    wb = Workbook()
    first = wb.active
    first.title = "旧数据"
    first.append(["姓名", "身份证号", "学校"])
    first.append(["王五", make_id_number(), "X001"])
    if hidden_first:
        first.sheet_state = "hidden"
    second = wb.create_sheet("教师")
    second.append(["姓名", "身份证号", "学校"])
    second.append(["赵六", make_id_number(), "X001"])
    wb.active = active
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_hidden_first_sheet_is_not_imported(school):
    result = _run(_workbook(hidden_first=True, active=1), "t.xlsx")
    assert result.sheet == "教师"
    assert list(Teacher.objects.values_list("name", flat=True)) == ["赵六"]


def test_the_active_sheet_is_read_and_another_may_be_picked(school):
    result = _run(_workbook(hidden_first=False, active=1), "t.xlsx", dry_run=True)
    assert (result.sheet, result.sheets) == ("教师", ["旧数据", "教师"])
    picked = _run(_workbook(hidden_first=False, active=1), "t.xlsx", sheet="旧数据")
    assert picked.written and list(Teacher.objects.values_list("name", flat=True)) == ["王五"]


def test_a_hidden_sheet_cannot_be_picked_by_name(school):
    result = _run(_workbook(hidden_first=True, active=1), "t.xlsx", sheet="旧数据")
    assert [e.message for e in result.errors] == [ERR_SHEET_UNKNOWN.format(sheet="旧数据")]


def test_no_header_names_the_sheet_read_and_the_others(school):
    data = make_xlsx([], sheets={"说明": [["本表说明"]], "教师": [["姓名", "身份证号", "学校"]]})
    [error] = _run(data, "t.xlsx").errors
    assert error.message.startswith(f"在工作表“说明”中{ERR_NO_HEADER}")
    assert "“教师”" in error.message
