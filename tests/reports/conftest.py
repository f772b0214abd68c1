"""A small county of records whose every report number is worked out by hand in the tests.

County X (world): schools A (甲镇, rural) and B (甲镇, made urban here); teachers a, d (A), b, e (B).
Years 2024 and 2026 have programs; 2025 has none. County Y has a program that must never show.

2024 国家级 示范性项目: S1 (a confirmed, b completed, d withdrawn), S2 (a completed, d substituted,
     b nominated)                                            → 2 sub-projects, 3 人次, 2 人数
2024 县级 示范性项目: S3 workshop (a confirmed)               → 1, 1, 1
2024 县级 "=cmd…" (a formula-like category): S4 outreach (b)  → 1, 1, 1
2024 小计: 4, 5, 2 (a and b; the rows would sum to 4)
2026 县级 示范性项目: S5 (a confirmed, d confirmed)           → 1, 2, 2
合计: 5, 7, 3
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from assessment.credits import categories_ensure
from assessment.models import CreditEntry
from attendance.models import Status as Att
from programs.models import Enrolment, Level
from tests.factories import (
    AttendanceFactory,
    CategoryFactory,
    EnrolmentFactory,
    ProgramFactory,
    SessionFactory,
    SubProjectFactory,
    TeacherFactory,
)
from tests.factories.outreach import visit_of
from tests.factories.reports import (
    CreditRequirementFactory,
    CreditTallyFactory,
    CycleFactory,
    OnlineStudyFactory,
    PhaseFactory,
    PhaseTaskFactory,
    TaskSubmissionFactory,
)
from trainees.models import School

INJECTION = "=cmd|' /C calc'!A0"
S = Enrolment.Status


@pytest.fixture
def records(world):
    x = world.county_x
    School.objects.filter(pk=world.school_b.pk).update(area=School.Area.URBAN)
    a, b = world.teacher_a, world.teacher_b
    d = TeacherFactory(name="赵六", school=world.school_a)
    e = TeacherFactory(name="@钱七", school=world.school_b)
    demo = CategoryFactory(name="示范性项目", sort_order=10)
    odd = CategoryFactory(name=INJECTION, sort_order=20)

    p1 = ProgramFactory(county=x, year=2024, level=Level.NATIONAL, category=demo)
    p2 = ProgramFactory(county=x, year=2024, level=Level.COUNTY, category=demo)
    p3 = ProgramFactory(county=x, year=2024, level=Level.COUNTY, category=odd)
    p4 = ProgramFactory(county=x, year=2026, level=Level.COUNTY, category=demo)
    s1 = SubProjectFactory(program=p1)
    s2 = SubProjectFactory(program=p1)
    s3 = SubProjectFactory(program=p2, name="小学数学工作坊", kind="workshop", institution="师范大学")
    s4 = SubProjectFactory(program=p3, kind="outreach", modality="outreach")
    s5 = SubProjectFactory(program=p4)

    e1a = EnrolmentFactory(subproject=s1, teacher=a, status=S.CONFIRMED)
    e1b = EnrolmentFactory(subproject=s1, teacher=b, status=S.COMPLETED)
    e1d = EnrolmentFactory(subproject=s1, teacher=d, status=S.WITHDRAWN)
    EnrolmentFactory(subproject=s2, teacher=a, status=S.COMPLETED)
    EnrolmentFactory(subproject=s2, teacher=d, status=S.SUBSTITUTED)
    EnrolmentFactory(subproject=s2, teacher=b, status=S.NOMINATED)
    e3a = EnrolmentFactory(subproject=s3, teacher=a, status=S.CONFIRMED)
    e4b = EnrolmentFactory(subproject=s4, teacher=b, status=S.CONFIRMED)
    e5a = EnrolmentFactory(subproject=s5, teacher=a, status=S.CONFIRMED)
    e5d = EnrolmentFactory(subproject=s5, teacher=d, status=S.CONFIRMED)

    # Attended hours: A = 3 (S1) + 1 (S3) + 2 (S5, late) = 6; B = 4 + 4 (two outreach visits) = 8.
    sess1 = SessionFactory(subproject=s1, hours=3)
    AttendanceFactory(session=sess1, enrolment=e1a, status=Att.PRESENT)
    AttendanceFactory(session=sess1, enrolment=e1b, status=Att.ABSENT)
    AttendanceFactory(session=sess1, enrolment=e1d, status=Att.PRESENT)  # withdrawn: not counted
    sess3 = SessionFactory(subproject=s3, hours=1, kind="workshop_offline")
    AttendanceFactory(session=sess3, enrolment=e3a, status=Att.PRESENT)
    sess5 = SessionFactory(subproject=s5, hours=2, date=dt.date(2026, 3, 1))
    AttendanceFactory(session=sess5, enrolment=e5a, status=Att.LATE)
    AttendanceFactory(session=sess5, enrolment=e5d, status=Att.LEAVE)
    visit_days = []
    for school in (world.school_a, world.school_b):
        visit = SessionFactory(subproject=s4, hours=4, kind="outreach_visit", host_school=school)
        AttendanceFactory(session=visit, enrolment=e4b, status=Att.PRESENT)
        visit_days.append(visit)

    cycle = CycleFactory(subproject=s4, subject="数学", stage="小学")
    phase = PhaseFactory(cycle=cycle, order=1)
    for day in visit_days:  # two one-day visits
        visit_of(cycle, day, phase_obj=phase)
    t1, t2 = PhaseTaskFactory(phase=phase), PhaseTaskFactory(phase=phase)
    TaskSubmissionFactory(task=t1, enrolment=e4b, status="done")
    TaskSubmissionFactory(task=t2, enrolment=e4b, status="submitted")
    OnlineStudyFactory(enrolment=e3a, online_hours="12.5", tasks_done=3)

    CreditRequirementFactory(county=x, year=2026, total_hours=50)
    CreditTallyFactory(teacher=a, total_hours=60, met=True, shortfall_hours=0)
    CreditTallyFactory(teacher=d, total_hours=30, met=False, shortfall_hours=20)
    CreditTallyFactory(teacher=b, total_hours=10, met=False, shortfall_hours=40)
    CreditTallyFactory(teacher=world.teacher_c, total_hours=0, met=False, shortfall_hours=72)
    # The ledger rows those tallies sum (a tally is a GROUP BY over them).
    category = categories_ensure(county=x)[0]
    for teacher, hours in ((a, 60), (d, 30), (b, 10)):
        CreditEntry.objects.create(
            teacher=teacher, year=2026, county=x, school=teacher.school, category=category,
            source_kind=CreditEntry.Source.MIGRATED, source_id=teacher.pk, title="原学时统计",
            hours=Decimal(hours), credits=Decimal(hours) / 10,
        )  # fmt: skip

    # County Y: must never appear in county X's workbook.
    py = ProgramFactory(county=world.county_y, year=2024, level=Level.NATIONAL, category=demo)
    EnrolmentFactory(subproject=SubProjectFactory(program=py), teacher=world.teacher_c)

    return SimpleNamespace(a=a, b=b, d=d, e=e, s3=s3, s4=s4, cycle=cycle)
