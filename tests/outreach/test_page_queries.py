"""The cycle page and the resource list run a fixed number of queries however many rows they show."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outreach import services
from outreach.models import OnlineStudy
from tests.factories.outreach import enrol, make_cycle, make_task, make_team_member, make_visit, make_workshop, upload
from tests.factories.programs import EnrolmentFactory


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def _grow(world, cycle, n, start=0):
    for i in range(start, start + n):
        member = make_team_member(cycle, name=f"成员{i}{cycle.pk}")
        visit = make_visit(cycle, date=dt.date(2026, 9, 1 + i), host_school=world.school_a)
        services.activity_add(day=visit.days.first(), kind="lecture", title="讲座", presenter=member)
        make_task(cycle, due_date=dt.date(2026, 9, 1 + i), title=f"任务{i}")
        enrol(cycle)
        services.resource_upload(cycle=cycle, kind="slides", title=f"课件{i}", upload=upload(), actor=world.staff_x)


def test_cycle_page_queries_do_not_grow_with_rows(world, client_for):
    cycle = make_cycle(county=world.county_x)
    client = client_for(world.staff_x)
    url = reverse("outreach_cycle_detail", args=[cycle.pk])
    _grow(world, cycle, 1)
    baseline = _count(client, url)
    _grow(world, cycle, 6, start=1)
    # session, user, cycle, phases with dates, roster count, visits with counts and their days, team,
    # tasks, figures (cycle years, days, attendance, activities, resources), per-day staffing, double
    # bookings, packs
    assert _count(client, url) == baseline
    assert baseline <= 18


def test_resource_list_queries_do_not_grow_with_rows(world, client_for):
    cycle = make_cycle(county=world.county_x)
    client = client_for(world.staff_x)
    url = reverse("outreach_resource_list")
    _grow(world, cycle, 1)
    baseline = _count(client, url)
    _grow(world, cycle, 6, start=1)
    # session, user, cycle choices, count, page of resources (cycle, phase, visit joined)
    assert _count(client, url) == baseline
    assert baseline <= 6


def test_cycle_list_queries_do_not_grow_with_rows(world, client_for):
    client = client_for(world.coord_a)
    url = reverse("outreach_cycle_list")
    enrol(make_cycle(county=world.county_x), world.teacher_a)
    baseline = _count(client, url)
    for subject in ("语文", "英语", "科学", "美术"):
        enrol(make_cycle(county=world.county_x, subject=subject))
    # session, user, count, page of cycles with roster and phase counts
    assert _count(client, url) == baseline
    assert baseline <= 4


def test_overdue_list_queries_do_not_grow_with_rows(world, client_for):
    client = client_for(world.staff_x)
    url = reverse("outreach_overdue_list")
    cycle = make_cycle(county=world.county_x)
    enrol(cycle, world.teacher_a)
    make_task(cycle, due_date=dt.date(2026, 1, 5))
    baseline = _count(client, url)
    for i in range(5):
        enrol(cycle)
        make_task(cycle, due_date=dt.date(2026, 1, 6 + i), title=f"任务{i}")
    # session, user, count, page of (trainee, task) rows with teacher and school
    assert _count(client, url) == baseline
    assert baseline <= 4


def test_workshop_list_queries_do_not_grow_with_rows(world, client_for):
    client = client_for(world.staff_x)
    url = reverse("outreach_workshop_list")
    make_workshop(county=world.county_x)
    baseline = _count(client, url)
    for i in range(5):
        make_workshop(county=world.county_x, name=f"工作坊{i}")
    assert _count(client, url) == baseline


def test_workshop_page_queries_do_not_grow_with_members(world, client_for):
    workshop = make_workshop(county=world.county_x)
    tutor = services.workshop_staff_add(workshop=workshop, teacher=world.teacher_b, role="tutor")
    group = services.research_group_create(workshop=workshop, name="一组", leader=world.teacher_a, tutor=tutor)

    def add_member():
        enrolment = EnrolmentFactory(subproject=workshop.subproject)
        OnlineStudy.objects.create(enrolment=enrolment, online_hours=10, tasks_done=1)
        services.workshop_member_add(workshop=workshop, enrolment=enrolment, group=group)
        EnrolmentFactory(subproject=workshop.subproject)  # a candidate not yet in the workshop

    add_member()
    client = client_for(world.staff_x)
    url = reverse("outreach_workshop_detail", args=[workshop.pk])
    baseline = _count(client, url)
    for _ in range(6):
        add_member()
    assert _count(client, url) == baseline


def test_team_statistics_queries_do_not_grow_with_members(world, client_for):
    cycle = make_cycle(county=world.county_x)
    client = client_for(world.staff_x)
    url = reverse("outreach_team_stats", args=[cycle.pk])
    _grow(world, cycle, 1)
    baseline = _count(client, url)
    _grow(world, cycle, 6, start=1)
    # session, user, cycle, members with visits, days and trainees reached, activities by presenter and
    # kind, roster count
    assert _count(client, url) == baseline
    assert baseline <= 7


def test_team_statistics_count_visits_days_activities_and_trainees_reached(world):
    from attendance.models import Status
    from outreach import selectors
    from tests.factories.programs import AttendanceFactory

    cycle = make_cycle(county=world.county_x)
    lead = make_team_member(cycle, name="首席")
    other = make_team_member(cycle, name="示范", role="demo")
    visit = make_visit(cycle, date=dt.date(2026, 9, 10), host_school=world.school_a)
    second = services.visit_day_add(
        visit=visit, date=dt.date(2026, 9, 11), start_time=dt.time(8), end_time=dt.time(12), host_school=world.school_a
    )
    first = visit.days.get(session__date=dt.date(2026, 9, 10))
    services.activity_add(day=first, kind="lecture", title="讲座", presenter=lead)
    services.activity_add(day=second, kind="lesson_review", title="评课", presenter=lead)
    services.activity_add(day=second, kind="demo_lesson", title="示范课", presenter=other)
    a, b = enrol(cycle, world.teacher_a), enrol(cycle, world.teacher_b)
    AttendanceFactory(session=first.session, enrolment=a, status=Status.PRESENT)
    AttendanceFactory(session=second.session, enrolment=b, status=Status.PRESENT)
    AttendanceFactory(session=second.session, enrolment=a, status=Status.ABSENT)
    stats = selectors.team_statistics(cycle=cycle)
    rows = {m.member.name: m for m in stats.members}
    assert (rows["首席"].visit_count, rows["首席"].day_count, rows["首席"].reached) == (1, 2, 2)
    assert (rows["示范"].visit_count, rows["示范"].day_count, rows["示范"].reached) == (1, 1, 1)
    assert rows["首席"].activity_counts == [0, 1, 0, 0, 1, 0] and rows["示范"].activity_total == 1
    assert (stats.roster_size, stats.needed, stats.practitioners) == (2, 1, 2)
