"""Demo 送教下乡 cycle and teacher workshop of the current year, through the outreach services.

The cycle has its four phases, a visiting team from the county's training-team pool, five visits at
rural host schools (the last still to come), activities, one back-at-school task per phase and the
trainees' submissions, some reviewed. The workshop has its core team, research groups, members and
their online study as the platform's export reports it.
"""

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from programs.models import Enrolment, SubProject
from trainees.models import Region, School, Teacher

from .importers import OnlineHoursImporter, OnlineRow
from .models import Cycle, CycleTeamMember, MemberType, TaskSubmission, VisitActivity, Workshop, WorkshopStaff
from .services import (
    activity_add,
    cycle_create,
    pool_member_create,
    research_group_create,
    submission_review,
    submission_submit,
    task_create,
    team_member_add,
    visit_book,
    visit_create,
    visit_day_add,
    workshop_bulletin_build,
    workshop_create,
    workshop_member_add,
    workshop_staff_add,
)

Role = CycleTeamMember.Role
A = VisitActivity.Kind

# (phase order, month, day, title, activities): the year's visits, two in 研课磨课.
VISITS = [
    (
        1,
        4,
        16,
        "诊断示范：小学数学课堂问题诊断",
        [(A.DEMO_LESSON, "《分数的初步认识》示范课"), (A.LECTURE, "课堂问题诊断与改进")],
    ),
    (
        2,
        6,
        11,
        "研课磨课：图形与几何",
        [(A.SAME_LESSON, "《长方形和正方形的周长》同课异构"), (A.LESSON_REVIEW, "评课议课")],
    ),
    (2, 9, 24, "研课磨课：数与代数", [(A.LESSON_TALK, "《小数的意义》说课"), (A.SEMINAR, "单元整体教学研讨")]),
    (3, 11, 5, "成果展示：学员汇报课", [(A.DEMO_LESSON, "学员汇报课展示"), (A.LESSON_REVIEW, "专家点评")]),
]
TASKS = {
    1: ("提交一份本校数学课堂问题诊断报告", 4, 30),
    2: ("完成一节磨课后的教学设计与反思", 10, 10),
    3: ("提交汇报课课堂实录与教学反思", 11, 19),
    4: ("撰写本年度送教研修总结", 12, 20),
}
F, R = MemberType.FRONTLINE, MemberType.RESEARCHER
TEAM = [(Role.LEAD_EXPERT, "正高级教师", R), (Role.DEMO_TEACHER, "高级教师", F), (Role.DEMO_TEACHER, "高级教师", F),
        (Role.LECTURER, "高级教师", R), (Role.MANAGER, "一级教师", F)]  # fmt: skip


def _team_teachers(county: Region, rng: random.Random, exclude: set[int]) -> list[Teacher]:
    """Urban teachers of the county for the visiting team (not trainees of the cycle)."""
    teachers = list(
        Teacher.objects.filter(school__county=county, school__area=School.Area.URBAN)
        .exclude(pk__in=exclude)
        .select_related("school")
        .order_by("pk")[:300]
    )
    return rng.sample(teachers, len(TEAM))


@transaction.atomic
def load_cycle(*, subproject: SubProject, rng: random.Random) -> Cycle:
    existing = Cycle.objects.filter(subproject=subproject).first()
    if existing is not None:
        return existing
    staff = User.objects.get(username="staff")
    county = subproject.program.county
    year = subproject.program.year
    cycle = cycle_create(subproject=subproject, subject="数学", stage="小学、初中")
    phases = {p.order: p for p in cycle.phases.all()}
    roster = list(
        Enrolment.objects.filter(subproject=subproject, status__in=Enrolment.PARTICIPATING)
        .select_related("teacher")
        .order_by("pk")
    )
    team = []
    for (role, title, member_type), teacher in zip(
        TEAM, _team_teachers(county, rng, {e.teacher_id for e in roster}), strict=True
    ):
        member = pool_member_create(
            county=county, name=teacher.name, teacher=teacher, subject="数学", title=title, member_type=member_type
        )
        team.append(team_member_add(cycle=cycle, member=member, role=role))
    # A university expert from outside the county registry, named in the pool by ID number.
    expert = pool_member_create(
        county=county,
        name="周明远",
        subject="数学",
        title="教授",
        member_type=MemberType.UNIVERSITY,
        id_number="110101197503151230",
    )
    team_member_add(cycle=cycle, member=expert, role=Role.LECTURER)
    hosts = list(School.objects.filter(county=county, kind=School.Kind.TOWNSHIP_CENTRAL).order_by("code"))
    today = timezone.localdate()
    visits = [*VISITS, (4, 12, 10, "总结提升：年度送教总结", [(A.LECTURE, "送教下乡年度总结与提升")])]
    for number, (order, month, day, title, activities) in enumerate(visits):
        # A county visit is two days at one host school: 每年4次，每次2天. The year's last one is a single day.
        date = dt.date(year, month, day)
        host = hosts[number % len(hosts)]
        times = {"start_time": dt.time(8, 30), "end_time": dt.time(16, 30), "host_school": host, "hours": Decimal(6)}
        visit = visit_create(phase=phases[order], date=date, title=title, **times)
        days = [visit.days.get()]
        if number + 1 < len(visits):
            days.append(visit_day_add(visit=visit, date=date + dt.timedelta(days=1), **times))
        for index, (kind, activity_title) in enumerate(activities):
            presenter = team[0] if kind in (A.LECTURE, A.LESSON_REVIEW) else rng.choice(team[1:3])
            day_of = days[index % len(days)]
            activity_add(day=day_of, kind=kind, title=activity_title, presenter=presenter, hours=Decimal(3))
        for day_of in days:
            visit_book(day=day_of, member=team[-1])  # the team's 管理员 goes every day
        if order in TASKS and (number + 1 == len(visits) or visits[number + 1][0] != order):
            text, due_month, due_day = TASKS[order]
            task = task_create(phase=phases[order], title=text, due_date=dt.date(year, due_month, due_day))
            if task.due_date < today:
                _submissions(task=task, roster=roster, rng=rng, staff=staff)
    return cycle


def _submissions(*, task, roster: list[Enrolment], rng: random.Random, staff: User) -> None:
    """Most trainees hand in; the county reviews most of them, and asks one to redo."""
    redo_asked = False
    for enrolment in roster:
        if rng.random() < 0.2:
            continue
        submission = submission_submit(
            task=task, teacher=enrolment.teacher, text=f"{enrolment.teacher.name}：{task.title}（见附页）"
        )
        if rng.random() < 0.8:
            submission_review(submission=submission, status=TaskSubmission.Status.DONE, actor=staff)
        elif not redo_asked:
            submission_review(
                submission=submission, status=TaskSubmission.Status.REDO, comment="请补充课堂实录片段", actor=staff
            )
            redo_asked = True


@transaction.atomic
def load_workshop(*, subproject: SubProject, rng: random.Random) -> Workshop:
    existing = Workshop.objects.filter(subproject=subproject).first()
    if existing is not None:
        return existing
    county = subproject.program.county
    members = list(
        Enrolment.objects.filter(subproject=subproject, status__in=Enrolment.PARTICIPATING)
        .select_related("teacher")
        .order_by("pk")
    )
    staff_teachers = _team_teachers(county, rng, {e.teacher_id for e in members})[:4]
    host = staff_teachers[0]
    workshop = workshop_create(
        subproject=subproject,
        name="青山县初中数学名师工作坊",
        subject="数学",
        host=host,
        capacity=50,
        required_online_hours=Decimal(50),
    )
    core = [workshop_staff_add(workshop=workshop, teacher=t, role=WorkshopStaff.Role.CORE) for t in staff_teachers[:3]]
    tutor = workshop_staff_add(
        workshop=workshop, teacher=staff_teachers[3], role=WorkshopStaff.Role.TUTOR, own_score=Decimal(88)
    )
    tutors = [core[1], tutor]
    groups = [
        research_group_create(workshop=workshop, name=name, leader=members[n * 10].teacher, tutor=tutors[n % 2])
        for n, name in enumerate(["代数研修组", "几何研修组", "统计与概率研修组", "综合实践研修组"])
    ]
    for n, enrolment in enumerate(members):
        workshop_member_add(workshop=workshop, enrolment=enrolment, group=groups[n % len(groups)])
    # Online study as the platform exports it, written the way the 网络研修学时导入 writes it.
    rows = [
        OnlineRow(
            n,
            e.pk,
            e.teacher.name,
            e.teacher.id_number,
            Decimal(rng.randrange(200, 620)) / 10,
            rng.randrange(3, 13),
        )
        for n, e in enumerate(members, 2)
    ]
    OnlineHoursImporter(actor=None).write(rows)
    # The core team's 校级管理员 is a teacher of the school with most members (evaluated on them).
    schools = Counter(e.school_id for e in members)
    admin_school = schools.most_common(1)[0][0]
    admin = next(t for t in Teacher.objects.filter(school_id=admin_school).order_by("pk") if t not in staff_teachers)
    workshop_staff_add(workshop=workshop, teacher=admin, role=WorkshopStaff.Role.SCHOOL_ADMIN, own_score=Decimal(85))
    workshop_bulletin_build(workshop=workshop, today=timezone.localdate())
    return workshop


def load_outreach(*, subprojects: dict[str, SubProject], rng: random.Random, **_: object) -> None:
    load_cycle(subproject=subprojects["outreach"], rng=rng)
    load_workshop(subproject=subprojects["workshop"], rng=rng)
