"""One quota rule for every nomination: one teacher (enrolment_nominate) or a batch (enrolments_nominate)
meet the same refusal, with the same message, at each level a quota binds (school, county, sub-project)."""

import pytest
from django.core.exceptions import ValidationError

from programs import services
from programs.models import Enrolment
from tests.factories import CategoryFactory, TeacherFactory

from .conftest import make_subproject


def _refusal(call) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.messages


def _both_paths_refuse(subproject, teacher, actor) -> tuple[list[str], list[str]]:
    """The message of each path for the same teacher, and that neither wrote anything."""
    before = Enrolment.objects.count()
    single = _refusal(lambda: services.enrolment_nominate(subproject=subproject, teacher=teacher, actor=actor))
    batch = _refusal(lambda: services.enrolments_nominate(subproject=subproject, teachers=[teacher], actor=actor))
    assert Enrolment.objects.count() == before
    return single, batch


def test_a_full_school_quota_refuses_one_teacher_alike_on_both_paths(world, subproject):
    services.enrolments_nominate(
        subproject=subproject, teachers=TeacherFactory.create_batch(2, school=world.school_a), actor=world.coord_a
    )
    single, batch = _both_paths_refuse(subproject, world.teacher_a, world.coord_a)
    assert single == batch == [services.ERR_SCHOOL_QUOTA_FULL.format(quota=2)]


def test_no_school_quota_refuses_alike_on_both_paths(world, subproject):
    single, batch = _both_paths_refuse(subproject, world.teacher_b, world.coord_b)
    assert single == batch == [services.ERR_NO_SCHOOL_QUOTA]


def test_a_full_sub_project_refuses_county_staff_alike_on_both_paths(world, program):
    sub = make_subproject(program, "小班", quota=1)
    services.enrolment_nominate(subproject=sub, teacher=world.teacher_b, actor=world.staff_x)
    single, batch = _both_paths_refuse(sub, world.teacher_a, world.staff_x)
    assert single == batch == [services.ERR_SUBPROJECT_FULL.format(quota=1)]


def test_a_full_county_quota_of_a_citys_sub_project_refuses_alike_on_both_paths(world):
    program = services.program_create(
        region=world.city_x, year=2026, level="municipal", category=CategoryFactory(), name="市级骨干教师培训"
    )
    sub = services.subproject_create(program=program, name="初中数学骨干", quota=10)
    services.county_quota_set(subproject=sub, county=world.county_x, quota=1)
    services.enrolment_nominate(subproject=sub, teacher=world.teacher_b, actor=world.staff_x)
    single, batch = _both_paths_refuse(sub, world.teacher_a, world.staff_x)
    assert single == batch == [services.ERR_COUNTY_QUOTA_FULL.format(quota=1)]


def test_a_batch_larger_than_the_places_left_says_how_many_are_left(world, subproject):
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    teachers = TeacherFactory.create_batch(2, school=world.school_a)
    message = _refusal(
        lambda: services.enrolments_nominate(subproject=subproject, teachers=teachers, actor=world.coord_a)
    )
    assert message == [services.ERR_SCHOOL_PLACES_LEFT.format(left=1, chosen=2)]
    # The one place left is still there for either path.
    services.enrolment_nominate(subproject=subproject, teacher=teachers[0], actor=world.coord_a)
    assert Enrolment.objects.filter(subproject=subproject).count() == 2


def test_county_staff_may_place_teachers_beyond_the_school_quota_on_both_paths(world, subproject):
    extra = TeacherFactory.create_batch(2, school=world.school_a)
    services.enrolments_nominate(subproject=subproject, teachers=extra, actor=world.coord_a)
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.staff_x)
    services.enrolments_nominate(
        subproject=subproject, teachers=[TeacherFactory(school=world.school_a)], actor=world.staff_x
    )
    assert Enrolment.objects.filter(subproject=subproject, school=world.school_a).count() == 4
