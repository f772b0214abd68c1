"""换人参训: both records stay, linked, with who did it, when and why; both teachers are told."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from programs import services
from programs.models import Enrolment, Notice
from programs.services import ERR_BAD_TRANSITION, ERR_DUPLICATE, ERR_SAME_TEACHER, ERR_TEACHER_NOT_IN_COUNTY
from tests.factories import TeacherFactory

from .conftest import make_subproject


@pytest.fixture
def confirmed(world, subproject):
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    return services.enrolment_confirm(enrolment=enrolment, actor=world.staff_x)


def test_substitution_keeps_both_records_linked_with_who_when_and_why(world, confirmed):
    replacement = TeacherFactory(school=world.school_a)
    new = services.enrolment_substitute(
        enrolment=confirmed, replacement=replacement, reason="产假", actor=world.staff_x
    )
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.reason, confirmed.changed_by) == (
        Enrolment.Status.SUBSTITUTED,
        "产假",
        world.staff_x,
    )
    assert (new.status, new.replaces, new.teacher, new.reason, new.created_by) == (
        Enrolment.Status.CONFIRMED,
        confirmed,
        replacement,
        "产假",
        world.staff_x,
    )
    assert new.created_at is not None and confirmed.changed_at is not None
    assert confirmed.replaced_by == new


def test_both_teachers_receive_a_notice(world, confirmed):
    replacement = TeacherFactory(school=world.school_a)
    new = services.enrolment_substitute(
        enrolment=confirmed, replacement=replacement, reason="生病", actor=world.staff_x
    )
    old_notice = Notice.objects.filter(teacher=world.teacher_a).first()
    new_notice = Notice.objects.get(teacher=replacement)
    assert (old_notice.kind, old_notice.enrolment) == (Notice.Kind.SUBSTITUTED, confirmed)
    assert (new_notice.kind, new_notice.enrolment) == (Notice.Kind.ENROLLED, new)
    assert "生病" in old_notice.body and "生病" in new_notice.body


def test_the_replacement_passes_the_overlap_rule(world, program, confirmed):
    replacement = TeacherFactory(school=world.school_a)
    same_days = make_subproject(program, "同期另一班")
    services.enrolment_nominate(subproject=same_days, teacher=replacement, actor=world.staff_x)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_substitute(enrolment=confirmed, replacement=replacement, reason="生病", actor=world.staff_x)
    assert "同期另一班" in exc.value.message_dict["replacement"][0]
    confirmed.refresh_from_db()
    assert confirmed.status == Enrolment.Status.CONFIRMED


def test_the_replacement_passes_the_duplicate_rule(world, subproject, confirmed):
    other = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_b, actor=world.staff_x)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_substitute(
            enrolment=confirmed, replacement=other.teacher, reason="生病", actor=world.staff_x
        )
    assert exc.value.message_dict["replacement"] == [ERR_DUPLICATE]


def test_a_teacher_cannot_replace_themselves(world, confirmed):
    with pytest.raises(ValidationError) as exc:
        services.enrolment_substitute(enrolment=confirmed, replacement=world.teacher_a, reason="x", actor=world.staff_x)
    assert exc.value.message_dict["replacement"] == [ERR_SAME_TEACHER]


def test_the_replacement_must_belong_to_the_county(world, confirmed):
    with pytest.raises(ValidationError) as exc:
        services.enrolment_substitute(enrolment=confirmed, replacement=world.teacher_c, reason="x", actor=world.staff_x)
    assert exc.value.message_dict["replacement"] == [ERR_TEACHER_NOT_IN_COUNTY]


def test_only_a_confirmed_trainee_is_substituted(world, subproject):
    nominated = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_substitute(enrolment=nominated, replacement=world.teacher_b, reason="x", actor=world.staff_x)
    assert exc.value.messages == [ERR_BAD_TRANSITION.format(status="已提名")]


def test_a_coordinator_cannot_substitute(world, confirmed):
    with pytest.raises(PermissionDenied):
        services.enrolment_substitute(
            enrolment=confirmed, replacement=TeacherFactory(school=world.school_a), reason="x", actor=world.coord_a
        )
