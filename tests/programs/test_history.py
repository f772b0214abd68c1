"""Every enrolment change is recorded by database triggers with the acting user, bulk writes too."""

import pghistory
import pytest

from programs import services
from programs.models import Enrolment

pytestmark = pytest.mark.postgresql


def _events(enrolment):
    return [
        (e.pgh_label, e.status, (e.pgh_context.metadata if e.pgh_context else {}).get("user"))
        for e in enrolment.events.select_related("pgh_context").order_by("pgh_id")
    ]


def test_service_changes_are_recorded_with_the_acting_user(world, subproject):
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    services.enrolment_confirm(enrolment=enrolment, actor=world.staff_x)
    services.enrolment_withdraw(enrolment=enrolment, actor=world.admin_x, reason="调离")
    assert _events(enrolment) == [
        ("insert", "nominated", world.coord_a.pk),
        ("update", "confirmed", world.staff_x.pk),
        ("update", "withdrawn", world.admin_x.pk),
    ]


def test_substitution_is_recorded_on_both_rows(world, subproject):
    old = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.staff_x)
    services.enrolment_confirm(enrolment=old, actor=world.staff_x)
    new = services.enrolment_substitute(enrolment=old, replacement=world.teacher_b, reason="生病", actor=world.admin_x)
    assert _events(old)[-1] == ("update", "substituted", world.admin_x.pk)
    assert _events(new) == [("insert", "confirmed", world.admin_x.pk)]
    assert new.events.get().replaces_id == old.pk


def test_bulk_create_and_queryset_update_are_recorded(world, subproject):
    with pghistory.context(user=world.staff_x.pk):
        Enrolment.objects.bulk_create(
            [Enrolment(subproject=subproject, teacher=world.teacher_a, school=world.school_a)]
        )
        Enrolment.objects.filter(subproject=subproject).update(status=Enrolment.Status.CONFIRMED)
    enrolment = Enrolment.objects.get()
    assert _events(enrolment) == [
        ("insert", "nominated", world.staff_x.pk),
        ("update", "confirmed", world.staff_x.pk),
    ]


def test_bulk_services_are_recorded_with_the_acting_user(world, subproject):
    from tests.factories import TeacherFactory

    other = TeacherFactory(school=world.school_a)
    rows = services.enrolments_nominate(subproject=subproject, teachers=[world.teacher_a, other], actor=world.coord_a)
    services.enrolments_confirm(enrolments=rows[:1], actor=world.staff_x)
    services.nominations_withdraw(enrolments=rows[1:], actor=world.coord_a, reason="时间冲突")
    assert _events(Enrolment.objects.get(teacher=world.teacher_a)) == [
        ("insert", "nominated", world.coord_a.pk),
        ("update", "confirmed", world.staff_x.pk),
    ]
    assert _events(Enrolment.objects.get(teacher=other))[-1] == ("update", "withdrawn", world.coord_a.pk)
