"""The session list and a teacher's attendance record run a fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.services import RowInput, attendance_grid_save
from tests.factories.attendance import enrol, session_for


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _sessions_with_attendance(world, n):
    for _ in range(n):
        session = session_for(world.county_x)
        enrolment = enrol(session, world.teacher_a)
        attendance_grid_save(session=session, user=world.staff_x, rows=[RowInput(enrolment.pk, "absent")], version=0)
        attendance_grid_save(
            session=session, user=world.staff_x, rows=[RowInput(enrolment.pk, "leave", "事假")], version=1
        )


def test_session_list_queries_do_not_grow_with_sessions(client_for, world):
    client = client_for(world.coord_a)
    url = reverse("attendance_sessions")
    _sessions_with_attendance(world, 1)
    baseline = _count(client, url)
    _sessions_with_attendance(world, 8)
    # session, user, count, page of sessions (sub-project and program joined)
    assert _count(client, url) == baseline
    assert baseline <= 5


def test_teacher_history_queries_do_not_grow_with_records(client_for, world):
    client = client_for(world.staff_x)
    url = reverse("attendance_teacher", args=[world.teacher_a.pk])
    _sessions_with_attendance(world, 1)
    baseline = _count(client, url)
    _sessions_with_attendance(world, 8)
    # session, user, teacher, records (session, sub-project, program, user joined), changes (joined)
    assert _count(client, url) == baseline
    assert baseline <= 6
