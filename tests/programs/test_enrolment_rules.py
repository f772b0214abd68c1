"""The enrolment rules, exercised through programs.services."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from programs import services
from programs.models import Enrolment, Notice, SubProject
from programs.services import (
    ERR_BAD_TRANSITION,
    ERR_DUPLICATE,
    ERR_NO_SCHOOL_QUOTA,
    ERR_REASON_REQUIRED,
    ERR_SCHOOL_QUOTA_FULL,
    ERR_SUBPROJECT_FULL,
    ERR_TEACHER_NOT_IN_COUNTY,
)
from tests.factories import TeacherFactory

from .conftest import make_subproject


def messages(exc_info):
    return exc_info.value.messages


def test_a_coordinator_nominates_a_teacher_of_their_school(world, subproject):
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    assert (enrolment.status, enrolment.school, enrolment.created_by) == (
        Enrolment.Status.NOMINATED,
        world.school_a,
        world.coord_a,
    )


def test_a_coordinator_cannot_nominate_another_schools_teacher(world, subproject):
    with pytest.raises(PermissionDenied):
        services.enrolment_nominate(subproject=subproject, teacher=world.teacher_b, actor=world.coord_a)
    assert not Enrolment.objects.exists()


def test_a_coordinator_needs_a_school_quota(world, subproject):
    with pytest.raises(ValidationError) as exc:
        services.enrolment_nominate(subproject=subproject, teacher=world.teacher_b, actor=world.coord_b)
    assert messages(exc) == [ERR_NO_SCHOOL_QUOTA]


def test_a_coordinator_stays_within_the_school_quota(world, subproject):
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    services.enrolment_nominate(
        subproject=subproject, teacher=TeacherFactory(school=world.school_a), actor=world.coord_a
    )
    with pytest.raises(ValidationError) as exc:
        services.enrolment_nominate(
            subproject=subproject, teacher=TeacherFactory(school=world.school_a), actor=world.coord_a
        )
    assert messages(exc) == [ERR_SCHOOL_QUOTA_FULL.format(quota=2)]


def test_a_withdrawn_place_can_be_used_again(world, subproject):
    first = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    services.enrolment_nominate(
        subproject=subproject, teacher=TeacherFactory(school=world.school_a), actor=world.coord_a
    )
    services.enrolment_withdraw(enrolment=first, actor=world.staff_x, reason="生病")
    services.enrolment_nominate(
        subproject=subproject, teacher=TeacherFactory(school=world.school_a), actor=world.coord_a
    )
    assert Enrolment.objects.filter(status__in=Enrolment.ACTIVE).count() == 2


def test_county_staff_nominate_any_school_of_their_county(world, subproject):
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_b, actor=world.staff_x)
    assert enrolment.school == world.school_b


def test_county_staff_cannot_nominate_a_teacher_of_another_county(world, subproject):
    with pytest.raises(ValidationError) as exc:
        services.enrolment_nominate(subproject=subproject, teacher=world.teacher_c, actor=world.staff_x)
    assert messages(exc) == [ERR_TEACHER_NOT_IN_COUNTY]


def test_staff_of_another_county_cannot_nominate(world, subproject):
    with pytest.raises(PermissionDenied):
        services.enrolment_nominate(subproject=subproject, teacher=world.teacher_c, actor=world.staff_y)


def test_a_teacher_cannot_nominate(world, subproject):
    with pytest.raises(PermissionDenied):
        services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.teacher_user_a)


def test_the_sub_project_quota_binds_county_staff_too(world, program):
    sub = make_subproject(program, "小班", quota=1)
    services.enrolment_nominate(subproject=sub, teacher=world.teacher_a, actor=world.staff_x)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_nominate(subproject=sub, teacher=world.teacher_b, actor=world.staff_x)
    assert messages(exc) == [ERR_SUBPROJECT_FULL.format(quota=1)]


def test_a_teacher_cannot_be_enrolled_twice_in_one_sub_project(world, subproject):
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.staff_x)
    assert messages(exc) == [ERR_DUPLICATE]


def test_overlapping_face_to_face_dates_are_refused_naming_the_other_sub_project(world, program, subproject):
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.staff_x)
    later = make_subproject(program, "初中语文班", start=dt.date(2026, 9, 3), end=dt.date(2026, 9, 5))
    with pytest.raises(ValidationError) as exc:
        services.enrolment_nominate(subproject=later, teacher=world.teacher_a, actor=world.staff_x)
    assert messages(exc) == ["该教师已报名“小学数学骨干班”（2026-09-01 至 2026-09-03），与本子项目的面授日期重叠"]


def test_adjacent_dates_do_not_overlap(world, program, subproject):
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.staff_x)
    after = make_subproject(program, "后一期", start=dt.date(2026, 9, 4), end=dt.date(2026, 9, 6))
    assert services.enrolment_nominate(subproject=after, teacher=world.teacher_a, actor=world.staff_x)


def test_online_study_may_overlap_face_to_face_training(world, program, subproject):
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.staff_x)
    online = make_subproject(program, "网络研修", modality=SubProject.Modality.ONLINE)
    assert services.enrolment_nominate(subproject=online, teacher=world.teacher_a, actor=world.staff_x)


def test_a_withdrawn_enrolment_does_not_block_overlapping_dates(world, program, subproject):
    first = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.staff_x)
    services.enrolment_withdraw(enrolment=first, actor=world.staff_x, reason="冲突")
    same_days = make_subproject(program, "同期另一班")
    assert services.enrolment_nominate(subproject=same_days, teacher=world.teacher_a, actor=world.staff_x)


def test_county_staff_confirm_and_the_teacher_is_told(world, subproject):
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    services.enrolment_confirm(enrolment=enrolment, actor=world.staff_x)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.changed_by) == (Enrolment.Status.CONFIRMED, world.staff_x)
    kinds = list(Notice.objects.filter(teacher=world.teacher_a).order_by("pk").values_list("kind", "subject"))
    assert kinds == [
        (Notice.Kind.ENROLLED, "培训报名通知：小学数学骨干班"),
        (Notice.Kind.ENROLLED, "培训报名确认：小学数学骨干班"),
    ]


@pytest.mark.parametrize("action", ["enrolment_confirm", "enrolment_reject"])
def test_a_coordinator_cannot_confirm_or_reject(world, subproject, action):
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    with pytest.raises(PermissionDenied):
        getattr(services, action)(enrolment=enrolment, actor=world.coord_a)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.NOMINATED


def test_staff_of_another_county_cannot_confirm(world, subproject):
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    with pytest.raises(PermissionDenied):
        services.enrolment_confirm(enrolment=enrolment, actor=world.staff_y)


def test_a_rejected_enrolment_cannot_be_confirmed(world, subproject):
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    services.enrolment_reject(enrolment=enrolment, actor=world.staff_x, reason="不符合条件")
    with pytest.raises(ValidationError) as exc:
        services.enrolment_confirm(enrolment=enrolment, actor=world.staff_x)
    assert messages(exc) == [ERR_BAD_TRANSITION.format(status="未通过")]


def test_withdrawal_needs_a_reason_and_tells_the_teacher(world, subproject):
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.staff_x)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_withdraw(enrolment=enrolment, actor=world.staff_x, reason=" ")
    assert messages(exc) == [ERR_REASON_REQUIRED]
    services.enrolment_withdraw(enrolment=enrolment, actor=world.staff_x, reason="工作调动")
    notice = Notice.objects.filter(teacher=world.teacher_a).first()
    assert (notice.kind, notice.enrolment) == (Notice.Kind.WITHDRAWN, enrolment)
    assert "工作调动" in notice.body


def test_a_coordinator_cannot_withdraw(world, subproject):
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    with pytest.raises(PermissionDenied):
        services.enrolment_withdraw(enrolment=enrolment, actor=world.coord_a, reason="x")
