"""Shared fixtures: a small world with two counties, so every view can be tried by an insider,
an insider who may only look, and an outsider (healthchecks' alice, bob and charlie)."""

import os
from dataclasses import dataclass

import pytest
from django.conf import settings

from accounts.models import Role, User
from trainees.models import Region, School, Teacher

from .factories import CountyFactory, SchoolFactory, TeacherFactory, TownshipFactory, UserFactory


def pytest_configure(config):
    # CI must exercise the real services; a silent SQLite fallback would hide that.
    if os.environ.get("PEIXUN_REQUIRE_SERVICES") == "1" and not settings.USING_POSTGRES:
        raise pytest.UsageError("PEIXUN_REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL")
    # Deliberately slow password hashing only slows the suite; what is tested is the login flow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class World:
    county_x: Region
    county_y: Region
    township_x: Region
    school_a: School  # county X
    school_b: School  # county X
    school_c: School  # county Y
    teacher_a: Teacher
    teacher_b: Teacher
    teacher_c: Teacher
    admin_x: User
    staff_x: User
    staff_y: User
    coord_a: User
    coord_b: User
    teacher_user_a: User


@pytest.fixture
def world(db) -> World:
    county_x = CountyFactory(name="甲县")
    county_y = CountyFactory(name="乙县")
    township_x = TownshipFactory(name="甲镇", parent=county_x)
    school_a = SchoolFactory(name="甲县一小", county=county_x, township=township_x)
    school_b = SchoolFactory(name="甲县二小", county=county_x, township=township_x)
    school_c = SchoolFactory(name="乙县一小", county=county_y)
    teacher_a = TeacherFactory(name="张三", school=school_a)
    teacher_b = TeacherFactory(name="李四", school=school_b)
    teacher_c = TeacherFactory(name="王五", school=school_c)
    return World(
        county_x=county_x,
        county_y=county_y,
        township_x=township_x,
        school_a=school_a,
        school_b=school_b,
        school_c=school_c,
        teacher_a=teacher_a,
        teacher_b=teacher_b,
        teacher_c=teacher_c,
        admin_x=UserFactory(username="admin_x", role=Role.ADMIN, county=county_x),
        staff_x=UserFactory(username="staff_x", role=Role.COUNTY_STAFF, county=county_x),
        staff_y=UserFactory(username="staff_y", role=Role.COUNTY_STAFF, county=county_y),
        coord_a=UserFactory(username="coord_a", role=Role.COORDINATOR, school=school_a),
        coord_b=UserFactory(username="coord_b", role=Role.COORDINATOR, school=school_b),
        teacher_user_a=UserFactory(username="teacher_a", role=Role.TEACHER, teacher=teacher_a),
    )


@pytest.fixture
def client_for(client):
    """Log the test client in as a user: `client_for(world.coord_a).get(...)`."""

    def login(user):
        client.force_login(user)
        return client

    return login
