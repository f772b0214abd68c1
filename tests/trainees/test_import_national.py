"""import_teachers also reads the national teacher system's basic-info export (全国教师管理信息系统),
recognised by its headers, with that system's checks; and the special-education columns."""

import datetime as dt
import io

import pytest

from core.importing import NOTE_IGNORED_COLUMNS, run_import
from tests.factories import SchoolFactory, make_id_number
from tests.xlsx import make_xls, make_xlsx
from trainees.importers import (
    ERR_BIRTH_MISMATCH,
    ERR_ID_TYPE,
    ERR_SCHOOL_BEFORE_WORK,
    NOTE_NATIONAL_LAYOUT,
    TeacherImporter,
)
from trainees.models import Teacher

NATIONAL = ["姓名", "性别", "身份证件类型", "身份证件号", "出生日期", "参加工作年月", "进本校年月", "是否在编",
            "用人形式", "是否县级及以上骨干教师", "是否特级教师", "是否受过特教专业培养培训", "学校", "政治面貌", "国籍/地区"]  # fmt: skip


@pytest.fixture
def school(db):
    return SchoolFactory(code="X001", name="东岭中心校")


def national_row(number, **over):
    values = {
        "姓名": "张三", "性别": "男", "身份证件类型": "居民身份证", "身份证件号": number, "出生日期": dt.date(1985, 6, 15),
        "参加工作年月": "2008-09", "进本校年月": "2015年9月", "是否在编": "是", "用人形式": "合同制",
        "是否县级及以上骨干教师": "是", "是否特级教师": "否", "是否受过特教专业培养培训": "是", "学校": "X001",
        "政治面貌": "群众", "国籍/地区": "中国",
    }  # fmt: skip
    values.update(over)
    return [values[h] for h in NATIONAL]


@pytest.mark.parametrize("maker", [make_xlsx, make_xls])
def test_the_national_layout_is_recognised_and_its_attributes_land_on_the_teacher(school, maker):
    number = make_id_number()
    result = run_import(TeacherImporter(), io.BytesIO(maker([NATIONAL, national_row(number)])))
    assert [str(e) for e in result.errors] == []
    assert NOTE_NATIONAL_LAYOUT in result.notes
    assert NOTE_IGNORED_COLUMNS.format(columns="政治面貌、国籍/地区") in result.notes
    teacher = Teacher.objects.get(id_number=number)
    assert (teacher.work_start_month, teacher.school_start_month) == (dt.date(2008, 9, 1), dt.date(2015, 9, 1))
    assert (teacher.is_on_staff, teacher.employment_form, teacher.is_backbone) == (True, "合同制", True)
    assert (teacher.is_master_teacher, teacher.special_ed_trained) == (False, True)


def test_the_birth_date_must_match_the_id_number(school):
    result = run_import(
        TeacherImporter(), io.BytesIO(make_xlsx([NATIONAL, national_row(make_id_number(), 出生日期="1985-06-16")]))
    )
    assert [(e.column, e.message) for e in result.errors] == [
        ("出生日期", ERR_BIRTH_MISMATCH.format(birth="1985-06-15"))
    ]


@pytest.mark.parametrize(("work", "joined", "ok"), [("2015-09", "2015-09", True), ("2015-09", "2015-08", False)])
def test_joining_the_school_cannot_precede_starting_work(school, work, joined, ok):
    rows = [NATIONAL, national_row(make_id_number(), 参加工作年月=work, 进本校年月=joined)]
    result = run_import(TeacherImporter(), io.BytesIO(make_xlsx(rows)))
    assert result.ok is ok
    if not ok:
        assert [(e.column, e.message) for e in result.errors] == [("进本校年月", ERR_SCHOOL_BEFORE_WORK)]


def test_a_reimport_with_one_month_is_checked_against_the_stored_other(school):
    number = make_id_number()
    run_import(TeacherImporter(), io.BytesIO(make_xlsx([NATIONAL, national_row(number)])))
    rows = [["姓名", "身份证号", "学校", "参加工作年月"], ["张三", number, "X001", "2016-01"]]
    result = run_import(TeacherImporter(), io.BytesIO(make_xlsx(rows)))
    assert [(e.column, e.message) for e in result.errors] == [("进本校年月", ERR_SCHOOL_BEFORE_WORK)]


def test_another_id_type_is_refused_with_a_reason(school):
    result = run_import(
        TeacherImporter(), io.BytesIO(make_xlsx([NATIONAL, national_row("E12345678", 身份证件类型="护照")]))
    )
    assert ("身份证件类型", ERR_ID_TYPE.format(value="护照")) in [(e.column, e.message) for e in result.errors]


def test_the_special_education_columns_are_optional_and_land_on_the_teacher(school):
    number, other = make_id_number(), make_id_number()
    rows = [
        ["姓名", "身份证号", "学校", "随班就读教师", "资源教师", "特教专业方向"],
        ["张三", number, "X001", "是", "是", "孤独症"],
        ["李四", other, "X001", "", "", ""],
    ]
    result = run_import(TeacherImporter(), io.BytesIO(make_xlsx(rows)))
    assert result.ok
    teacher = Teacher.objects.get(id_number=number)
    assert (teacher.is_inclusive_teacher, teacher.is_resource_teacher, teacher.special_ed_direction) == (
        True,
        True,
        "autism",
    )
    assert Teacher.objects.get(id_number=other).special_ed_direction == ""
    bad = run_import(TeacherImporter(), io.BytesIO(make_xlsx([rows[0], ["张三", number, "X001", "是", "否", "视障"]])))
    assert [e.column for e in bad.errors] == ["特教专业方向"]
