import datetime as dt
import itertools

import factory
from django.conf import settings

from accounts.models import Role, User
from accounts.services import user_create
from trainees.idcard import check_digit
from trainees.models import Region, School, Teacher
from trainees.services import region_ensure_path, school_create, teacher_create

_serial = itertools.count(1)


def make_id_number(serial: int | None = None, *, birth: dt.date = dt.date(1985, 6, 15), male: bool = True) -> str:
    """A valid 身份证号, unique per serial."""
    n = next(_serial) if serial is None else serial
    order = (n * 2 + (1 if male else 0)) % 1000
    first17 = f"32{n // 1000 % 10000:04d}{birth:%Y%m%d}{order:03d}"
    return first17 + check_digit(first17)


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"测试县{n}")
    city = "测试市"
    province = "测试省"

    @classmethod
    def _create(cls, model_class, name, city, province, **kwargs):
        county, _ = region_ensure_path(province=province, city=city, county=name)
        return county


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"测试镇{n}")
    parent = factory.SubFactory(CountyFactory)
    level = Region.Level.TOWNSHIP


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    code = factory.Sequence(lambda n: f"S{n:05d}")
    name = factory.Sequence(lambda n: f"测试学校{n}")
    county = factory.SubFactory(CountyFactory)
    township = None
    kind = School.Kind.TOWNSHIP_CENTRAL
    area = School.Area.RURAL

    @classmethod
    def _create(cls, model_class, **kwargs):
        return school_create(**kwargs)


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Teacher

    name = factory.Sequence(lambda n: f"教师{n}")
    id_number = factory.LazyFunction(make_id_number)
    school = factory.SubFactory(SchoolFactory)

    @classmethod
    def _create(cls, model_class, **kwargs):
        return teacher_create(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.COUNTY_STAFF
    password = settings.DEMO_PASSWORD

    @classmethod
    def _create(cls, model_class, **kwargs):
        return user_create(validate=False, **kwargs)
