import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from programs import services
from programs.services import (
    ERR_HOST_SCHOOL_NOT_IN_COUNTY,
    ERR_QUOTA_BELOW_USED,
    ERR_QUOTA_SUM,
    ERR_SCHOOL_NOT_IN_COUNTY,
)

from .conftest import make_subproject


def test_school_quotas_may_not_exceed_the_sub_project_quota(world, subproject):
    services.quota_set(subproject=subproject, school=world.school_b, quota=8)
    with pytest.raises(ValidationError) as exc:
        services.quota_set(subproject=subproject, school=world.school_b, quota=9)
    assert exc.value.message_dict["quota"] == [ERR_QUOTA_SUM.format(total=11, quota=10)]


def test_a_quota_cannot_drop_below_the_places_taken(world, subproject):
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    with pytest.raises(ValidationError) as exc:
        services.quota_set(subproject=subproject, school=world.school_a, quota=0)
    assert exc.value.message_dict["quota"] == [ERR_QUOTA_BELOW_USED.format(used=1)]


def test_a_quota_is_for_a_school_of_the_programs_county(world, subproject):
    with pytest.raises(ValidationError) as exc:
        services.quota_set(subproject=subproject, school=world.school_c, quota=1)
    assert exc.value.message_dict["school"] == [ERR_SCHOOL_NOT_IN_COUNTY]


def test_a_session_host_school_belongs_to_the_county(world, subproject):
    with pytest.raises(ValidationError) as exc:
        services.session_create(
            subproject=subproject,
            date=dt.date(2026, 9, 1),
            start_time=dt.time(9),
            end_time=dt.time(12),
            host_school=world.school_c,
        )
    assert exc.value.message_dict["host_school"] == [ERR_HOST_SCHOOL_NOT_IN_COUNTY]


def test_a_session_ends_after_it_starts(world, subproject):
    with pytest.raises(ValidationError):
        services.session_create(
            subproject=subproject, date=dt.date(2026, 9, 1), start_time=dt.time(12), end_time=dt.time(9)
        )


def test_sub_project_dates_are_ordered(world, program):
    with pytest.raises(ValidationError):
        make_subproject(program, "倒序", start=dt.date(2026, 9, 3), end=dt.date(2026, 9, 1))


def test_a_program_name_is_unique_per_year_and_county(world, program):
    with pytest.raises(ValidationError):
        services.program_create(
            county=world.county_x, year=2026, level="county", category=program.category, name=program.name
        )
    assert services.program_create(
        county=world.county_y, year=2026, level="county", category=program.category, name=program.name
    )


def test_program_update_changes_only_the_given_fields(world, program):
    services.program_update(program=program, status="enrolling", issuer="县教育局")
    program.refresh_from_db()
    assert (program.status, program.issuer, program.name) == ("enrolling", "县教育局", "2026年县级骨干教师培训")
