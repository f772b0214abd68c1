"""A county's working day, made through the services: the same kinds of rows in school A, school B
(same county) and county Y, so each role's home page must count only its own."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from assessment import credits, registration
from assessment.credits import requirement_save, tally_credits
from attendance.services import RowInput, attendance_grid_save
from outreach import services as outreach_services
from programs import services
from programs.models import Enrolment, Notice, Program
from programs.notices import notice_answer
from reports.models import ExportJob
from tests.factories import CategoryFactory, TeacherFactory, UserFactory
from tests.factories.outreach import make_cycle, make_resource, make_task

D = Decimal


@dataclass
class Day:
    today: dt.date
    soon: object  # a sub-project of county X starting in a week, with quotas for schools A and B
    today_session: object
    past_session: object


def _program(county, name, **fields):
    return services.program_create(
        county=county,
        year=timezone.localdate().year,
        level="county",
        category=CategoryFactory(),
        name=name,
        status=Program.Status.ENROLLING,
        **fields,
    )


def _subproject(county, name, start, days=2, quota=20):
    return services.subproject_create(
        program=_program(county, f"{name}项目"),
        name=name,
        start_date=start,
        end_date=start + dt.timedelta(days=days),
        quota=quota,
        hours=D(12),
    )


def _session(sub, date, **fields):
    return services.session_create(
        subproject=sub, date=date, start_time=dt.time(9), end_time=dt.time(11, 30), place="县教师发展中心", **fields
    )


def _acknowledge(enrolment):
    """The trainee answers 确认参训 on the place's open notice, as they would on their page."""
    notice = Notice.objects.get(enrolment=enrolment, needs_response=True, response="")
    notice_answer(notice=notice, response=Notice.Response.ACKNOWLEDGED, actor=None)


def _county_day(world, county, staff, schools, coords, teachers, today):
    """The same pattern of work in one county; `schools[0]` is the school whose figures are checked."""
    soon = _subproject(county, f"{county.name}暑期培训", today + dt.timedelta(days=7))
    services.quotas_set(
        subproject=soon, quotas=[(schools[0], 5), (schools[1], 1)] if len(schools) > 1 else [(schools[0], 5)]
    )
    _session(soon, today + dt.timedelta(days=7))
    # School 0: two nominated by its coordinator, one confirmed; one rejected. School 1 fills its quota.
    a1 = services.enrolment_nominate(subproject=soon, teacher=teachers[0], actor=coords[0])
    services.enrolment_nominate(subproject=soon, teacher=TeacherFactory(school=schools[0]), actor=coords[0])
    a3 = services.enrolment_nominate(subproject=soon, teacher=TeacherFactory(school=schools[0]), actor=coords[0])
    a4 = services.enrolment_nominate(subproject=soon, teacher=TeacherFactory(school=schools[0]), actor=coords[0])
    services.enrolment_confirm(enrolment=a1, actor=staff)
    services.enrolment_reject(enrolment=a3, actor=staff, reason="不符合条件")
    # a1, a2 and school 1's nominee have not answered their notices; a4 has.
    _acknowledge(a4)
    if len(schools) > 1:
        services.enrolment_nominate(subproject=soon, teacher=teachers[1], actor=coords[1])

    # A session today and one three days ago, with trainees of both schools and no attendance yet.
    running = _subproject(county, f"{county.name}在岗研修", today - dt.timedelta(days=5), days=10)
    today_session = _session(running, today)
    past_session = _session(running, today - dt.timedelta(days=3))
    recorded = _session(running, today - dt.timedelta(days=4))
    for school in schools:
        for _i in range(2):
            e = services.enrolment_nominate(subproject=running, teacher=TeacherFactory(school=school), actor=staff)
            services.enrolment_confirm(enrolment=e, actor=staff)
            _acknowledge(e)
    grid = list(Enrolment.objects.filter(subproject=running, status=Enrolment.Status.CONFIRMED))
    attendance_grid_save(session=recorded, user=staff, rows=[RowInput(e.pk, "present") for e in grid], version=0)

    # 校本研修 申报 and a credit registration of last year, both waiting for the county.
    credits.school_project_submit(
        school=schools[0], year=today.year, title="课堂观察", plan="每月一次", planned_hours=D(8), actor=coords[0]
    )
    last_year = today.year - 1
    requirement_save(county=county, year=last_year, total=D(24), actor=None)
    requirement_save(county=county, year=today.year, total=D(48), actor=None)
    tally_credits(year=last_year, county=county)
    registration.registration_submit(school=schools[0], year=last_year, actor=coords[0])

    # A 送教 cycle: two submissions waiting for review, one resource waiting.
    cycle = make_cycle(county=county, start_date=today - dt.timedelta(days=30), end_date=today + dt.timedelta(days=60))
    task = make_task(cycle, due_date=today - dt.timedelta(days=1))
    for school in schools:
        e = services.enrolment_nominate(subproject=cycle.subproject, teacher=TeacherFactory(school=school), actor=staff)
        services.enrolment_confirm(enrolment=e, actor=staff)
        _acknowledge(e)
        outreach_services.submission_submit(task=task, teacher=e.teacher, text="反思")
        late = services.enrolment_nominate(
            subproject=cycle.subproject, teacher=TeacherFactory(school=school), actor=staff
        )
        services.enrolment_confirm(enrolment=late, actor=staff)  # overdue: nothing handed in
        _acknowledge(late)
    make_resource(cycle, actor=staff)

    ExportJob.objects.create(requested_by=staff, county=county, year_from=last_year, year_to=last_year)
    return Day(today=today, soon=soon, today_session=today_session, past_session=past_session)


@pytest.fixture
def day(world):
    today = timezone.localdate()
    ours = _county_day(
        world,
        world.county_x,
        world.staff_x,
        [world.school_a, world.school_b],
        [world.coord_a, world.coord_b],
        [world.teacher_a, world.teacher_b],
        today,
    )
    coord_c = UserFactory(username="coord_c", role=Role.COORDINATOR, school=world.school_c)
    _county_day(world, world.county_y, world.staff_y, [world.school_c], [coord_c], [world.teacher_c], today)
    return ours
