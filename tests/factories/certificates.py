"""Certificate test data: a finished course whose trainees attended, and certificates issued through
the certificates services."""

import datetime as dt
import itertools

from attendance.models import AttendanceRecord, Status
from programs.models import Enrolment, Session, SubProject

from .programs import EnrolmentFactory, SubProjectFactory

_programs = itertools.count(1)


def make_course(county, *, sessions: int = 5, **fields) -> SubProject:
    """A finished sub-project of `county` with `sessions` sessions (bulk-created: rates need many)."""
    fields.setdefault("program__county", county)
    fields.setdefault("name", "新课标专题培训")
    # Program names are unique per county and year: the first course keeps the plain name.
    n = next(_programs)
    fields.setdefault("program__name", "县级骨干教师研修" if n == 1 else f"县级骨干教师研修（{n}）")
    sub = SubProjectFactory(**fields)
    Session.objects.bulk_create(
        Session(
            subproject=sub,
            title=f"第{i + 1}讲",
            date=dt.date(2026, 9, 1) + dt.timedelta(days=i // 4),
            start_time=dt.time(8 + 2 * (i % 4), 0),
            end_time=dt.time(9 + 2 * (i % 4), 0),
            hours=1,
            place="县教师发展中心报告厅",
        )
        for i in range(sessions)
    )
    return sub


def attend(enrolment: Enrolment, n: int) -> None:
    """Mark `enrolment` present at the first `n` sessions of its sub-project."""
    sessions = list(enrolment.subproject.sessions.order_by("date", "start_time", "pk")[:n])
    AttendanceRecord.objects.bulk_create(
        AttendanceRecord(session=s, enrolment=enrolment, status=Status.PRESENT) for s in sessions
    )


def completed(sub: SubProject, teacher, *, attended: int | None = None, status=Enrolment.Status.COMPLETED) -> Enrolment:
    enrolment = EnrolmentFactory(subproject=sub, teacher=teacher, status=status)
    attend(enrolment, sub.sessions.count() if attended is None else attended)
    return enrolment
