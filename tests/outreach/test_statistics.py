"""Statistics per cycle, aggregated in SQL, for the cycle page and the year-end reports."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.models import Status
from outreach import selectors, services
from outreach.models import Cycle
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
        AttendanceFactory(session=first.days.first().session, enrolment=enrolment, status=Status.PRESENT)
    AttendanceFactory(session=second.days.first().session, enrolment=trainees[0], status=Status.LATE)
    AttendanceFactory(session=second.days.first().session, enrolment=trainees[1], status=Status.PRESENT)
    AttendanceFactory(session=second.days.first().session, enrolment=trainees[2], status=Status.ABSENT)
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


def _second_day(visit, date):
    return services.visit_day_add(
        visit=visit,
        date=date,
        start_time=dt.time(8, 30),
        end_time=dt.time(16, 30),
        host_school=visit.days.first().session.host_school,
    )


def test_a_two_day_visit_is_one_visit_and_a_trainee_present_on_both_days_one_person_time(world):
    cycle = _cycle_with_records(world)
    first = cycle.visits.get(number=1)
    day_two = _second_day(first, dt.date(2026, 9, 11))
    a, b, c = cycle.subproject.enrolments.order_by("pk")
    AttendanceFactory(session=day_two.session, enrolment=a, status=Status.PRESENT)
    AttendanceFactory(session=day_two.session, enrolment=b, status=Status.ABSENT)
    figures = selectors.outreach_statistics(cycles=Cycle.objects.filter(pk=cycle.pk)).for_cycle(cycle.pk)
    # 3 visits (班次) over 4 days; 人次: visit 1 had a, b, c (a twice: once), visit 2 a and b; 人数 3
    assert (figures.visits, figures.days, figures.person_times, figures.persons) == (3, 4, 5, 3)
    assert figures.resources["slides"] == 2 and figures.approved_resources == 2


def test_year_and_total_figures_count_persons_once_and_add_the_rest(world):
    cycle = _cycle_with_records(world)
    later = make_cycle(
        county=world.county_x, subject="语文", start_date=dt.date(2027, 1, 1), end_date=dt.date(2027, 12, 31)
    )
    later_program = later.subproject.program
    later_program.year = later.year = 2027
    later_program.save(update_fields=["year"])
    later.save(update_fields=["year"])
    visit = make_visit(later, date=dt.date(2027, 3, 1), host_school=world.school_a)
    again = enrol(later, world.teacher_a)  # teacher A trains in both years
    AttendanceFactory(session=visit.days.get().session, enrolment=again, status=Status.PRESENT)
    make_cycle(county=world.county_y)  # another county's cycle is not in staff X's scope
    stats = selectors.outreach_statistics(cycles=selectors.cycle_queryset(user=world.staff_x))
    assert set(stats.cycles) == {cycle.pk, later.pk}
    assert (stats.for_year(2026).visits, stats.for_year(2026).person_times, stats.for_year(2026).persons) == (3, 5, 3)
    assert (stats.for_year(2027).visits, stats.for_year(2027).persons) == (1, 1)
    assert (stats.total.visits, stats.total.days, stats.total.person_times, stats.total.persons) == (4, 4, 6, 3)


def test_the_statistics_page_is_for_coordinators_and_staff(world, client_for):
    cycle = _cycle_with_records(world)
    url = reverse("outreach_cycle_stats", args=[cycle.pk])
    assert client_for(world.coord_b).get(url).status_code == 200
    assert client_for(world.staff_y).get(url).status_code == 404
