"""Factories for programs, enrolments and attendance.

They build rows directly so every app's tests can start from a roster; the enrolment rules
themselves are exercised through programs.services in tests/programs/.
"""

import datetime as dt

import factory

from attendance.models import AttendanceRecord, Status
from programs.models import Category, Enrolment, Level, Program, Session, SubProject

from .registry import CountyFactory, TeacherFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = "示范性项目"


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    county = factory.SubFactory(CountyFactory)
    year = 2026
    level = Level.COUNTY
    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"测试培训项目{n}")
    status = Program.Status.RUNNING


class SubProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubProject

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"子项目{n}")
    kind = SubProject.Kind.SHORT_CENTRALIZED
    modality = SubProject.Modality.CENTRALIZED
    start_date = dt.date(2026, 9, 1)
    end_date = dt.date(2026, 9, 3)
    hours = 24
    quota = 100


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    subproject = factory.SubFactory(SubProjectFactory)
    title = factory.Sequence(lambda n: f"第{n}次活动")
    date = dt.date(2026, 9, 1)
    start_time = dt.time(9, 0)
    end_time = dt.time(12, 0)
    hours = 3


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    subproject = factory.SubFactory(SubProjectFactory)
    teacher = factory.SubFactory(TeacherFactory)
    school = factory.LazyAttribute(lambda o: o.teacher.school)
    status = Enrolment.Status.CONFIRMED


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttendanceRecord

    session = factory.SubFactory(SessionFactory)
    enrolment = factory.SubFactory(EnrolmentFactory)
    status = Status.PRESENT
