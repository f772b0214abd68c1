import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from core.importing import (
    ERR_EMPTY_FILE,
    ERR_ENCRYPTED,
    ERR_MISSING_COLUMN,
    ERR_NOT_XLSX,
    ERR_REQUIRED,
    OLE_MAGIC,
    run_import,
)
from tests.factories import SchoolFactory, make_id_number
from tests.xlsx import encrypt_xlsx, make_xlsx
from trainees.idcard import ERR_CHECKSUM
from trainees.importers import ERR_SCHOOL_UNKNOWN, ERR_TEACHER_OUT_OF_SCOPE, TeacherImporter
from trainees.models import Teacher, TeacherTransfer
from trainees.services import ERR_GENDER_MISMATCH

HEADER = [
    "姓名",
    "身份证号",
    "性别",
    "手机号",
    "学校",
    "学段",
    "学科",
    "职称",
    "岗位",
    "乡村教师",
    "特岗教师",
    "入职年份",
    "学历",
]


def run(rows, **options):
    return run_import(TeacherImporter(**options), io.BytesIO(make_xlsx(rows)))


@pytest.fixture
def school(db):
    return SchoolFactory(code="X001", name="东岭中心校")


def test_a_good_file_creates_every_teacher(school):
    a, b = make_id_number(), make_id_number(male=False)
    result = run(
        [
            HEADER,
            ["张三", a, "男", "13800000001", "X001", "小学", "数学", "一级教师", "教师", "是", "否", 2010, "本科"],
            ["李四", b, "女", "13800000002", "东岭中心校", "初中", "语文", "", "班主任", "否", "是", 2015, "大专"],
        ]
    )
    assert result.errors == []
    assert (result.created, result.updated) == (2, 0)
    li = Teacher.objects.get(id_number=b)
    assert (li.school, li.gender, li.stage, li.post, li.is_special_post) == (
        school,
        "F",
        "junior",
        "head_teacher",
        True,
    )
    assert li.birth_date.isoformat() == "1985-06-15"


def test_columns_may_come_in_any_order_and_unknown_ones_are_ignored(school):
    number = make_id_number()
    result = run([["备注", "学校", "身份证号", "姓名"], ["随便写", "X001", number, "王五"]])
    assert result.errors == []
    assert Teacher.objects.get(id_number=number).name == "王五"


def test_reimporting_updates_instead_of_duplicating(school):
    number = make_id_number()
    run([HEADER[:5], ["张三", number, "男", "13800000001", "X001"]])
    result = run([HEADER[:5], ["张三丰", number, "男", "13900000009", "X001"]])
    assert (result.created, result.updated) == (0, 1)
    teacher = Teacher.objects.get(id_number=number)
    assert (teacher.name, teacher.phone) == ("张三丰", "13900000009")
    assert Teacher.objects.count() == 1


def test_a_blank_cell_on_reimport_keeps_the_stored_value(school):
    number = make_id_number()
    run([["姓名", "身份证号", "学校", "手机号"], ["张三", number, "X001", "13800000001"]])
    run([["姓名", "身份证号", "学校", "手机号"], ["张三", number, "X001", None]])
    assert Teacher.objects.get(id_number=number).phone == "13800000001"


def test_reimport_with_a_new_school_records_the_transfer(school):
    other = SchoolFactory(code="X002", county=school.county)
    number = make_id_number()
    run([["姓名", "身份证号", "学校"], ["张三", number, "X001"]])
    run([["姓名", "身份证号", "学校"], ["张三", number, "X002"]])
    transfer = TeacherTransfer.objects.get()
    assert (transfer.from_school, transfer.to_school) == (school, other)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["", "{id}", "X001"], "姓名", ERR_REQUIRED),
        (["张三", "", "X001"], "身份证号", ERR_REQUIRED),
        (["张三", "{bad}", "X001"], "身份证号", ERR_CHECKSUM),
        (["张三", "{id}", "不存在的学校"], "学校", ERR_SCHOOL_UNKNOWN.format(value="不存在的学校")),
        (["张三", "{id}", "X001", "女"], "性别", ERR_GENDER_MISMATCH),
        (["张三", "{id}", "X001", "", "大学"], "学段", None),
        (["张三", "{id}", "X001", "", "", "可能"], "乡村教师", None),
        (["张三", "{id}", "X001", "", "", "", "一千"], "入职年份", None),
        (["张三", "{id}", "X001", "", "", "", 1900], "入职年份", None),
    ],
)
def test_each_kind_of_bad_row_is_reported_and_nothing_is_written(school, row, column, message):
    number = make_id_number()
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    cells = [str(c).format(id=number, bad=bad) if isinstance(c, str) else c for c in row]
    good = ["好人", make_id_number(), "X001"]
    result = run([["姓名", "身份证号", "学校", "性别", "学段", "乡村教师", "入职年份"], good, cells])
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    if message:
        assert result.errors[0].message == message
    assert Teacher.objects.count() == 0


def test_a_number_twice_in_one_file_is_an_error(school):
    number = make_id_number()
    result = run([["姓名", "身份证号", "学校"], ["张三", number, "X001"], ["张三", number, "X001"]])
    assert [(e.row, e.column) for e in result.errors] == [(3, "身份证号")]
    assert "第 2 行" in result.errors[0].message


def test_a_missing_required_column_is_reported(school):
    result = run([["姓名", "学校"], ["张三", "X001"]])
    assert [(e.column, e.message) for e in result.errors] == [("身份证号", ERR_MISSING_COLUMN)]


def test_dry_run_validates_without_writing(school):
    result = run_import(
        TeacherImporter(),
        io.BytesIO(make_xlsx([["姓名", "身份证号", "学校"], ["张三", make_id_number(), "X001"]])),
        dry_run=True,
    )
    assert result.ok and result.created == 1 and not result.written
    assert Teacher.objects.count() == 0


def test_a_county_scoped_import_cannot_touch_another_countys_teacher(world):
    result = run(
        [["姓名", "身份证号", "学校"], ["王五", world.teacher_c.id_number, world.school_a.code]],
        county_id=world.county_x.pk,
    )
    assert [(e.column, e.message) for e in result.errors] == [("身份证号", ERR_TEACHER_OUT_OF_SCOPE)]
    world.teacher_c.refresh_from_db()
    assert world.teacher_c.school == world.school_c


def test_a_county_scoped_import_does_not_find_another_countys_school(world):
    result = run(
        [["姓名", "身份证号", "学校"], ["新人", make_id_number(), world.school_c.code]], county_id=world.county_x.pk
    )
    assert [e.column for e in result.errors] == ["学校"]


def _error_texts(data: bytes) -> list[str]:
    return [e.message for e in run_import(TeacherImporter(), io.BytesIO(data)).errors]


def test_an_empty_file_gets_a_clear_error(db):
    assert _error_texts(b"") == [ERR_EMPTY_FILE]


def test_a_non_xlsx_file_gets_a_clear_error(db):
    assert _error_texts("name,id\n张三,1\n".encode()) == [ERR_NOT_XLSX]


def test_a_password_protected_file_gets_a_clear_error(db):
    assert _error_texts(encrypt_xlsx(make_xlsx([HEADER]))) == [ERR_ENCRYPTED]


def test_an_ole_container_that_is_no_workbook_is_refused(db):
    assert _error_texts(OLE_MAGIC + b"\x00" * 600) == [ERR_NOT_XLSX]


def test_a_file_over_the_size_limit_is_refused_before_parsing(db, settings):
    settings.IMPORT_MAX_BYTES = 1024
    data = make_xlsx([["姓名", "身份证号", "学校"], *[["张三" * 50, "x", "y"] for _ in range(200)]])
    assert len(data) > 1024
    assert _error_texts(data)[0].startswith("文件过大")


def test_an_xml_bomb_is_refused(db):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
    )
    source = zipfile.ZipFile(io.BytesIO(make_xlsx([["姓名"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = bomb.encode() if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename)
            target.writestr(item, data)
    errors = _error_texts(out.getvalue())
    assert len(errors) == 1 and errors[0].startswith("文件无法读取")


def test_the_command_imports_a_good_file(school, tmp_path, capsys):
    path = tmp_path / "t.xlsx"
    make_xlsx([["姓名", "身份证号", "学校"], ["张三", make_id_number(), "X001"]], path=path)
    call_command("import_teachers", str(path))
    assert "新增 1" in capsys.readouterr().out
    assert Teacher.objects.count() == 1


def test_the_command_exits_non_zero_and_prints_one_line_per_problem(school, tmp_path, capsys):
    path = tmp_path / "t.xlsx"
    make_xlsx([["姓名", "身份证号", "学校"], ["", make_id_number(), "X001"], ["李四", "123", "X001"]], path=path)
    with pytest.raises(CommandError):
        call_command("import_teachers", str(path))
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["第 2 行 [姓名]：不能为空", "第 3 行 [身份证号]：身份证号应为 18 位（填写的是“123”）"]
    assert Teacher.objects.count() == 0


def test_the_command_dry_run_writes_nothing(school, tmp_path):
    path = tmp_path / "t.xlsx"
    make_xlsx([["姓名", "身份证号", "学校"], ["张三", make_id_number(), "X001"]], path=path)
    call_command("import_teachers", str(path), "--dry-run")
    assert Teacher.objects.count() == 0
