"""List, roster and export pages run a fixed number of queries however many rows they show."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.models import AttendanceRecord
from programs import services
from tests.factories import SchoolFactory, TeacherFactory

from .conftest import make_subproject


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def _grow(world, program, subproject, n):
    for i in range(n):
        school = SchoolFactory(county=world.county_x)
        services.quota_set(subproject=subproject, school=school, quota=1)
        teacher = TeacherFactory(school=school)
        enrolment = services.enrolment_nominate(subproject=subproject, teacher=teacher, actor=world.staff_x)
        if i % 2:
            services.enrolment_confirm(enrolment=enrolment, actor=world.staff_x)
        sub = make_subproject(program, f"第{i}班", start=dt.date(2027, 1, 1), end=dt.date(2027, 1, 2))
        services.session_create(subproject=sub, date=dt.date(2027, 1, 1), start_time=dt.time(9), end_time=dt.time(10))


def test_program_list_queries_do_not_grow_with_rows(client_for, world, program, subproject):
    client = client_for(world.staff_x)
    baseline = _count(client, reverse("program_list"))
    for i in range(8):
        services.program_create(
            county=world.county_x, year=2026, level="county", category=program.category, name=f"项目{i}"
        )
    _grow(world, program, subproject, 4)
    # session, user, count, page of programs (county, category joined; counts as subqueries),
    # category choices of the filter
    assert _count(client, reverse("program_list")) == baseline
    assert baseline <= 6


def test_program_detail_queries_do_not_grow_with_sub_projects(client_for, world, program, subproject):
    client = client_for(world.staff_x)
    url = reverse("program_detail", args=[program.pk])
    baseline = _count(client, url)
    _grow(world, program, subproject, 6)
    assert _count(client, url) == baseline


def test_sub_project_page_queries_do_not_grow_with_the_roster(client_for, world, program, subproject):
    client = client_for(world.staff_x)
    url = reverse("subproject_detail", args=[subproject.pk])
    services.session_create(
        subproject=subproject, date=dt.date(2026, 9, 1), start_time=dt.time(9), end_time=dt.time(12)
    )
    baseline = _count(client, url)
    _grow(world, program, subproject, 8)
    session = subproject.sessions.first()
    for enrolment in subproject.enrolments.filter(status="confirmed"):
        AttendanceRecord.objects.create(session=session, enrolment=enrolment, status="present")
    # session, user, sub-project (program joined), sessions, quota use per school (one annotated
    # query), sessions held, roster (teacher, school, replaced teacher, changed_by joined)
    assert _count(client, url) == baseline
    assert baseline <= 8


def test_roster_export_queries_do_not_grow_with_the_roster(client_for, world, program, subproject):
    client = client_for(world.staff_x)
    url = reverse("subproject_signin", args=[subproject.pk])
    baseline = _count(client, url)
    _grow(world, program, subproject, 6)
    assert _count(client, url) == baseline


def test_program_export_queries_do_not_grow_with_rows(client_for, world, program, subproject):
    client = client_for(world.staff_x)
    baseline = _count(client, reverse("program_list"), {"format": "xlsx"})
    for i in range(6):
        services.program_create(
            county=world.county_x, year=2026, level="county", category=program.category, name=f"项目{i}"
        )
    assert _count(client, reverse("program_list"), {"format": "xlsx"}) == baseline


def test_school_trainees_queries_do_not_grow_with_rows(client_for, world, program, subproject):
    client = client_for(world.staff_x)
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.staff_x)
    # session, user, count, page of enrolments (teacher, school, sub-project, program joined)
    baseline = _count(client, reverse("school_trainees"))
    _grow(world, program, subproject, 6)
    assert _count(client, reverse("school_trainees")) == baseline


def test_my_enrolments_queries_do_not_grow_with_rows(client_for, world, program, subproject):
    client = client_for(world.teacher_user_a)
    baseline = _count(client, reverse("my_enrolments"))
    for i in range(5):
        sub = make_subproject(program, f"个人第{i}班", start=dt.date(2027, 2, i + 1), end=dt.date(2027, 2, i + 1))
        services.enrolment_nominate(subproject=sub, teacher=world.teacher_a, actor=world.staff_x)
    assert _count(client, reverse("my_enrolments")) == baseline
