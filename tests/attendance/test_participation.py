"""参训率 per enrolment, school and sub-project, computed in SQL from the attendance records."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance import selectors
from attendance.services import RowInput, attendance_grid_save
from programs.models import Enrolment
from tests.factories.attendance import session_for, trainees
from tests.factories.programs import SessionFactory


def _setup(world):
    first = session_for(world.county_x)
    second = SessionFactory(subproject=first.subproject, date=first.date)
    a1, a2, a3 = trainees(first, world.school_a, 3)
    (b1,) = trainees(first, world.school_b, 1)
    (gone,) = trainees(first, world.school_b, 1, prefix="退出")
    Enrolment.objects.filter(pk=gone.pk).update(status=Enrolment.Status.WITHDRAWN)
    attendance_grid_save(
        session=first,
        user=world.staff_x,
        rows=[
            RowInput(a1.pk, "present"),
            RowInput(a2.pk, "late"),
            RowInput(a3.pk, "absent"),
            RowInput(b1.pk, "leave", "病假"),
        ],
        version=0,
    )
    attendance_grid_save(
        session=second, user=world.staff_x, rows=[RowInput(a1.pk, "early"), RowInput(b1.pk, "absent")], version=0
    )
    return first.subproject, (a1, a2, a3, b1, gone)


def test_rate_by_enrolment_is_sessions_attended_over_sessions(world):
    subproject, (a1, a2, a3, b1, gone) = _setup(world)
    rates = selectors.attendance_rate_by_enrolment(subproject_id=subproject.pk)
    assert rates == {a1.pk: Decimal("1"), a2.pk: Decimal("0.5"), a3.pk: Decimal(0), b1.pk: Decimal(0)}
    assert gone.pk not in rates


def test_participation_by_school(world):
    subproject, _ = _setup(world)
    with CaptureQueriesContext(connection) as ctx:
        rows = {row["school__name"]: row for row in selectors.participation_by_school(subproject_id=subproject.pk)}
    assert len(ctx.captured_queries) == 2  # session count, grouped enrolments
    a, b = rows["甲县一小"], rows["甲县二小"]
    assert (a["enrolled"], a["attended_trainees"], a["attended_sessions"], a["sessions"]) == (3, 2, 3, 2)
    assert a["participation_rate"] == Decimal("0.6667")
    assert a["attendance_rate"] == Decimal("0.5")
    assert (b["enrolled"], b["attended_trainees"], b["participation_rate"]) == (1, 0, Decimal(0))


def test_participation_by_subproject(world):
    subproject, _ = _setup(world)
    result = selectors.participation_by_subproject(subproject_ids=[subproject.pk])
    row = result[subproject.pk]
    assert (row["enrolled"], row["attended_trainees"], row["attended_sessions"]) == (4, 2, 3)
    assert row["participation_rate"] == Decimal("0.5")
    assert row["attendance_rate"] == Decimal("0.375")


def test_a_subproject_without_sessions_has_rate_zero(world):
    session = session_for(world.county_x)
    (enrolment,) = trainees(session, world.school_a, 1)
    session.delete()
    rates = selectors.attendance_rate_by_enrolment(subproject_id=enrolment.subproject_id)
    assert rates == {enrolment.pk: Decimal(0)}
