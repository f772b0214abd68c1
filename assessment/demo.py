"""Demo assessment and credits: a template scheme, one sub-project's scheme with scores and published
results, the county's credit rules for last year and this year, one approved school-based project, the
tally, and coord1's school's registration of last year's credits (approved)."""

import datetime as dt
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.models import User
from programs.models import SubProject
from trainees.models import Region, School, Teacher

from .claims import claim_county_review, claim_item_save, claim_school_review, claim_submit
from .credits import (
    category_lookup,
    credit_settings_save,
    cycle_save,
    requirement_save,
    school_project_decide,
    school_project_recognise,
    school_project_submit,
    school_session_record,
    tally_credits,
)
from .models import AssessmentScheme, Component, CountyCreditSettings
from .registration import registration_approve, registration_submit
from .scoring import ComponentSpec, ScoreRow, assessed_enrolments, scheme_copy, scheme_publish, scheme_save, scores_save

S = Component.Source
TEMPLATE = "集中培训通用考核方案"
COMPONENTS = [
    ComponentSpec("出勤", 40, S.ATTENDANCE),
    ComponentSpec("研修作业", 30, S.MANUAL),
    ComponentSpec("结业成果", 30, S.MANUAL),
]


def load_scheme(*, subproject: SubProject, rng: random.Random, staff: User) -> AssessmentScheme:
    county = subproject.program.county
    template = scheme_save(
        county=county,
        name=TEMPLATE,
        components=COMPONENTS,
        pass_mark=Decimal(60),
        excellent_threshold=Decimal(90),
        excellent_share=Decimal(20),
        actor=staff,
    )
    scheme = scheme_copy(template=template, subproject=subproject, actor=staff)
    manual = [c for c in scheme.components.all() if c.source == S.MANUAL]
    rows = [
        ScoreRow(
            enrolment_id=pk,
            values={
                c.pk: Decimal(rng.randrange(550, 990)) / 10 if rng.random() > 0.04 else Decimal(40) for c in manual
            },
        )
        for pk in assessed_enrolments(scheme).order_by("pk").values_list("pk", flat=True)
    ]
    scores_save(scheme=scheme, rows=rows, actor=staff)
    return scheme_publish(scheme=scheme, actor=staff)


def load_school_project(*, school: School, year: int, coord: User, staff: User, rng: random.Random) -> None:
    """校本研修 of coord1's school: 申报, 核准, three recorded activities, 认定."""
    project = school_project_submit(
        school=school,
        year=year,
        title="“双减”背景下的作业设计研究",
        plan="每月一次集体研修：专题学习、同课异构、作业案例评析，期末形成作业设计案例集。",
        planned_hours=Decimal(12),
        actor=coord,
    )
    project = school_project_decide(project=project, approve=True, actor=staff)
    teachers = list(Teacher.objects.filter(school=school).order_by("pk"))
    for month, topic in [(4, "作业设计专题学习"), (6, "分层作业同课异构"), (9, "作业案例评析")]:
        attended = [t for t in teachers if rng.random() < 0.9]
        school_session_record(
            project=project,
            date=dt.date(year, month, 15),
            topic=topic,
            hours=Decimal(4),
            teachers=attended,
            actor=coord,
        )
    school_project_recognise(project=project, actor=staff)


@transaction.atomic
def load_assessment(
    *, county: Region, schools: list[School], subprojects: dict[str, SubProject], rng: random.Random, **_: object
) -> None:
    summer = subprojects["summer"]
    if AssessmentScheme.objects.filter(subproject=summer).exists():
        return
    staff = User.objects.get(username="staff")
    coord1 = User.objects.get(username="coord1")
    year = summer.program.year
    load_scheme(subproject=summer, rng=rng, staff=staff)
    credit_settings_save(
        county=county,
        hours_per_credit=Decimal(10),
        mode=CountyCreditSettings.Mode.FULL,
        claim_publicity_days=5,
        actor=staff,
    )
    # 36 学时 a year, 12 of them in 集中培训 from this year on: reachable with one training plus 校本研修.
    for y, minimums in ((year - 1, {}), (year, {"centralized": Decimal(12)})):
        requirement_save(county=county, year=y, total=Decimal(36), minimums=minimums, actor=staff)
    cycle_save(county=county, start_year=year - 1, years=5, total=Decimal(360), actor=staff)
    load_school_project(school=schools[0], year=year, coord=coord1, staff=staff, rng=rng)
    for y in (year - 1, year):
        tally_credits(year=y, county=county)
    # Last year's credits of coord1's school were reviewed by the school and approved by the county.
    registration = registration_submit(school=schools[0], year=year - 1, actor=coord1)
    registration_approve(registration=registration, actor=staff)
    load_claims(county=county, year=year, staff=staff, coord=coord1)


# The county's claim table 学分申报表: (name, kind, unit, amount, per, yearly maximum)
CLAIM_TABLE = (
    ("论文发表（省级及以上）", "paper", "credits", "3", "篇", None),
    ("论文发表（市级）", "paper", "credits", "2", "篇", None),
    ("课题结题（市级及以上）", "research", "credits", "4", "项", None),
    ("教学竞赛获奖（县级一等奖）", "contest", "credits", "2", "项", "4"),
    ("送教下乡、专题讲座授课", "trainer", "credits", "0.25", "节", "6"),
    ("学历提升（在读，每学年）", "degree", "hours", "40", "", "40"),
)
DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def load_claims(*, county: Region, year: int, staff: User, coord: User) -> None:
    """The claim table, and teacher1's claims: one 公示中 (approved by both), one waiting for 初审."""
    category = category_lookup(county=county, key="self_study")
    items = {
        name: claim_item_save(
            county=county, actor=staff, name=name, kind=kind, category=category, unit=unit, amount=Decimal(amount),
            per=per, max_per_year=None if top is None else Decimal(top),
        )  # fmt: skip
        for name, kind, unit, amount, per, top in CLAIM_TABLE
    }
    teacher_user = User.objects.filter(username="teacher1", teacher__isnull=False).first()
    if teacher_user is None:
        return
    claims = [
        ("送教下乡、专题讲座授课", Decimal(8), "送教下乡小学数学示范课 8 节（城关镇中心校、青山乡中心校）"),
        ("论文发表（市级）", Decimal(1), "《农村小学“双减”作业设计的实践》，市教研室论文集"),
    ]
    made = [
        claim_submit(
            teacher=teacher_user.teacher, item=items[name], year=year, quantity=quantity, description=text,
            files=[SimpleUploadedFile("证明材料.pdf", DEMO_PDF)], actor=teacher_user,
        )  # fmt: skip
        for name, quantity, text in claims
    ]
    claim_school_review(claim=made[0], approve=True, comment="情况属实", actor=coord)
    claim_county_review(claim=made[0], approve=True, actor=staff)
