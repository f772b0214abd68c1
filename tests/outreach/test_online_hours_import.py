"""Online study hours from the platform's Excel export: all or nothing, re-import updates."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.importing import run_import
from outreach.importers import ERR_NAME_MISMATCH, ERR_NOT_ENROLLED, ERR_SUBPROJECT_UNKNOWN, OnlineHoursImporter
from outreach.models import OnlineStudy
from tests.factories.outreach import make_workshop
from tests.factories.programs import EnrolmentFactory
from tests.xlsx import make_xlsx

HEADER = ["年度", "项目名称", "子项目名称", "身份证号", "姓名", "在线学时", "完成任务数"]


@pytest.fixture
def places(world):
    workshop = make_workshop(county=world.county_x)
    sub = workshop.subproject
    a = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    b = EnrolmentFactory(subproject=sub, teacher=world.teacher_b)
    return sub, a, b


def _row(sub, teacher, hours, tasks=3, name=None):
    return [sub.program.year, sub.program.name, sub.name, teacher.id_number, name or teacher.name, hours, tasks]


def _run(rows, **options):
    return run_import(OnlineHoursImporter(**options), io.BytesIO(make_xlsx([HEADER, *rows])))


def test_a_good_file_writes_online_study_per_enrolment(world, places):
    sub, a, b = places
    result = _run([_row(sub, world.teacher_a, 12.5, 4), _row(sub, world.teacher_b, "30", 6)])
    assert result.ok and result.written and (result.created, result.updated) == (2, 0)
    assert OnlineStudy.objects.get(enrolment=a).online_hours == Decimal("12.5")
    assert OnlineStudy.objects.get(enrolment=b).tasks_done == 6


def test_re_import_updates_the_same_rows(world, places):
    sub, a, _b = places
    _run([_row(sub, world.teacher_a, 10)])
    result = _run([_row(sub, world.teacher_a, 20, 8), _row(sub, world.teacher_b, 5)])
    assert (result.created, result.updated) == (1, 1)
    study = OnlineStudy.objects.get(enrolment=a)
    assert (study.online_hours, study.tasks_done) == (Decimal(20), 8)
    assert OnlineStudy.objects.count() == 2


def test_one_bad_row_writes_nothing_and_every_error_is_listed(world, places):
    sub, _a, _b = places
    result = _run(
        [
            _row(sub, world.teacher_a, 10),
            _row(sub, world.teacher_c, 10),
            _row(sub, world.teacher_b, 10, name="别人"),
            _row(sub, world.teacher_b, -1),
            [sub.program.year, "不存在的项目", sub.name, world.teacher_a.id_number, "张三", 1, 1],
        ]
    )
    assert not result.written and not OnlineStudy.objects.exists()
    messages = [(e.row, e.message) for e in result.errors]
    assert (3, ERR_NOT_ENROLLED) in messages
    assert (4, ERR_NAME_MISMATCH) in messages
    assert (5, "不能为负数") in messages
    assert (6, ERR_SUBPROJECT_UNKNOWN) in messages


def test_a_teacher_twice_in_the_file_is_refused(world, places):
    sub, _a, _b = places
    result = _run([_row(sub, world.teacher_a, 10), _row(sub, world.teacher_a, 11)])
    assert not result.written and "重复" in result.errors[0].message


def test_a_missing_column_is_reported(world, places):
    data = make_xlsx([HEADER[:-1], [2026, "x", "y", "z", "n", 1]])
    result = run_import(OnlineHoursImporter(), io.BytesIO(data))
    assert [e.column for e in result.errors] == ["完成任务数"]


def test_another_countys_staff_cannot_import_these_places(world, places):
    sub, _a, _b = places
    result = _run([_row(sub, world.teacher_a, 10)], county_id=world.county_y.pk)
    assert not result.written and result.errors[0].message == ERR_SUBPROJECT_UNKNOWN


def test_the_command_imports_and_refuses_bad_files(world, places, tmp_path):
    sub, a, _b = places
    good = tmp_path / "good.xlsx"
    make_xlsx([HEADER, _row(sub, world.teacher_a, 7)], path=good)
    call_command("import_online_hours", str(good))
    assert OnlineStudy.objects.get(enrolment=a).online_hours == Decimal(7)
    bad = tmp_path / "bad.xlsx"
    make_xlsx([HEADER, _row(sub, world.teacher_a, 9), _row(sub, world.teacher_c, 9)], path=bad)
    with pytest.raises(CommandError):
        call_command("import_online_hours", str(bad))
    assert OnlineStudy.objects.get(enrolment=a).online_hours == Decimal(7)


def test_county_staff_import_in_the_browser(world, places, client_for):
    sub, a, _b = places
    client = client_for(world.staff_x)
    data = make_xlsx([HEADER, _row(sub, world.teacher_a, 3)])
    response = client.post(
        reverse("import_upload", args=["online_hours"]), {"file": SimpleUploadedFile("hours.xlsx", data)}
    )
    assert response.status_code == 302
    client.post(response["Location"] + "confirm/")
    assert OnlineStudy.objects.get(enrolment=a).online_hours == Decimal(3)
    assert client_for(world.coord_a).get(reverse("import_upload", args=["online_hours"])).status_code == 403
