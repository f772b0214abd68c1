"""Demo registry: one fictional county at a real county's scale. Deterministic, so reloading changes nothing."""

import datetime as dt
import random

from django.db import transaction

from .idcard import check_digit
from .models import School, Teacher
from .services import region_ensure_path, school_create

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建华文辉春梅晓燕海燕志强丹雪梅建军宇浩然欣怡子涵梓萱雨轩思远嘉怡俊杰"
TOWNSHIPS = [
    "城关镇",
    "东岭镇",
    "西河乡",
    "南山镇",
    "北坪乡",
    "青石镇",
    "白沙乡",
    "桃源镇",
    "柳溪乡",
    "梅岭镇",
    "石门乡",
    "云台镇",
]
SUBJECTS = ["语文", "数学", "英语", "科学", "音乐", "体育", "美术", "信息技术", "道德与法治", "物理", "化学", "历史"]
TITLES = ["三级教师", "二级教师", "一级教师", "高级教师", "正高级教师"]
EDUCATION = ["中专", "大专", "本科", "研究生"]
COUNTY_CODE = "369901"  # fictional administrative code

DEMO_PROVINCE = "示范省"
DEMO_CITY = "示范市"
DEMO_COUNTY = "青山县"
OTHER_COUNTY = "绿水县"


def demo_id_number(serial: int, rng: random.Random) -> str:
    birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 36))
    seq = f"{serial % 1000:03d}"
    first17 = f"{COUNTY_CODE}{birth:%Y%m%d}{seq}"
    return first17 + check_digit(first17)


def _school_plan() -> list[tuple[str, str, str, str, str]]:
    """(code, name, township, kind, area): 45 schools, urban ones in 城关镇."""
    plan = [
        ("Q001", "青山县第一中学", "城关镇", School.Kind.MIDDLE, School.Area.URBAN),
        ("Q002", "青山县第二中学", "城关镇", School.Kind.MIDDLE, School.Area.URBAN),
        ("Q003", "青山县实验小学", "城关镇", School.Kind.URBAN, School.Area.URBAN),
        ("Q004", "青山县城关小学", "城关镇", School.Kind.URBAN, School.Area.URBAN),
        ("Q005", "青山县幼儿园", "城关镇", School.Kind.KINDERGARTEN, School.Area.URBAN),
        ("Q006", "青山县特殊教育学校", "城关镇", School.Kind.SPECIAL, School.Area.URBAN),
        ("Q007", "青山县职业中专", "城关镇", School.Kind.VOCATIONAL, School.Area.URBAN),
    ]
    serial = 8
    for township in TOWNSHIPS[1:]:
        short = township[:-1]
        plan.append((f"Q{serial:03d}", f"{short}中心校", township, School.Kind.TOWNSHIP_CENTRAL, School.Area.RURAL))
        serial += 1
        plan.append((f"Q{serial:03d}", f"{short}中学", township, School.Kind.MIDDLE, School.Area.RURAL))
        serial += 1
        plan.append((f"Q{serial:03d}", f"{short}村小", township, School.Kind.VILLAGE, School.Area.RURAL))
        serial += 1
    for township in TOWNSHIPS[1:6]:
        plan.append(
            (f"Q{serial:03d}", f"{township[:-1]}教学点", township, School.Kind.TEACHING_POINT, School.Area.RURAL)
        )
        serial += 1
    return plan[:45]


STAGE_BY_KIND = {
    School.Kind.MIDDLE: Teacher.Stage.JUNIOR,
    School.Kind.KINDERGARTEN: Teacher.Stage.KINDERGARTEN,
    School.Kind.SPECIAL: Teacher.Stage.SPECIAL,
    School.Kind.VOCATIONAL: Teacher.Stage.VOCATIONAL,
}


@transaction.atomic
def load_registry(*, teachers: int = 1600) -> dict[str, object]:
    county, _ = region_ensure_path(province=DEMO_PROVINCE, city=DEMO_CITY, county=DEMO_COUNTY)
    townships = {
        name: region_ensure_path(province=DEMO_PROVINCE, city=DEMO_CITY, county=DEMO_COUNTY, township=name)[1]
        for name in TOWNSHIPS
    }
    schools = []
    for code, name, township, kind, area in _school_plan():
        school = School.objects.filter(code=code).first() or school_create(
            code=code, name=name, county=county, township=townships[township], kind=kind, area=area
        )
        schools.append(school)
    # A second, small county shows that scopes keep counties apart.
    other_county, other_township = region_ensure_path(
        province=DEMO_PROVINCE, city=DEMO_CITY, county=OTHER_COUNTY, township="绿水镇"
    )
    other_school = School.objects.filter(code="L001").first() or school_create(
        code="L001",
        name="绿水县实验小学",
        county=other_county,
        township=other_township,
        kind=School.Kind.URBAN,
        area=School.Area.URBAN,
    )

    rng = random.Random(20261123)
    existing = set(Teacher.objects.values_list("id_number", flat=True))
    new = []
    weights = [6 if s.area == School.Area.URBAN else 3 for s in schools]
    for serial in range(teachers + 20):
        school = other_school if serial >= teachers else rng.choices(schools, weights=weights)[0]
        number = demo_id_number(serial, rng)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        gender = "M" if int(number[16]) % 2 else "F"
        fields = {
            "phone": f"13{rng.randrange(100000000, 999999999)}",
            "stage": STAGE_BY_KIND.get(school.kind, Teacher.Stage.PRIMARY),
            "subject": rng.choice(SUBJECTS),
            "title": rng.choice(TITLES),
            "post": rng.choices(list(Teacher.Post.values), weights=[70, 15, 3, 4, 6, 2])[0],
            "is_rural": school.area == School.Area.RURAL,
            "is_special_post": school.area == School.Area.RURAL and rng.random() < 0.15,
            "entry_year": rng.randrange(1988, 2026),
            "education": rng.choices(EDUCATION, weights=[5, 25, 60, 10])[0],
        }
        if number in existing:
            continue
        existing.add(number)
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        new.append(Teacher(name=name, id_number=number, gender=gender, birth_date=birth, school=school, **fields))
    Teacher.objects.bulk_create(new, batch_size=1000)
    return {"county": county, "other_county": other_county, "schools": schools, "other_school": other_school}
