"""Demo programs for 青山县 over three years (two past, the current one): categories, programs at every
level, sub-projects of several kinds, school quotas, sessions and enrolments.

Dates are relative to today's year, and the current year's short training has a session today, so the
QR check-in and the attendance grid can be shown. Everything goes through the services (the county's
enrolment lists through the Excel importer's write path, as a county loads them); a part that is
already loaded is left alone, so reloading changes nothing.
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from trainees.models import Region, School, Teacher

from .importers import EnrolmentImporter, EnrolmentRow
from .models import Category, Enrolment, Level, Program, Session, SubProject
from .services import (
    category_create,
    enrolment_confirm,
    enrolment_nominate,
    enrolment_substitute,
    enrolment_withdraw,
    program_create,
    quotas_set,
    session_create,
    subproject_create,
)

CATEGORIES = [
    "示范性项目",
    "中西部项目",
    "幼师国培项目",
    "乡村校长提高培训",
    "信息技术应用能力提升工程",
    "特岗教师混合研修",
    "县级全员培训",
    "校本研修",
]

K = SubProject.Kind
M = SubProject.Modality
C = Program.Status


@dataclass
class Sub:
    key: str
    name: str
    kind: str
    modality: str
    institution: str
    start: dt.date
    end: dt.date
    hours: int
    trainees: int
    credit: str = "centralized"
    sessions: list[tuple[dt.date, str]] = field(default_factory=list)
    stage: str = ""  # only teachers of this stage (学段) when set
    post: str = ""  # only teachers in this post (岗位) when set
    school_code: str = ""  # only this school's teachers when set


@dataclass
class Prog:
    year: int
    level: str
    category: str
    name: str
    issuer: str
    status: str
    subs: list[Sub]


def today() -> dt.date:
    return timezone.localdate()


def _spread(start: dt.date, end: dt.date, titles: list[str]) -> list[tuple[dt.date, str]]:
    """Sessions spread evenly from start to end."""
    if len(titles) == 1:
        return [(start, titles[0])]
    step = (end - start).days / (len(titles) - 1)
    return [(start + dt.timedelta(days=round(i * step)), title) for i, title in enumerate(titles)]


def plan(now: dt.date) -> list[Prog]:
    y2 = now.year
    y1, y0 = y2 - 1, y2 - 2
    d = dt.date
    day = dt.timedelta
    return [
        Prog(
            y0,
            Level.NATIONAL,
            "中西部项目",
            f"国培计划（{y0}）中西部项目",
            "教育部 财政部",
            C.FINISHED,
            [
                Sub(
                    "backbone_math",
                    "乡村骨干教师培训（小学数学）",
                    K.BACKBONE,
                    M.CENTRALIZED,
                    "示范师范大学",
                    d(y0, 7, 15),
                    d(y0, 7, 24),
                    60,
                    36,
                    stage=Teacher.Stage.PRIMARY,
                    sessions=_spread(d(y0, 7, 15), d(y0, 7, 24), ["开班典礼与专题讲座", "课堂观摩", "结业汇报"]),
                ),
                Sub(
                    "online_integration",
                    "网络研修与校本研修整合培训",
                    K.ONLINE,
                    M.ONLINE,
                    "示范省教师网联",
                    d(y0, 3, 1),
                    d(y0, 6, 30),
                    50,
                    60,
                    credit="online",
                    sessions=[(d(y0, 3, 6), "网络研修启动（直播）")],
                ),
            ],
        ),
        Prog(
            y0,
            Level.COUNTY,
            "县级全员培训",
            f"{y0}年青山县中小学教师全员培训",
            "青山县教育局",
            C.FINISHED,
            [
                Sub(
                    "ethics",
                    "师德师风专题培训",
                    K.SHORT_CENTRALIZED,
                    M.CENTRALIZED,
                    "青山县教师发展中心",
                    d(y0, 8, 20),
                    d(y0, 8, 21),
                    12,
                    100,
                    sessions=[(d(y0, 8, 20), "师德师风专题报告"), (d(y0, 8, 21), "典型案例研讨")],
                ),
            ],
        ),
        Prog(
            y1,
            Level.NATIONAL,
            "示范性项目",
            f"国培计划（{y1}）示范性项目",
            "教育部",
            C.FINISHED,
            [
                Sub(
                    "training_team",
                    "县级培训团队研修",
                    K.TRAINING_TEAM,
                    M.BLENDED,
                    "示范师范大学",
                    d(y1, 4, 10),
                    d(y1, 4, 30),
                    40,
                    15,
                    sessions=_spread(d(y1, 4, 10), d(y1, 4, 30), ["培训者专题研修", "培训方案设计工作坊"]),
                ),
            ],
        ),
        Prog(
            y1,
            Level.NATIONAL,
            "幼师国培项目",
            f"国培计划（{y1}）幼师国培项目",
            "教育部",
            C.FINISHED,
            [
                Sub(
                    "kindergarten_visit",
                    "幼儿园骨干教师访名校",
                    K.VISIT_SCHOOLS,
                    M.SHADOWING,
                    "示范市实验幼儿园",
                    d(y1, 10, 13),
                    d(y1, 10, 24),
                    48,
                    12,
                    stage=Teacher.Stage.KINDERGARTEN,
                    sessions=_spread(d(y1, 10, 13), d(y1, 10, 24), ["跟岗实践（一）", "跟岗实践（二）", "跟岗总结"]),
                ),
            ],
        ),
        Prog(
            y1,
            Level.PROVINCIAL,
            "乡村校长提高培训",
            f"{y1}年省级乡村校长提高培训",
            "示范省教育厅",
            C.FINISHED,
            [
                Sub(
                    "principals",
                    "乡村学校校长提高培训",
                    K.PRINCIPAL,
                    M.CENTRALIZED,
                    "示范省教育学院",
                    d(y1, 7, 7),
                    d(y1, 7, 16),
                    56,
                    20,
                    post=Teacher.Post.PRINCIPAL,
                    sessions=_spread(d(y1, 7, 7), d(y1, 7, 16), ["学校治理专题", "名校考察", "办学思路汇报"]),
                ),
            ],
        ),
        Prog(
            y1,
            Level.MUNICIPAL,
            "县级全员培训",
            f"{y1}年示范市初中教师学科培训",
            "示范市教育局",
            C.FINISHED,
            [
                Sub(
                    "english",
                    "初中英语教师短期集中培训",
                    K.SHORT_CENTRALIZED,
                    M.CENTRALIZED,
                    "示范市教师进修学院",
                    d(y1, 11, 3),
                    d(y1, 11, 5),
                    18,
                    40,
                    sessions=_spread(d(y1, 11, 3), d(y1, 11, 5), ["新课标解读", "课例研讨", "说课展示"]),
                ),
            ],
        ),
        Prog(
            y1,
            Level.COUNTY,
            "信息技术应用能力提升工程",
            f"信息技术应用能力提升工程2.0（{y1}）",
            "青山县教育局",
            C.FINISHED,
            [
                Sub(
                    "it20",
                    "整校推进网络研修",
                    K.ONLINE,
                    M.ONLINE,
                    "示范省教师网联",
                    d(y1, 3, 1),
                    d(y1, 11, 30),
                    50,
                    150,
                    credit="online",
                    sessions=[(d(y1, 3, 12), "能力点选择与研修计划（直播）")],
                ),
            ],
        ),
        Prog(
            y2,
            Level.NATIONAL,
            "中西部项目",
            f"国培计划（{y2}）中西部项目",
            "教育部 财政部",
            C.RUNNING,
            [
                # The 送教 visits are the outreach cycle's sessions (outreach/demo.py).
                Sub(
                    "outreach",
                    "送教下乡培训（数学）",
                    K.OUTREACH,
                    M.OUTREACH,
                    "青山县教师发展中心",
                    d(y2, 3, 1),
                    d(y2, 12, 20),
                    80,
                    48,
                ),
                Sub(
                    "workshop",
                    "初中数学教师工作坊研修",
                    K.WORKSHOP,
                    M.BLENDED,
                    "青山县教师发展中心",
                    d(y2, 3, 1),
                    d(y2, 12, 31),
                    60,
                    40,
                    stage=Teacher.Stage.JUNIOR,
                    sessions=[
                        (d(y2, 5, 14), "工作坊线下研修：单元整体教学"),
                        (d(y2, 10, 15), "工作坊线下研修：作业设计"),
                    ],
                ),
            ],
        ),
        Prog(
            y2,
            Level.COUNTY,
            "县级全员培训",
            f"{y2}年青山县中小学教师全员培训",
            "青山县教育局",
            C.RUNNING,
            [
                Sub(
                    "summer",
                    "暑期全员集中培训",
                    K.SHORT_CENTRALIZED,
                    M.CENTRALIZED,
                    "青山县教师发展中心",
                    d(y2, 7, 20),
                    d(y2, 7, 24),
                    30,
                    60,
                    sessions=_spread(
                        d(y2, 7, 20), d(y2, 7, 24), ["师德与专业发展", "大单元教学设计", "课例展示", "结业考核"]
                    ),
                ),
                # The one running now: sessions two weeks ago, last week, today and in the coming weeks.
                Sub(
                    "current",
                    "新课标专题培训",
                    K.SHORT_CENTRALIZED,
                    M.CENTRALIZED,
                    "青山县教师发展中心",
                    now - day(14),
                    now + day(14),
                    24,
                    90,
                    sessions=[
                        (now - day(14), "新课标总体解读"),
                        (now - day(7), "学科核心素养与教学设计"),
                        (now, "课堂评价改革"),
                        (now + day(7), "跨学科主题学习"),
                        (now + day(14), "结业交流"),
                    ],
                ),
                Sub(
                    "head_teachers",
                    "班主任能力提升培训",
                    K.SHORT_CENTRALIZED,
                    M.CENTRALIZED,
                    "青山县教师发展中心",
                    now + day(24),
                    now + day(26),
                    18,
                    30,
                    sessions=_spread(now + day(24), now + day(26), ["班级管理专题", "家校沟通", "案例研讨"]),
                ),
            ],
        ),
        Prog(
            y2,
            Level.SCHOOL,
            "校本研修",
            f"{y2}年青山县第一中学校本研修",
            "青山县第一中学",
            C.RUNNING,
            [
                Sub(
                    "school_based",
                    "“双减”背景下的作业设计校本研修",
                    K.SCHOOL_BASED,
                    M.SCHOOL_BASED,
                    "青山县第一中学",
                    d(y2, 3, 1),
                    d(y2, 12, 31),
                    24,
                    30,
                    credit="school_based",
                    school_code="Q001",
                    sessions=_spread(d(y2, 3, 18), d(y2, 11, 11), ["作业设计专题学习", "同课异构", "作业案例评析"]),
                ),
            ],
        ),
    ]


SESSION_TIMES = (dt.time(8, 30), dt.time(11, 30))
HEAD_TEACHER_SCHOOLS = 15  # schools with a quota on the upcoming 班主任 training


def _session_times(date: dt.date) -> tuple[dt.time, dt.time]:
    """Today's session spans the current hour, so QR check-in is open whenever the demo is shown."""
    if date != today():
        return SESSION_TIMES
    hour = max(0, min(timezone.localtime().hour - 1, 20))
    return dt.time(hour, 0), dt.time(hour + 3, 0)


def demo_subprojects(county: Region) -> dict[str, SubProject]:
    """The demo's sub-projects by key, looked up by name (also after a reload)."""
    found = {}
    for prog in plan(today()):
        for sub in prog.subs:
            found[sub.key] = SubProject.objects.select_related("program").get(
                program__county=county, program__year=prog.year, program__name=prog.name, name=sub.name
            )
    return found


def _pool(county: Region, reserved: set[int]) -> list[Teacher]:
    """The county's teachers the trainee lists are drawn from, in a stable order."""
    return list(
        Teacher.objects.filter(school__county=county).exclude(pk__in=reserved).select_related("school").order_by("pk")
    )


def _pick(rng: random.Random, teachers: list[Teacher], used: set[int], sub: Sub) -> list[Teacher]:
    """Trainees for `sub`: none already placed this year, so face-to-face dates never overlap."""
    fits = [
        t
        for t in teachers
        if t.pk not in used
        and (not sub.stage or t.stage == sub.stage)
        and (not sub.post or t.post == sub.post)
        and (not sub.school_code or t.school.code == sub.school_code)
    ]
    chosen = rng.sample(fits, min(sub.trainees, len(fits)))
    used.update(t.pk for t in chosen)
    return sorted(chosen, key=lambda t: t.pk)


def _one_of(rng: random.Random, teachers: list[Teacher], used: set[int], school: School) -> Teacher:
    teacher = rng.choice([t for t in teachers if t.school_id == school.pk and t.pk not in used])
    used.add(teacher.pk)
    return teacher


def _import(staff: User, county: Region, rows: list[tuple[SubProject, Teacher, str]]) -> None:
    """The county's enrolment list, written as the Excel import writes it (checked the same way first)."""
    importer = EnrolmentImporter(actor=staff, county=county)
    cleaned = [
        EnrolmentRow(
            row=n, subproject=sub, teacher_id=t.pk, school_id=t.school_id, status=status, id_number=t.id_number
        )
        for n, (sub, t, status) in enumerate(rows, 2)
    ]
    errors: list = []
    importer.finish(cleaned, errors)
    if errors:
        raise RuntimeError(f"demo enrolments rejected: {errors[:3]}")
    importer.write(cleaned)


@transaction.atomic
def load_programs(*, county: Region, schools: list[School], rng: random.Random, **_: object) -> dict[str, SubProject]:
    now = today()
    programs = plan(now)
    if Program.objects.filter(county=county, year=now.year, name=programs[-1].name).exists():
        return demo_subprojects(county)
    staff = User.objects.get(username="staff")
    coord1 = User.objects.get(username="coord1")
    teacher1 = User.objects.get(username="teacher1").teacher
    home = schools[0]  # coord1's school

    known = set(Category.objects.values_list("name", flat=True))
    for order, name in enumerate(CATEGORIES, 1):
        if name not in known:
            category_create(name=name, sort_order=order * 10)
    categories = {c.name: c for c in Category.objects.all()}

    # coord1's own nominations (and the substitution) use these teachers; keep them out of the lists.
    home_teachers = list(Teacher.objects.filter(school=home).exclude(pk=teacher1.pk).order_by("pk")[:6])
    reserved = {teacher1.pk, *(t.pk for t in home_teachers)}
    pool = _pool(county, reserved)

    subs: dict[str, SubProject] = {}
    rows: list[tuple[SubProject, Teacher, str]] = []
    withdraw: list[tuple[SubProject, Teacher]] = []
    used_by_year: dict[int, set[int]] = {}
    for prog in programs:
        program = program_create(
            county=county,
            year=prog.year,
            level=prog.level,
            category=categories[prog.category],
            name=prog.name,
            issuer=prog.issuer,
            status=prog.status,
        )
        used = used_by_year.setdefault(prog.year, set())
        for spec in prog.subs:
            sub = subproject_create(
                program=program,
                name=spec.name,
                kind=spec.kind,
                modality=spec.modality,
                institution=spec.institution,
                start_date=spec.start,
                end_date=spec.end,
                hours=Decimal(spec.hours),
                credit_category=spec.credit,
                quota=spec.trainees + 10,
                budget=Decimal(spec.trainees * rng.choice([300, 400, 500, 800])),
            )
            subs[spec.key] = sub
            for date, title in spec.sessions:
                start, end = _session_times(date)
                session_create(
                    subproject=sub,
                    date=date,
                    start_time=start,
                    end_time=end,
                    title=title,
                    place="青山县教师发展中心报告厅" if spec.modality != M.SCHOOL_BASED else "青山县第一中学会议室",
                    host_school=home if spec.modality == M.SCHOOL_BASED else None,
                    hours=Decimal(3),
                    kind=_session_kind(spec),
                )
            if spec.key == "current":
                continue  # nominated school by school below
            status = Enrolment.Status.COMPLETED if spec.end < now else Enrolment.Status.CONFIRMED
            if spec.start > now:
                status = Enrolment.Status.NOMINATED
            if spec.key == "head_teachers":
                # One nominee from each school with a quota except coord1's (who nominates below).
                chosen = [_one_of(rng, pool, used, school) for school in schools[1:HEAD_TEACHER_SCHOOLS]]
            else:
                chosen = _pick(rng, pool, used, spec)
            if spec.key in ("summer", "outreach"):
                # teacher1 has a finished, assessed training this year and is a trainee of the 送教 cycle.
                chosen.append(teacher1)
            for n, teacher in enumerate(chosen):
                # A few trainees of finished trainings withdrew before it ended.
                if status == Enrolment.Status.COMPLETED and n % 25 == 7:
                    rows.append((sub, teacher, Enrolment.Status.CONFIRMED))
                    withdraw.append((sub, teacher))
                else:
                    rows.append((sub, teacher, status))

    # The running training: the county sets quotas per school and confirms the schools' nominees.
    current = subs["current"]
    current_pick = _pick(rng, pool, used_by_year[now.year], Sub("", "", "", "", "", now, now, 0, 80))
    quotas = {home.pk: 5}  # coord1's five nominees
    for teacher in current_pick:
        quotas[teacher.school_id] = quotas.get(teacher.school_id, 0) + 1
    quotas_set(subproject=current, quotas=[(s, quotas[s.pk]) for s in schools if s.pk in quotas])
    rows += [(current, t, Enrolment.Status.CONFIRMED) for t in current_pick]
    head = subs["head_teachers"]
    quotas_set(subproject=head, quotas=[(s, 2) for s in schools[:HEAD_TEACHER_SCHOOLS]])

    _import(staff, county, rows)
    for sub, teacher in withdraw:
        enrolment = Enrolment.objects.get(subproject=sub, teacher=teacher, status=Enrolment.Status.CONFIRMED)
        enrolment_withdraw(enrolment=enrolment, actor=staff, reason=rng.choice(["因病请假", "工作调动", "家中有事"]))

    # coord1 nominates teacher1 and four colleagues; the county confirms; one cannot go and is replaced.
    nominated = [
        enrolment_nominate(subproject=current, teacher=t, actor=coord1) for t in [teacher1, *home_teachers[:4]]
    ]
    confirmed = [enrolment_confirm(enrolment=e, actor=staff) for e in nominated]
    enrolment_substitute(
        enrolment=confirmed[-1], replacement=home_teachers[4], reason="外出支教，无法参训", actor=staff
    )
    # coord1 has also put one name forward for the upcoming training; the county has not confirmed yet.
    enrolment_nominate(subproject=head, teacher=home_teachers[5], actor=coord1)
    return subs


def _session_kind(spec: Sub) -> str:
    if spec.modality == M.ONLINE:
        return Session.Kind.ONLINE_LIVE
    if spec.kind == K.WORKSHOP:
        return Session.Kind.WORKSHOP_OFFLINE
    if spec.modality == M.SCHOOL_BASED:
        return Session.Kind.SCHOOL_BASED
    if spec.modality == M.SHADOWING:
        return Session.Kind.PRACTICE
    return Session.Kind.LECTURE
