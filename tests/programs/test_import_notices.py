"""A large import (its COPY path) owes its notices in its own transaction and the notices queue makes
them after the commit: every place told exactly once, whatever fails, retries or sweeps in between."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from core import pgcopy
from core.importing import run_import
from programs import import_notices
from programs.importers import EnrolmentImporter
from programs.models import Enrolment, Notice, PendingNotices
from tests.factories import TeacherFactory
from tests.programs.conftest import make_subproject
from tests.xlsx import make_xlsx

pytestmark = pytest.mark.postgresql

HEADER = ["年度", "项目名称", "子项目名称", "身份证号", "状态"]


def _import(world, program, rows):
    importer = EnrolmentImporter(actor=world.admin_x)
    importer.copy_threshold = 0  # the COPY path, as a file of thousands of places takes
    result = run_import(importer, io.BytesIO(make_xlsx([HEADER, *rows])))
    assert result.written, [str(e) for e in result.errors]
    return result


@pytest.fixture
def sub(program):
    return make_subproject(program, quota=0)


def test_the_places_commit_with_what_they_owe_and_the_notices_queue_tells_each_once(
    world, program, sub, django_capture_on_commit_callbacks
):
    teachers = [TeacherFactory(school=world.school_a) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _import(world, program, [[2026, program.name, sub.name, t.id_number, "已确认"] for t in teachers])
    places = set(Enrolment.objects.filter(subproject=sub).values_list("pk", flat=True))
    assert len(places) == 3
    assert not Notice.objects.filter(enrolment__subproject=sub).exists()  # not before the commit
    owed = list(PendingNotices.objects.all())
    assert [(p.action, p.status, set(p.enrolment_ids)) for p in owed] == [("new", "confirmed", places)]
    assert len(callbacks) == 1  # one delivery task per owed row, queued at the commit

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    told = Notice.objects.filter(enrolment__subproject=sub)
    assert sorted(told.values_list("enrolment", flat=True)) == sorted(places)
    assert all(n.needs_response and n.kind == "enrolled" and sub.name in n.subject for n in told)
    assert not PendingNotices.objects.exists()
    # A retry of the same task (the worker lost before its acknowledgement) tells nobody twice.
    assert import_notices.pending_notices_deliver(pending_id=owed[0].pk) == 0
    assert told.count() == 3


def test_what_is_owed_comes_in_chunks_per_status(world, program, sub, monkeypatch):
    """Blocks of CHUNK ids: five places in a row fall into three blocks of two at most."""
    monkeypatch.setattr(import_notices, "CHUNK", 2)
    teachers = [TeacherFactory(school=world.school_a) for _ in range(6)]
    statuses = ["已确认"] * 5 + ["已提名"]
    _import(
        world,
        program,
        [[2026, program.name, sub.name, t.id_number, s] for t, s in zip(teachers, statuses, strict=True)],
    )
    owed = sorted((p.status, len(p.enrolment_ids)) for p in PendingNotices.objects.all())
    assert owed == [("confirmed", 1), ("confirmed", 2), ("confirmed", 2), ("nominated", 1)]
    rows = PendingNotices.objects.values_list("enrolment_ids", flat=True)
    assert sorted(pk for ids in rows for pk in ids) == sorted(Enrolment.objects.values_list("pk", flat=True))


def test_a_status_change_owes_an_update_and_its_notice_says_the_new_status(
    world, program, sub, django_capture_on_commit_callbacks
):
    teacher = TeacherFactory(school=world.school_a)
    with django_capture_on_commit_callbacks(execute=True):
        _import(world, program, [[2026, program.name, sub.name, teacher.id_number, "已提名"]])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _import(world, program, [[2026, program.name, sub.name, teacher.id_number, "已确认"]])
    [owed] = PendingNotices.objects.all()
    assert (owed.action, owed.status) == ("update", "confirmed")
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    latest = Notice.objects.filter(teacher=teacher).latest("pk")
    assert latest.subject.startswith("培训报名确认") and Notice.objects.filter(teacher=teacher).count() == 2
    # One open question per place: the nomination's is replaced by the confirmation's.
    assert list(Notice.objects.filter(teacher=teacher, needs_response=True, response="")) == [latest]


def test_the_sweep_delivers_what_no_task_did_and_leaves_fresh_rows_to_their_tasks(world, program, sub):
    teachers = [TeacherFactory(school=world.school_a) for _ in range(2)]
    # Run outside the capture: the delivery tasks queued at the commit are lost, as with the broker down.
    _import(world, program, [[2026, program.name, sub.name, t.id_number, "已确认"] for t in teachers])
    assert import_notices.pending_notices_sweep() == 0  # a task may still be on its way
    PendingNotices.objects.update(created_at=timezone.now() - dt.timedelta(minutes=10))
    assert import_notices.pending_notices_sweep() == 2
    assert Notice.objects.filter(enrolment__subproject=sub).count() == 2
    assert not PendingNotices.objects.exists()


def test_a_place_deleted_before_the_delivery_is_not_told_and_the_others_are(world, program, sub):
    teachers = [TeacherFactory(school=world.school_a) for _ in range(3)]
    _import(world, program, [[2026, program.name, sub.name, t.id_number, "已确认"] for t in teachers])
    Enrolment.objects.filter(teacher=teachers[0]).delete()
    [owed] = PendingNotices.objects.all()
    assert import_notices.pending_notices_deliver(pending_id=owed.pk) == 2
    assert set(Notice.objects.values_list("teacher", flat=True)) == {teachers[1].pk, teachers[2].pk}


def test_an_import_that_fails_while_writing_owes_nothing(world, program, sub, monkeypatch):
    teacher = TeacherFactory(school=world.school_a)
    original = pgcopy.fetch
    calls = []

    def fail_on_the_update(sql, params=()):
        # The new places and what they owe are written by then: the failure must undo both.
        calls.append(sql)
        if len(calls) == 2:
            from django.db import DataError

            raise DataError("boom")
        return original(sql, params)

    monkeypatch.setattr(pgcopy, "fetch", fail_on_the_update)
    importer = EnrolmentImporter(actor=world.admin_x)
    importer.copy_threshold = 0
    result = run_import(importer, io.BytesIO(make_xlsx([HEADER, [2026, program.name, sub.name, teacher.id_number]])))
    assert not result.written and len(calls) == 2
    assert not Enrolment.objects.filter(subproject=sub).exists()
    assert not PendingNotices.objects.exists()


@pytest.mark.celery_worker
def test_a_notices_worker_tells_the_places_of_a_committed_import(
    transactional_db, world, program, sub, celery_broker, settings
):
    """End to end: the import commits, its delivery goes to the notices queue, a worker consuming that
    queue alone makes the notices, and their e-mail follows on the same queue."""
    from celery.contrib.testing.worker import start_worker
    from django.core import mail

    from config import queues

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    world.teacher_user_a.email = "zhangsan@example.cn"
    world.teacher_user_a.save(update_fields=["email"])
    other = TeacherFactory(school=world.school_a)
    rows = [[2026, program.name, sub.name, t.id_number, "已确认"] for t in (world.teacher_a, other)]
    with start_worker(
        celery_broker, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queues.NOTICES]
    ):
        _import(world, program, rows)
        for _attempt in range(100):
            if mail.outbox:
                break
            celery_broker.control.ping(timeout=0.1)  # waits on the broker, not a sleep
    assert sorted(Notice.objects.values_list("teacher", flat=True)) == sorted([world.teacher_a.pk, other.pk])
    assert not PendingNotices.objects.exists()
    assert [m.to for m in mail.outbox] == [["zhangsan@example.cn"]]
