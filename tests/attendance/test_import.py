"""Attendance from Excel: matched by year + program name in scope, sub-project name and date;
all or nothing with per-row Chinese errors; a re-import updates."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from attendance.importers import (
    ERR_NAME_MISMATCH,
    ERR_NOT_ENROLLED,
    ERR_PROGRAM_UNKNOWN,
    ERR_SESSION_UNKNOWN,
    ERR_SUBPROJECT_UNKNOWN,
    IMPORT_REASON,
    AttendanceImporter,
)
from attendance.models import AttendanceChange, AttendanceRecord
from core.importing import ERR_DUPLICATE_IN_FILE, ERR_MISSING_COLUMN, run_import
from tests.xlsx import make_xlsx

HEADER = ["年度", "项目名称", "子项目名称", "日期", "身份证号", "姓名", "出勤状态", "备注"]


def _row(roster, teacher, status="出勤", note="", **override):
    session = roster.session
    values = {
        "year": session.subproject.program.year,
        "program": session.subproject.program.name,
        "subproject": session.subproject.name,
        "date": session.date.strftime("%Y-%m-%d"),
        "id": teacher.id_number,
        "name": teacher.name,
    }
    values.update(override)
    return [
        values["year"],
        values["program"],
        values["subproject"],
        values["date"],
        values["id"],
        values["name"],
        status,
        note,
    ]


def _run(rows, **options):
    return run_import(AttendanceImporter(**options), io.BytesIO(make_xlsx([HEADER, *rows])))


def test_a_good_file_records_every_row_and_audits_it(world, roster):
    result = _run(
        [_row(roster, world.teacher_a), _row(roster, world.teacher_b, "请假", "病假")], county_id=world.county_x.pk
    )
    assert result.errors == []
    assert (result.created, result.updated, result.written) == (2, 0, True)
    b = AttendanceRecord.objects.get(enrolment=roster.enrol_b)
    assert (b.status, b.note, b.source) == ("leave", "病假", "import")
    assert {c.reason for c in AttendanceChange.objects.all()} == {IMPORT_REASON}


def test_reimporting_updates_instead_of_duplicating(world, roster):
    _run([_row(roster, world.teacher_a, "缺勤")])
    result = _run([_row(roster, world.teacher_a, "出勤")])
    assert (result.created, result.updated) == (0, 1)
    assert AttendanceRecord.objects.get().status == "present"
    assert [(c.old_status, c.new_status) for c in AttendanceChange.objects.order_by("revision")] == [
        ("", "absent"),
        ("absent", "present"),
    ]


@pytest.mark.parametrize(
    ("override", "column", "message"),
    [
        ({"program": "没有的项目"}, "项目名称", ERR_PROGRAM_UNKNOWN.format(year=2026, name="没有的项目")),
        ({"subproject": "没有的子项目"}, "子项目名称", ERR_SUBPROJECT_UNKNOWN.format(name="没有的子项目")),
        ({"date": "2020-01-01"}, "日期", ERR_SESSION_UNKNOWN.format(date="2020-01-01")),
        ({"name": "张冠李戴"}, "姓名", ERR_NAME_MISMATCH),
    ],
)
def test_each_kind_of_bad_row_is_reported_and_nothing_is_written(world, roster, override, column, message):
    result = _run([_row(roster, world.teacher_b), _row(roster, world.teacher_a, **override)])
    assert [(e.row, e.column, e.message) for e in result.errors] == [(3, column, message)]
    assert not result.written
    assert not AttendanceRecord.objects.exists()


def test_a_teacher_not_confirmed_in_the_subproject_is_an_error(world, roster):
    result = _run([_row(roster, world.teacher_c)])
    assert [(e.column, e.message) for e in result.errors] == [("身份证号", ERR_NOT_ENROLLED)]


def test_a_bad_status_is_reported_in_chinese(world, roster):
    result = _run([_row(roster, world.teacher_a, "到了")])
    assert result.errors[0].column == "出勤状态"
    assert "无效" in result.errors[0].message


def test_the_same_trainee_and_date_twice_is_an_error(world, roster):
    result = _run([_row(roster, world.teacher_a), _row(roster, world.teacher_a, "缺勤")])
    assert [(e.row, e.message) for e in result.errors] == [(3, ERR_DUPLICATE_IN_FILE.format(row=2))]
    assert not AttendanceRecord.objects.exists()


def test_a_missing_column_is_reported(world, roster):
    result = run_import(AttendanceImporter(), io.BytesIO(make_xlsx([HEADER[:-2], _row(roster, world.teacher_a)[:-2]])))
    assert [(e.column, e.message) for e in result.errors] == [("出勤状态", ERR_MISSING_COLUMN)]


def test_another_countys_program_is_not_found_in_scope(world, roster):
    result = _run([_row(roster, world.teacher_a)], county_id=world.county_y.pk)
    assert result.errors[0].column == "项目名称"
    assert not AttendanceRecord.objects.exists()


def test_the_command_imports_a_file(world, roster, tmp_path, capsys):
    path = tmp_path / "att.xlsx"
    make_xlsx([HEADER, _row(roster, world.teacher_a, "迟到")], path=path)
    call_command("import_attendance", str(path), "--county", world.county_x.name)
    assert "导入完成" in capsys.readouterr().out
    assert AttendanceRecord.objects.get().status == "late"


def test_the_command_refuses_a_bad_file_and_writes_nothing(world, roster, tmp_path):
    path = tmp_path / "att.xlsx"
    make_xlsx([HEADER, _row(roster, world.teacher_a), _row(roster, world.teacher_b, name="错名")], path=path)
    with pytest.raises(CommandError):
        call_command("import_attendance", str(path))
    assert not AttendanceRecord.objects.exists()


def test_the_browser_flow_is_scoped_to_the_staffs_county(client_for, world, roster):
    data = make_xlsx([HEADER, _row(roster, world.teacher_a)])
    client = client_for(world.staff_x)
    upload = client.post(reverse("import_upload", args=["attendance"]), {"file": SimpleUploadedFile("a.xlsx", data)})
    assert upload.status_code == 302
    preview = client.get(upload["Location"])
    assert preview.context["result"].errors == []
    done = client.post(upload["Location"] + "confirm/")
    assert done.context["result"].written
    assert AttendanceRecord.objects.get().updated_by == world.staff_x
    assert client_for(world.coord_a).get(reverse("import_upload", args=["attendance"])).status_code == 403
