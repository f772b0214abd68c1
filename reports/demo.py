"""Demo reports, and what the offices above the county need to be seen at work.

- the administrator's annual summary export of the demo's three years (requested through the service
  like the export page does; the job runs once the load commits: in-process under `make run`, by a
  worker where a broker is configured), so 统计报表 → 年度汇总导出 has a file;
- a second city (远山市) with one county (白云县), its school, teachers and one program, and an office
  of that city (`city2_staff`), so the scoping of the offices above the county can be seen: 示范市's
  offices see 青山县 and 绿水县, 远山市's sees only 白云县, the province's sees all three;
- a 市级 program of 示范市 that allots places to 青山县 and 绿水县, which 青山县 passes on to schools;
- the city's roll-up of the three years, requested by 示范市's administrator.
"""

import datetime as dt
import random

from django.conf import settings
from django.db import transaction

from accounts.models import Role, User
from accounts.services import user_create
from programs import services as programs
from programs.models import Category, Enrolment, Program, SubProject
from trainees.demo import DEMO_PROVINCE, demo_id_number
from trainees.models import Region, School, Teacher
from trainees.services import region_ensure_path, school_create

from .models import ExportJob
from .services import export_request

OTHER_CITY = "远山市"
OTHER_CITY_COUNTY = "白云县"
CITY_PROGRAM = "市级骨干教师能力提升培训"


@transaction.atomic
def load_reports(*, county: Region, subprojects: dict[str, SubProject], **_: object) -> list[tuple[str, str]]:
    """Load the reports' part of the demo; return the extra logins it made, for the command to print."""
    year = subprojects["current"].program.year
    accounts = _other_city(year)
    _city_program(county, year)
    if not ExportJob.objects.filter(county=county, year_from=year - 2, year_to=year).exists():
        export_request(user=User.objects.get(username="admin"), year_from=year - 2, year_to=year, county=county)
    city = county.parent
    if not ExportJob.objects.filter(region=city, year_from=year - 2, year_to=year).exists():
        export_request(user=User.objects.get(username="city_admin"), year_from=year - 2, year_to=year)
    return accounts


def _other_city(year: int) -> list[tuple[str, str]]:
    """远山市 / 白云县: one school, twenty teachers, one county program with a confirmed cohort."""
    county, township = region_ensure_path(
        province=DEMO_PROVINCE, city=OTHER_CITY, county=OTHER_CITY_COUNTY, township="白云镇"
    )
    school = School.objects.filter(code="B001").first() or school_create(
        code="B001", name="白云县第一小学", county=county, township=township, kind=School.Kind.URBAN, area="urban"
    )
    if not Teacher.objects.filter(school=school).exists():
        rng = random.Random(year)
        teachers = []
        for serial in range(5000, 5020):
            number = demo_id_number(serial, rng)
            teachers.append(
                Teacher(
                    name=f"白云教师{serial - 4999}",
                    id_number=number,
                    gender="M" if int(number[16]) % 2 else "F",
                    birth_date=dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                    school=school,
                    stage=Teacher.Stage.PRIMARY,
                    subject="语文" if serial % 2 else "数学",
                    education="本科",
                    is_rural=False,
                )
            )
        Teacher.objects.bulk_create(teachers)
    if not User.objects.filter(username="city2_staff").exists():
        user_create(
            username="city2_staff",
            password=settings.DEMO_PASSWORD,
            role=Role.CITY_STAFF,
            display_name=f"{OTHER_CITY}教师发展中心",
            region=county.parent,
            validate=False,
        )
    if not Program.objects.filter(county=county, year=year).exists():
        staff = User.objects.filter(role=Role.COUNTY_STAFF, county=county).first() or user_create(
            username="staff_by",
            password=settings.DEMO_PASSWORD,
            role=Role.COUNTY_STAFF,
            display_name=f"{OTHER_CITY_COUNTY}培训中心",
            county=county,
            validate=False,
        )
        program = programs.program_create(
            county=county, year=year, level="county", category=Category.objects.order_by("sort_order").first(),
            name="白云县新课标全员培训", status=Program.Status.RUNNING,
        )  # fmt: skip
        sub = programs.subproject_create(program=program, name="小学语文数学", quota=20, hours=24)
        for teacher in Teacher.objects.filter(school=school).order_by("pk")[:12]:
            enrolment = programs.enrolment_nominate(subproject=sub, teacher=teacher, actor=staff)
            programs.enrolment_confirm(enrolment=enrolment, actor=staff)
    return [
        ("city2_staff", f"{Role(Role.CITY_STAFF).label}（{OTHER_CITY}，只见{OTHER_CITY_COUNTY}）"),
        ("staff_by", f"{Role(Role.COUNTY_STAFF).label}（{OTHER_CITY_COUNTY}）"),
    ]


def _city_program(county: Region, year: int) -> None:
    """示范市's own program: places allotted to its two counties, 青山县's passed on to two schools."""
    city = county.parent
    if Program.objects.filter(region=city, year=year, name=CITY_PROGRAM).exists():
        return
    program = programs.program_create(
        region=city, year=year, level="municipal", category=Category.objects.order_by("sort_order").last(),
        name=CITY_PROGRAM, issuer=f"{city.name}教育局", status=Program.Status.ENROLLING,
    )  # fmt: skip
    sub = programs.subproject_create(
        program=program, name="初中骨干教师研修", quota=12, hours=40, institution=f"{city.name}教师发展中心",
        start_date=dt.date(year, 10, 20), end_date=dt.date(year, 10, 24),
    )  # fmt: skip
    other = Region.objects.get(parent=city, level=Region.Level.COUNTY, name="绿水县")
    programs.county_quotas_set(subproject=sub, quotas=[(county, 8), (other, 4)])
    schools = list(School.objects.filter(county=county).order_by("code")[:2])
    programs.quotas_set(subproject=sub, quotas=[(schools[0], 3), (schools[1], 2)])
    staff = User.objects.get(username="staff")
    for school in schools:
        for teacher in Teacher.objects.filter(school=school, stage=Teacher.Stage.JUNIOR).order_by("pk")[:2]:
            if Enrolment.objects.filter(subproject=sub, teacher=teacher).exists():
                continue
            enrolment = programs.enrolment_nominate(subproject=sub, teacher=teacher, actor=staff)
            programs.enrolment_confirm(enrolment=enrolment, actor=staff)
