"""Large imports write through PostgreSQL COPY into a temporary table and one set-based insert and
update, in the same transaction: same results as the ORM path, history triggers firing."""

import io

import pytest
from django.db import transaction

from core.importing import run_import
from programs import import_notices, notices, services
from programs.importers import EnrolmentImporter
from programs.models import Enrolment, Notice, PendingNotices
from tests.factories import CategoryFactory, TeacherFactory, make_id_number
from tests.programs.conftest import make_subproject
from tests.xlsx import make_xlsx
from trainees.importers import TeacherImporter
from trainees.models import Teacher, TeacherTransfer

pytestmark = pytest.mark.postgresql


class Rollback(Exception):
    pass


@pytest.fixture
def program(world):
    return services.program_create(
        county=world.county_x, year=2026, level="county", category=CategoryFactory(), name="2026年县级骨干教师培训"
    )


def _deliver_owed() -> int:
    """What the notices queue does once a COPY-path import has committed."""
    pks = PendingNotices.objects.values_list("pk", flat=True)
    return sum(import_notices.pending_notices_deliver(pending_id=pk) for pk in pks)


def _both_paths(importer_cls, data, snapshot, *, actor=None):
    """Run the same file through the ORM path and the COPY path on the same database state."""
    outcomes = []
    for threshold in (10**9, 0):
        try:
            with transaction.atomic():
                importer = importer_cls(actor=actor)
                importer.copy_threshold = threshold
                result = run_import(importer, io.BytesIO(data))
                outcomes.append(((result.created, result.updated, [str(e) for e in result.errors]), snapshot()))
                raise Rollback
        except Rollback:
            pass
    return outcomes


def test_teachers_come_out_the_same_through_copy_and_the_orm(world):
    known = TeacherFactory(school=world.school_a, phone="13900000000", subject="数学", title="一级教师")
    fresh = make_id_number()
    rows = [
        ["姓名", "身份证号", "学校", "手机号", "学科", "职称", "乡村教师", "特教专业方向", "参加工作年月"],
        ["改名", known.id_number, world.school_b.code, "", "语文", "", "是", "孤独症", "2008-09"],
        ["新人\t带制表符", fresh, world.school_a.code, "0731-84123456", "", "\\高级", "", "", ""],
    ]

    def snapshot():
        teachers = {
            t["id_number"]: {k: v for k, v in t.items() if k not in ("id", "created_at", "updated_at")}
            for t in Teacher.objects.values()
        }
        transfers = sorted(
            TeacherTransfer.objects.values_list("teacher__id_number", "from_school", "to_school", "note")
        )
        return teachers, transfers

    (orm, orm_state), (copy, copy_state) = _both_paths(TeacherImporter, make_xlsx(rows), snapshot, actor=world.staff_x)
    assert orm == copy == (1, 1, [])
    assert orm_state == copy_state
    teachers, transfers = copy_state
    assert teachers[known.id_number]["phone"] == "13900000000"  # a blank cell keeps the stored value
    assert teachers[known.id_number]["special_ed_direction"] == "autism"
    assert teachers[fresh]["name"] == "新人\t带制表符" and teachers[fresh]["title"] == "\\高级"
    assert transfers == [(known.id_number, world.school_a.pk, world.school_b.pk, "Excel 导入")]


def test_enrolments_come_out_the_same_and_the_history_triggers_fire(world, program):
    sub = make_subproject(program, quota=0)
    changing = TeacherFactory(school=world.school_a)
    returning = TeacherFactory(school=world.school_a)
    new = TeacherFactory(school=world.school_b)
    services.enrolment_nominate(subproject=sub, teacher=changing, actor=world.staff_x)
    gone = services.enrolment_nominate(subproject=sub, teacher=returning, actor=world.staff_x)
    services.enrolment_withdraw(enrolment=gone, actor=world.staff_x, reason="调课")
    header = ["年度", "项目名称", "子项目名称", "身份证号", "姓名", "状态"]
    rows = [header] + [
        [2026, program.name, sub.name, t.id_number, t.name, status]
        for t, status in ((changing, "已完成"), (returning, "已确认"), (new, "已提名"))
    ]
    event_model = Enrolment.events.rel.related_model

    def snapshot():
        enrolments = sorted(Enrolment.objects.values_list("teacher__id_number", "school", "status", "changed_by"))
        _deliver_owed()  # the COPY path's notices, made after its commit (none are owed on the ORM path)
        notices = sorted(Notice.objects.values_list("teacher__id_number", "kind", "subject", "enrolment__status"))
        events = sorted(
            (e.pgh_label, e.status, e.teacher.id_number, (e.pgh_context.metadata if e.pgh_context else {}).get("user"))
            for e in event_model.objects.select_related("pgh_context", "teacher").filter(pgh_obj__subproject=sub)
            if e.pgh_context is not None
        )
        return enrolments, notices, events

    (orm, orm_state), (copy, copy_state) = _both_paths(
        EnrolmentImporter, make_xlsx(rows), snapshot, actor=world.admin_x
    )
    assert orm == copy == (2, 1, [])
    assert orm_state == copy_state
    enrolments, notices, events = copy_state
    assert len(notices) == 3 + 3  # three from the nominations and withdrawal, three from the import
    assert ("insert", "nominated", new.id_number, world.admin_x.pk) in events
    assert ("update", "completed", changing.id_number, world.admin_x.pk) in events
    assert ("insert", "confirmed", returning.id_number, world.admin_x.pk) in events


def test_a_failing_copy_write_leaves_nothing_behind(world, monkeypatch):
    from django.db import DataError

    from core import pgcopy

    known = TeacherFactory(school=world.school_a)
    rows = [
        ["姓名", "身份证号", "学校"],
        ["张", make_id_number(), world.school_a.code],
        ["改", known.id_number, world.school_b.code],
    ]
    original = pgcopy.copy_rows

    def fail_on_new_teachers(table, columns, rows, **options):
        # The known teacher's transfer and update are written by then: the failure must undo them.
        if table == "trainees_teacher":
            raise DataError("boom")
        return original(table, columns, rows, **options)

    monkeypatch.setattr(pgcopy, "copy_rows", fail_on_new_teachers)
    importer = TeacherImporter()
    importer.copy_threshold = 0
    result = run_import(importer, io.BytesIO(make_xlsx(rows)))
    assert not result.written and [e.message for e in result.errors] == ["写入时出错，未导入任何数据：DataError"]
    assert TeacherTransfer.objects.count() == 0
    known.refresh_from_db()
    assert (known.name, known.school) != ("改", world.school_b) and Teacher.objects.count() == 4


def test_copy_notices_carry_the_first_session_and_are_emailed_only_where_there_is_an_address(
    world, program, settings, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    sub = make_subproject(program, quota=0)
    services.session_create(
        subproject=sub, date=dt.date(2026, 9, 2), start_time=dt.time(8), end_time=dt.time(9), place="别处"
    )
    services.session_create(
        subproject=sub, date=dt.date(2026, 9, 1), start_time=dt.time(8, 30), end_time=dt.time(11), place="报告厅"
    )
    world.teacher_user_a.email = "zhangsan@example.cn"
    world.teacher_user_a.save(update_fields=["email"])
    other = TeacherFactory(school=world.school_a)
    rows = [["年度", "项目名称", "子项目名称", "身份证号"]] + [
        [2026, program.name, sub.name, t.id_number] for t in (world.teacher_a, other)
    ]
    importer = EnrolmentImporter(actor=world.admin_x)
    importer.copy_threshold = 0
    with django_capture_on_commit_callbacks(execute=True):
        result = run_import(importer, io.BytesIO(make_xlsx(rows)))
    assert result.written and result.created == 2
    bodies = set(Notice.objects.filter(enrolment__subproject=sub).values_list("body", flat=True))
    assert len(bodies) == 1 and "2026-09-01 08:30–11:00" in bodies.pop()
    assert [m.to for m in mail.outbox] == [["zhangsan@example.cn"]]
    emailed = Notice.objects.filter(enrolment__subproject=sub, emailed_at__isnull=False)
    assert list(emailed.values_list("teacher", flat=True)) == [world.teacher_a.pk]


def test_copy_notices_are_texted_after_commit_to_teachers_with_a_phone(
    world, program, django_capture_on_commit_callbacks
):
    """As the ORM path's notify(): every notice whose teacher has a phone gets its text message."""
    from core import sms

    sub = make_subproject(program, quota=0)
    texted = TeacherFactory(school=world.school_a, phone="13800138000")
    silent = TeacherFactory(school=world.school_a, phone="")
    rows = [["年度", "项目名称", "子项目名称", "身份证号"]] + [
        [2026, program.name, sub.name, t.id_number] for t in (texted, silent)
    ]
    importer = EnrolmentImporter(actor=world.admin_x)
    importer.copy_threshold = 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = run_import(importer, io.BytesIO(make_xlsx(rows)))
    assert result.written and sms.outbox == []
    with django_capture_on_commit_callbacks(execute=True):  # the notices, then their texts
        for callback in callbacks:
            callback()
    assert [m.phone for m in sms.outbox] == ["13800138000"]
    assert sub.name in sms.outbox[0].text
    sent = Notice.objects.filter(enrolment__subproject=sub, sms_sent_at__isnull=False)
    assert list(sent.values_list("teacher", flat=True)) == [texted.pk]


def test_copy_text_format_keeps_every_character_and_null_apart(db):
    """Texts with a tab, newline, carriage return or backslash (even a literal \\N) survive; None is NULL."""
    from django.db import connection

    from core import pgcopy

    # Backslashes next to N (a whole field's \N is NULL's spelling) and at either end of a text.
    texts = ["a\tb", "c\nd", "e\rf", "g\\h", "\\N", "a\\N", "\\Nb", "\\N\\N", "x\\", "\\", "None", "普通", ""]
    with transaction.atomic():
        pgcopy.copy_temp_table(
            "copy_probe",
            [("n", "int"), ("t", "text"), ("b", "boolean")],
            [
                *((i, t, i % 2 == 0) for i, t in enumerate(texts)),
                (99, None, None),
                (100, "x", pgcopy.NULL),
                (101, "None", None),  # the text None beside a NULL
                *((200 + i, t, pgcopy.NULL) for i, t in enumerate(texts)),  # a NULL in the same line
            ],
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT n, t, b FROM copy_probe ORDER BY n")
            stored = cursor.fetchall()
    assert stored == [
        *((i, t, i % 2 == 0) for i, t in enumerate(texts)),
        (99, None, None),
        (100, "x", None),
        (101, "None", None),
        *((200 + i, t, None) for i, t in enumerate(texts)),
    ]


@pytest.mark.parametrize("threshold", [10**9, 0], ids=["orm", "copy"])
def test_imported_places_ask_the_teacher_to_answer_once_per_place(
    world, program, threshold, django_capture_on_commit_callbacks
):
    """An imported place asks 确认参训 / 无法参加 as one given in the app does; a place imported again
    replaces its open question, and a place the teacher acknowledged is not asked again."""

    def imported(rows):
        importer = EnrolmentImporter(actor=world.admin_x)
        importer.copy_threshold = threshold
        with django_capture_on_commit_callbacks(execute=True):
            result = run_import(
                importer, io.BytesIO(make_xlsx([["年度", "项目名称", "子项目名称", "身份证号", "状态"], *rows]))
            )
        assert result.written, result.errors

    sub = make_subproject(program, quota=0)
    other = TeacherFactory(school=world.school_b)
    imported([[2026, program.name, sub.name, t.id_number, "已提名"] for t in (world.teacher_a, other)])
    first = {n.teacher_id: n for n in Notice.objects.filter(enrolment__subproject=sub)}
    assert all(n.needs_response and n.response == "" for n in first.values())
    notices.notice_answer(notice=first[world.teacher_a.pk], response="acknowledged", actor=world.teacher_user_a)

    imported([[2026, program.name, sub.name, t.id_number, "已确认"] for t in (world.teacher_a, other)])
    open_questions = Notice.objects.filter(enrolment__subproject=sub, needs_response=True, response="")
    assert list(open_questions.values_list("teacher", flat=True)) == [other.pk]  # the new one only
    assert Notice.objects.filter(enrolment__subproject=sub, teacher=other).count() == 2
    imported([[2026, program.name, sub.name, other.id_number, "已完成"]])
    assert not Notice.objects.filter(enrolment__subproject=sub, teacher=other).latest("pk").needs_response


def test_copy_streams_many_blocks_and_none_at_all(db):
    """Lines go to the server a block at a time: every row of several blocks arrives once, in order,
    and no rows at all is no COPY (the table stays empty)."""
    from django.db import connection

    from core import pgcopy

    count = pgcopy.STREAM_LINES * 2 + 7
    with transaction.atomic():
        pgcopy.copy_temp_table("copy_blocks", [("n", "int"), ("t", "text")], ((i, f"行{i}\t") for i in range(count)))
        pgcopy.copy_temp_table("copy_none", [("n", "int")], iter(()))
        with connection.cursor() as cursor:
            cursor.execute("SELECT n, t FROM copy_blocks ORDER BY n")
            stored = cursor.fetchall()
            cursor.execute("SELECT count(*) FROM copy_none")
            assert cursor.fetchone() == (0,)
    assert stored == [(i, f"行{i}\t") for i in range(count)]
