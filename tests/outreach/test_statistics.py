"""Statistics per cycle, aggregated in SQL, for the cycle page and the year-end reports."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.models import Status
from outreach import selectors, services
from tests.factories.outreach import enrol, make_cycle, make_task, make_visit, upload
from tests.factories.programs import AttendanceFactory

TODAY = dt.date(2026, 10, 1)


def _cycle_with_records(world):
    cycle = make_cycle(county=world.county_x)
    trainees = [enrol(cycle, world.teacher_a), enrol(cycle, world.teacher_b), enrol(cycle)]
    first = make_visit(cycle, order=1, date=dt.date(2026, 9, 10), host_school=world.school_a)
    second = make_visit(cycle, order=2, date=dt.date(2026, 9, 24), host_school=world.school_b)
    make_visit(cycle, order=3, date=dt.date(2026, 11, 5), host_school=world.school_a)  # not held yet
    for enrolment in trainees:
        AttendanceFactory(session=first.session, enrolment=enrolment, status=Status.PRESENT)
    AttendanceFactory(session=second.session, enrolment=trainees[0], status=Status.LATE)
    AttendanceFactory(session=second.session, enrolment=trainees[1], status=Status.PRESENT)
    AttendanceFactory(session=second.session, enrolment=trainees[2], status=Status.ABSENT)
    task = make_task(cycle, order=2, due_date=dt.date(2026, 9, 30))
    done = services.submission_submit(task=task, teacher=world.teacher_a, text="反思")
    services.submission_review(submission=done, status="done", actor=world.staff_x)
    services.submission_submit(task=task, teacher=world.teacher_b, text="反思")
    for kind, approve in (("slides", True), ("slides", False), ("briefing", True)):
        resource = services.resource_upload(cycle=cycle, kind=kind, title="x", upload=upload(), actor=world.staff_x)
        if approve:
            services.resource_review(resource=resource, status="approved", actor=world.staff_x)
    return cycle


def test_cycle_statistics(world):
    cycle = _cycle_with_records(world)
    stats = selectors.cycle_stats(cycle=cycle, today=TODAY)
    assert stats["roster_size"] == 3
    assert (stats["visits_held"], stats["sessions_total"]) == (2, 3)
    assert stats["person_times"] == 5  # 人次: attended visit records
    assert stats["persons"] == 3  # 人数: distinct trainees who attended at least once
    assert stats["attendance_rate"] == 83.3  # 5 of 2 visits × 3 trainees
    assert (stats["tasks"], stats["submissions"], stats["tasks_done"], stats["tasks_expected"]) == (1, 2, 1, 3)
    assert stats["resources"] == [
        {"kind": "briefing", "status": "approved", "n": 1},
        {"kind": "slides", "status": "approved", "n": 1},
        {"kind": "slides", "status": "pending", "n": 1},
    ]


def test_cycle_statistics_run_a_fixed_number_of_queries(world):
    cycle = _cycle_with_records(world)
    with CaptureQueriesContext(connection) as ctx:
        selectors.cycle_stats(cycle=cycle, today=TODAY)
    small = len(ctx.captured_queries)
    for _ in range(5):
        enrol(cycle)
    with CaptureQueriesContext(connection) as ctx:
        selectors.cycle_stats(cycle=cycle, today=TODAY)
    assert len(ctx.captured_queries) == small


def test_the_year_summary_lists_each_visible_cycle(world):
    cycle = _cycle_with_records(world)
    make_cycle(county=world.county_y)
    (row,) = selectors.outreach_year_summary(user=world.staff_x, year=2026)
    assert row["pk"] == cycle.pk
    assert (row["visit_count"], row["person_times"], row["resource_count"], row["approved_count"]) == (3, 5, 3, 2)


def test_the_statistics_page_is_for_coordinators_and_staff(world, client_for):
    cycle = _cycle_with_records(world)
    url = reverse("outreach_cycle_stats", args=[cycle.pk])
    assert client_for(world.coord_b).get(url).status_code == 200
    assert client_for(world.staff_y).get(url).status_code == 404
