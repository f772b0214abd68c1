import datetime as dt
import io

from django.urls import reverse
from openpyxl import load_workbook

from programs import services
from tests.factories import TeacherFactory
from tests.xlsx import read_xlsx


def test_the_sign_in_sheet_lists_confirmed_trainees_with_a_column_per_session(client_for, world, subproject):
    services.session_create(
        subproject=subproject, date=dt.date(2026, 9, 1), start_time=dt.time(9), end_time=dt.time(12)
    )
    services.session_create(
        subproject=subproject, date=dt.date(2026, 9, 2), start_time=dt.time(14), end_time=dt.time(17)
    )
    confirmed = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.staff_x)
    services.enrolment_confirm(enrolment=confirmed, actor=world.staff_x)
    services.enrolment_nominate(
        subproject=subproject, teacher=world.teacher_b, actor=world.staff_x
    )  # not yet confirmed
    response = client_for(world.staff_x).get(reverse("subproject_signin", args=[subproject.pk]))
    rows = read_xlsx(response.content)
    assert rows[0][0] == "2026年县级骨干教师培训 · 小学数学骨干班 签到表"
    assert rows[2] == ("序号", "姓名", "性别", "学校", "学科", "手机号", "09-01 09:00", "09-02 14:00")
    assert [r[1] for r in rows[3:]] == [world.teacher_a.name]
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$1:$3"


def test_the_sign_in_sheet_neutralises_formulas_from_user_data(client_for, world, subproject):
    teacher = TeacherFactory(name="=HYPERLINK(1)", school=world.school_a)
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=teacher, actor=world.staff_x)
    services.enrolment_confirm(enrolment=enrolment, actor=world.staff_x)
    rows = read_xlsx(client_for(world.staff_x).get(reverse("subproject_signin", args=[subproject.pk])).content)
    assert rows[3][1] == "'=HYPERLINK(1)"


def test_a_coordinators_sign_in_sheet_holds_only_their_school(client_for, world, subproject):
    for teacher in (world.teacher_a, world.teacher_b):
        enrolment = services.enrolment_nominate(subproject=subproject, teacher=teacher, actor=world.staff_x)
        services.enrolment_confirm(enrolment=enrolment, actor=world.staff_x)
    rows = read_xlsx(client_for(world.coord_b).get(reverse("subproject_signin", args=[subproject.pk])).content)
    assert [r[1] for r in rows[3:]] == [world.teacher_b.name]


def test_the_program_list_exports_the_filtered_programs(client_for, world, program, subproject):
    services.program_create(county=world.county_x, year=2025, level="county", category=program.category, name="+旧项目")
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.staff_x)
    services.enrolment_confirm(enrolment=enrolment, actor=world.staff_x)
    response = client_for(world.staff_x).get(reverse("program_list"), {"format": "xlsx"})
    rows = read_xlsx(response.content)
    assert rows[0] == ("年度", "级别", "类别", "项目名称", "发文单位", "县区/主办", "状态", "子项目数", "参训人次")
    assert rows[1] == (2026, "县级", "示范性项目", "2026年县级骨干教师培训", None, "甲县", "筹备中", 1, 1)
    assert rows[2][3] == "'+旧项目"
    filtered = read_xlsx(
        client_for(world.staff_x).get(reverse("program_list"), {"format": "xlsx", "year": 2025}).content
    )
    assert len(filtered) == 2
