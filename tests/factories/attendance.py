"""Rosters for attendance tests: a session of a county's sub-project and its confirmed trainees."""

import datetime as dt

from django.utils import timezone

from programs.models import Enrolment, Session
from trainees.models import School, Teacher
from trainees.services import teacher_create

from .programs import EnrolmentFactory, SessionFactory
from .registry import make_id_number


def session_for(county, **kwargs) -> Session:
    """A session of a new sub-project of `county`, held today unless told otherwise (so not locked)."""
    kwargs.setdefault("date", timezone.localdate())
    return SessionFactory(subproject__program__county=county, **kwargs)


def enrol(session: Session, teacher: Teacher, status: str = Enrolment.Status.CONFIRMED) -> Enrolment:
    return EnrolmentFactory(subproject=session.subproject, teacher=teacher, status=status)


def trainees(session: Session, school: School, n: int, *, prefix: str = "学员") -> list[Enrolment]:
    """`n` new teachers of `school` confirmed in the session's sub-project (through the registry service)."""
    return [
        enrol(session, teacher_create(name=f"{prefix}{i}", id_number=make_id_number(), school=school)) for i in range(n)
    ]


def bulk_trainees(session: Session, school: School, n: int) -> list[Enrolment]:
    """Hundreds of confirmed trainees quickly, for query-count tests and benchmarks."""
    teachers = []
    for i in range(n):
        number = make_id_number()
        teachers.append(
            Teacher(name=f"批量{i}", id_number=number, gender="M", birth_date=dt.date(1985, 6, 15), school=school)
        )
    teachers = Teacher.objects.bulk_create(teachers)
    return Enrolment.objects.bulk_create(
        Enrolment(subproject=session.subproject, teacher=t, school=school, status=Enrolment.Status.CONFIRMED)
        for t in teachers
    )
