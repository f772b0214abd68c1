import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from core.importing import run_import
from programs import services
from programs.importers import (
    ERR_NAME_MISMATCH,
    ERR_STATUS,
    ERR_SUBPROJECT_UNKNOWN,
    ERR_TEACHER_OTHER_COUNTY,
    ERR_TEACHER_UNKNOWN,
    EnrolmentImporter,
)
from programs.models import Enrolment, Notice
from programs.services import ERR_SUBPROJECT_FULL
from tests.factories import TeacherFactory, make_id_number
from tests.xlsx import make_xlsx

from .conftest import make_subproject

HEADER = ["年度", "项目名称", "子项目名称", "身份证号", "姓名", "状态"]


def line(teacher, sub="小学数学骨干班", status="已确认", name=None):
    return [2026, "2026年县级骨干教师培训", sub, teacher.id_number, teacher.name if name is None else name, status]


def run(rows, **options):
    return run_import(EnrolmentImporter(**options), io.BytesIO(make_xlsx([HEADER, *rows])))


@pytest.fixture(autouse=True, params=["preloaded", "by-block"])
def registry_reading(request, monkeypatch):
    """Every rule here holds both ways the importer reads the registry: a county's up front, and
    block by block what the file names (a province-wide run beyond PRELOAD_MAX)."""
    if request.param == "by-block":
        monkeypatch.setattr(EnrolmentImporter, "PRELOAD_MAX", 0)
    return request.param


def test_read_block_by_block_the_importer_holds_only_the_files_teachers(world, subproject, registry_reading):
    for _ in range(5):
        TeacherFactory(school=world.school_a)
    importer = EnrolmentImporter()
    result = run_import(importer, io.BytesIO(make_xlsx([HEADER, line(world.teacher_a), line(world.teacher_b)])))
    assert result.created == 2
    held = set(importer.teachers)
    if registry_reading == "by-block":
        assert held == {world.teacher_a.id_number, world.teacher_b.id_number}
        assert set(importer.subs) == {(2026, "2026年县级骨干教师培训", "小学数学骨干班")}
    else:
        assert len(held) > 2


def test_a_registered_number_that_does_not_decode_is_still_matched(world, subproject):
    """A number stored before its check digit was checked is the teacher's: it is matched, not refused."""
    from trainees.models import Teacher

    number = world.teacher_a.id_number
    legacy = number[:-1] + ("0" if number[-1] != "0" else "1")
    Teacher.objects.filter(pk=world.teacher_a.pk).update(id_number=legacy)
    result = run([[2026, "2026年县级骨干教师培训", "小学数学骨干班", legacy, "", ""]])
    assert result.errors == [] and result.created == 1


def test_a_good_file_enrols_and_tells_each_teacher(world, subproject):
    other = TeacherFactory(school=world.school_a)
    result = run([line(world.teacher_a), line(other, status=None), line(world.teacher_b, status="已提名")])
    assert result.errors == []
    assert (result.created, result.updated) == (3, 0)
    statuses = dict(Enrolment.objects.values_list("teacher__name", "status"))
    assert statuses == {world.teacher_a.name: "confirmed", other.name: "confirmed", world.teacher_b.name: "nominated"}
    assert Notice.objects.count() == 3
    assert set(Notice.objects.values_list("teacher", flat=True)) == {world.teacher_a.pk, other.pk, world.teacher_b.pk}


def test_reimporting_updates_the_status_instead_of_duplicating(world, subproject):
    run([line(world.teacher_a, status="已提名")])
    result = run([line(world.teacher_a, status="已完成")])
    assert (result.created, result.updated) == (0, 1)
    assert list(Enrolment.objects.values_list("status", flat=True)) == ["completed"]
    again = run([line(world.teacher_a, status="已完成")])
    assert (again.created, again.updated) == (0, 0)
    assert Enrolment.objects.count() == 1


def test_a_withdrawal_by_import_tells_the_teacher(world, subproject):
    run([line(world.teacher_a)])
    run([line(world.teacher_a, status="已退出")])
    assert Enrolment.objects.get().status == "withdrawn"
    assert Notice.objects.filter(teacher=world.teacher_a, kind=Notice.Kind.WITHDRAWN).count() == 1


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"sub": "不存在的班"}, "子项目名称", None),
        ({"name": "别人"}, "姓名", ERR_NAME_MISMATCH.format(name="张三")),
        ({"status": "已报名"}, "状态", ERR_STATUS.format(value="已报名")),
    ],
)
def test_each_kind_of_bad_row_is_reported_and_nothing_is_written(world, subproject, cells, column, message):
    result = run([line(world.teacher_b), line(world.teacher_a, **cells)])
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    if message:
        assert result.errors[0].message == message
    assert not Enrolment.objects.exists() and not Notice.objects.exists()


def test_an_unknown_sub_project_names_what_was_looked_for(world, subproject):
    result = run([line(world.teacher_a, sub="不存在的班")])
    assert result.errors[0].message == ERR_SUBPROJECT_UNKNOWN.format(
        year=2026, program="2026年县级骨干教师培训", sub="不存在的班"
    )


def test_an_unknown_or_invalid_id_number_is_reported(world, subproject):
    unknown = make_id_number()
    result = run([[2026, "2026年县级骨干教师培训", "小学数学骨干班", unknown, "", ""]])
    assert [(e.column, e.message) for e in result.errors] == [("身份证号", ERR_TEACHER_UNKNOWN)]
    bad = run([[2026, "2026年县级骨干教师培训", "小学数学骨干班", "123", "", ""]])
    assert [e.column for e in bad.errors] == ["身份证号"]


def test_a_registered_number_is_matched_as_typed_and_others_get_their_own_message(world, subproject):
    from core.importing import ERR_ID_AS_NUMBER
    from trainees.idcard import ERR_CHECKSUM

    typed = " " + world.teacher_a.id_number.lower()[:9] + " " + world.teacher_a.id_number.lower()[9:] + " "
    number = make_id_number()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    result = run(
        [
            [2026, "2026年县级骨干教师培训", "小学数学骨干班", typed, "", ""],
            [2026, "2026年县级骨干教师培训", "小学数学骨干班", wrong, "", ""],
            [2026, "2026年县级骨干教师培训", "小学数学骨干班", 3.699011987070724e17, "", ""],
        ]
    )
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "身份证号", ERR_CHECKSUM),
        (4, "身份证号", ERR_ID_AS_NUMBER),
    ]
    assert result.errors[0].value == wrong
    assert not Enrolment.objects.exists()
    assert run([[2026, "2026年县级骨干教师培训", "小学数学骨干班", typed, "", ""]]).created == 1
    assert Enrolment.objects.get().teacher == world.teacher_a


def test_a_teacher_of_another_county_is_refused(world, subproject):
    result = run([line(world.teacher_c)])
    assert [(e.column, e.message) for e in result.errors] == [("身份证号", ERR_TEACHER_OTHER_COUNTY)]


def test_a_duplicate_row_is_refused(world, subproject):
    result = run([line(world.teacher_a), line(world.teacher_a, status="已完成")])
    assert [(e.row, e.column) for e in result.errors] == [(3, "身份证号")]


def test_overlapping_dates_within_the_file_are_refused(world, program, subproject):
    make_subproject(program, "同期班", start=dt.date(2026, 9, 2), end=dt.date(2026, 9, 4))
    result = run([line(world.teacher_a), line(world.teacher_a, sub="同期班")])
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "该教师已报名“小学数学骨干班”（2026-09-01 至 2026-09-03），与本子项目的面授日期重叠")
    ]


def test_overlap_with_an_enrolment_already_stored_is_refused(world, program, subproject):
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.staff_x)
    make_subproject(program, "同期班", start=dt.date(2026, 9, 3), end=dt.date(2026, 9, 3))
    result = run([line(world.teacher_a, sub="同期班")])
    assert [e.message for e in result.errors] == [
        "该教师已报名“小学数学骨干班”（2026-09-01 至 2026-09-03），与本子项目的面授日期重叠"
    ]


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        (dt.date(2026, 8, 28), dt.date(2026, 9, 1), True),  # ends on the file's first day
        (dt.date(2026, 9, 3), dt.date(2026, 9, 9), True),  # starts on the file's last day
        (dt.date(2026, 8, 25), dt.date(2026, 8, 31), False),  # the day before
        (dt.date(2026, 9, 4), dt.date(2026, 9, 6), False),  # the day after
    ],
)
def test_a_stored_place_of_another_countys_programme_counts_up_to_the_files_first_and_last_day(
    world, subproject, start, end, overlaps
):
    """The stored places are looked up by the file's dates and the teachers' counties, not by the
    programme's: a teacher's place in another county's (or a city's) programme still takes their days."""
    from tests.factories import EnrolmentFactory, SubProjectFactory

    elsewhere = SubProjectFactory(name="外县研修班", start_date=start, end_date=end)
    assert elsewhere.program.county_id != subproject.program.county_id
    EnrolmentFactory(subproject=elsewhere, teacher=world.teacher_a)
    result = run([line(world.teacher_a), line(world.teacher_b)])
    expected = [(2, f"该教师已报名“外县研修班”（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}），与本子项目的面授日期重叠")]
    assert [(e.row, e.message) for e in result.errors] == (expected if overlaps else [])


def test_withdrawing_in_the_same_file_clears_the_overlap(world, program, subproject):
    run([line(world.teacher_a)])
    make_subproject(program, "同期班")
    result = run([line(world.teacher_a, status="已退出"), line(world.teacher_a, sub="同期班")])
    assert result.ok


def test_the_sub_project_quota_is_enforced(world, program):
    make_subproject(program, "小班", quota=2)
    teachers = [TeacherFactory(school=world.school_a) for _ in range(3)]
    result = run([line(t, sub="小班") for t in teachers])
    assert [(e.row, e.message) for e in result.errors] == [(4, ERR_SUBPROJECT_FULL.format(quota=2))]


def test_the_command_exits_zero_on_a_good_file(world, subproject, tmp_path, capsys):
    path = tmp_path / "enrolments.xlsx"
    make_xlsx([HEADER, line(world.teacher_a)], path=path)
    call_command("import_enrolments", str(path), "--user", world.staff_x.username)
    assert "新增 1" in capsys.readouterr().out
    assert Enrolment.objects.get().created_by == world.staff_x


def test_the_command_exits_non_zero_and_writes_nothing_on_a_bad_file(world, subproject, tmp_path, capsys):
    path = tmp_path / "enrolments.xlsx"
    make_xlsx([HEADER, line(world.teacher_a), line(world.teacher_c)], path=path)
    with pytest.raises(CommandError):
        call_command("import_enrolments", str(path))
    assert "第 3 行 [身份证号]" in capsys.readouterr().err
    assert not Enrolment.objects.exists()


def test_the_command_exit_code_is_one_from_the_shell(world, subproject, tmp_path):
    from django.core.management import execute_from_command_line

    path = tmp_path / "enrolments.xlsx"
    make_xlsx([HEADER, line(world.teacher_c)], path=path)
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "import_enrolments", str(path)])
    assert exit_info.value.code == 1


@pytest.mark.postgresql
def test_imported_changes_are_in_the_history_with_the_user(world, subproject):
    run([line(world.teacher_a, status="已提名")], actor=world.staff_x)
    run([line(world.teacher_a, status="已确认")], actor=world.admin_x)
    enrolment = Enrolment.objects.get()
    events = [(e.pgh_label, e.status, e.pgh_context.metadata["user"]) for e in enrolment.events.order_by("pgh_id")]
    assert events == [("insert", "nominated", world.staff_x.pk), ("update", "confirmed", world.admin_x.pk)]


def test_the_browser_flow_previews_then_imports(client_for, world, subproject, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client = client_for(world.staff_x)
    upload = SimpleUploadedFile("名单.xlsx", make_xlsx([HEADER, line(world.teacher_a)]))
    response = client.post(reverse("import_upload", args=["enrolments"]), {"file": upload})
    assert response.status_code == 302
    preview = client.get(response.url)
    assert "新增 1" in preview.content.decode() and not Enrolment.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(response.url + "confirm/")
    assert done.status_code == 200
    assert Enrolment.objects.get().teacher == world.teacher_a
    assert Notice.objects.filter(teacher=world.teacher_a).exists()


def test_the_browser_import_cannot_enrol_into_another_countys_sub_project(world, subproject):
    importer = EnrolmentImporter.for_user(world.staff_y)
    result = run_import(importer, io.BytesIO(make_xlsx([HEADER, line(world.teacher_a)])))
    # Neither county X's sub-project nor its teacher exists for county Y's staff.
    assert [e.column for e in result.errors] == ["子项目名称", "身份证号"]
    assert not Enrolment.objects.exists()


def test_completing_by_import_writes_the_credit_ledger_and_withdrawing_removes_it(world, subproject):
    from assessment.models import CreditEntry, CreditTally

    type(subproject).objects.filter(pk=subproject.pk).update(hours=24)
    run([line(world.teacher_a, status="已完成")])
    row = CreditEntry.objects.get(teacher=world.teacher_a)
    assert (row.source_kind, row.hours) == ("enrolment", 24)
    assert CreditTally.objects.get(teacher=world.teacher_a, year=2026).total_hours == 24
    run([line(world.teacher_a, status="已退出")])
    assert not CreditEntry.objects.exists()


def test_the_copy_path_writes_the_ledger_too(world, subproject):
    from assessment.models import CreditEntry

    type(subproject).objects.filter(pk=subproject.pk).update(hours=24)
    services.quota_set(subproject=subproject, school=world.school_b, quota=2)
    run([line(world.teacher_a, status="已完成"), line(world.teacher_b, status="已确认")], copy_threshold=1)
    assert list(CreditEntry.objects.values_list("teacher", flat=True)) == [world.teacher_a.pk]
