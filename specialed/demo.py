"""Demo special education, through the services: the county's special school and two schools with a
resource room, their resource and 随班就读 teachers, a year and a half of 送教上门 and 巡回指导 records
(children by code only), and a training for parents and rehabilitation staff, counted apart."""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from programs.models import Level, Program, SubProject
from programs.services import program_create, subproject_create
from trainees.models import Region, School, Teacher
from trainees.services import school_update, teacher_update

from .models import SupportVisit
from .services import participant_enrol, support_visit_create

C = SupportVisit.Content
HOME_CONTENTS = [[C.SKILLS, C.SOCIAL], [C.REHAB], [C.TUTORING, C.MENTAL], [C.SKILLS, C.REHAB, C.IEP]]
PARTICIPANTS = [("家长", "parent"), ("家长", "parent"), ("家长", "parent"), ("家长", "parent"),
                ("家长", "parent"), ("康复师", "rehab"), ("康复师", "rehab"), ("社工", "other")]  # fmt: skip
SURNAMES = "王李张刘陈杨赵黄周吴"


def _staff_special_school(special: School, rng: random.Random) -> list[Teacher]:
    teachers = list(Teacher.objects.filter(school=special).order_by("pk"))
    directions = [Teacher.SpecialEdDirection.INTELLECTUAL, Teacher.SpecialEdDirection.AUTISM,
                  Teacher.SpecialEdDirection.DEAF]  # fmt: skip
    for index, teacher in enumerate(teachers):
        teacher_update(
            teacher=teacher,
            is_resource_teacher=index < 3,
            special_ed_direction=directions[index % len(directions)],
            special_ed_trained=index < 4,
            is_backbone=index == 0,
        )
    return teachers


def _resource_rooms(county: Region) -> list[School]:
    schools = list(School.objects.filter(county=county, kind=School.Kind.TOWNSHIP_CENTRAL).order_by("code")[:2])
    for school in schools:
        school_update(school=school, has_resource_room=True)
        for index, teacher in enumerate(Teacher.objects.filter(school=school).order_by("pk")[:3]):
            teacher_update(teacher=teacher, is_resource_teacher=index == 0, is_inclusive_teacher=index > 0)
    return schools


def _participants_training(county: Region, year: int, like: SubProject) -> SubProject:
    program = Program.objects.filter(county=county, year=year, name=f"{year}年特殊教育家长与康复人员培训").first()
    if program is None:
        program = program_create(
            county=county,
            year=year,
            level=Level.COUNTY,
            category=like.program.category,
            name=f"{year}年特殊教育家长与康复人员培训",
            issuer="青山县教育局",
            status=Program.Status.RUNNING,
        )
    return SubProject.objects.filter(program=program).first() or subproject_create(
        program=program,
        name="送教上门家长与康复人员培训",
        kind=SubProject.Kind.OTHER,
        modality=SubProject.Modality.CENTRALIZED,
        institution="青山县特殊教育资源中心",
        start_date=dt.date(year, 4, 20),
        end_date=dt.date(year, 4, 21),
        hours=Decimal(12),
        quota=30,
    )


@transaction.atomic
def load_specialed(*, county: Region, subprojects: dict[str, SubProject], rng: random.Random, **_: object) -> None:
    if SupportVisit.objects.filter(county=county).exists():
        return
    year = subprojects["current"].program.year
    special = School.objects.get(county=county, kind=School.Kind.SPECIAL)
    teachers = _staff_special_school(special, rng)
    rooms = _resource_rooms(county)
    townships = list(Region.objects.filter(level=Region.Level.TOWNSHIP, parent=county).order_by("name"))
    today = timezone.localdate()
    for number in range(14):
        date = dt.date(year - 1, 9, 1) + dt.timedelta(days=rng.randrange(0, 365 + 120))
        if date > today:
            continue
        went = rng.sample(teachers[:6], 2 if rng.random() < 0.6 else 1)
        if number % 3:
            support_visit_create(
                school=special, kind=SupportVisit.Kind.HOME, date=date, teachers=went,
                hours=Decimal(rng.choice([2, 2, 3, 4])), contents=rng.choice(HOME_CONTENTS),
                township=rng.choice(townships), child_code=f"QS-S{number % 5 + 1:02d}",
                notes="按个别化教育计划完成本次训练内容",
            )  # fmt: skip
        else:
            room = rooms[number % len(rooms)]
            support_visit_create(
                school=special, kind=SupportVisit.Kind.ITINERANT, date=date, teachers=went,
                hours=Decimal(3), contents=[C.IEP, C.MENTAL], target_school=room,
                class_name=f"{rng.randrange(1, 7)}年级{rng.randrange(1, 4)}班", notes="随班就读课堂观察与指导",
            )  # fmt: skip
    training = _participants_training(county, year, subprojects["summer"])
    for index, (role, kind) in enumerate(PARTICIPANTS):
        participant_enrol(
            subproject=training,
            name=f"{SURNAMES[index]}{role}{index + 1}",
            kind=kind,
            organisation="青山县残疾人康复中心" if kind == "rehab" else "",
            attended=index != 7,
        )
