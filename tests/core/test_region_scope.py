"""Offices above the county (市级, 省级): they read the records of every county below them, change none,
and an office of another city finds nothing of those counties (404 everywhere)."""

import pytest
from django.urls import reverse

from core.scoping import REGION, scope_of, visible
from programs import services as programs
from programs.models import Enrolment
from tests.factories import CategoryFactory
from tests.permission_matrix.spec import REGION_ROLES
from tests.test_permission_matrix import ENTRIES
from trainees.models import School, Teacher

OVER_X = ("city_admin", "city_staff", "province_admin", "province_staff")
# Records only some of the county's own people see: nobody above the county either.
NOT_YET_PUBLIC = {
    "outreach_resource_review",  # a resource waiting for review: its reviewers only
    # A 学分申报 and its evidence: the teacher, their school's coordinator and their county's staff only
    # (offices above read the credits it earned in the ledger's figures, not the claim).
    "claim_detail",
    "claim_evidence",
}


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_every_matrix_entry_treats_the_other_city_as_an_outsider(name):
    """Where county Y's staff find nothing of county X (404), Y's city office finds nothing either;
    where X's own administrator may look, the offices over X may look too or are refused (never 404)."""
    expect = ENTRIES[name].expect
    assert set(REGION_ROLES) <= set(expect)
    if expect["admin_x"] == 200 and expect["staff_y"] == 404:
        assert expect["city_other"] == 404, name
        if name not in NOT_YET_PUBLIC:
            assert all(expect[role] in (200, 403) for role in OVER_X), name


def test_a_region_scope_covers_the_counties_below_it(world):
    assert scope_of(world.city_admin) == scope_of(world.city_admin)  # computed once, kept on the user
    city, province, other = (scope_of(u) for u in (world.city_admin, world.province_staff, world.city_other))
    assert city.kind == REGION and city.county_ids == (world.county_x.pk,)
    assert set(province.county_ids) == {world.county_x.pk, world.county_y.pk}
    assert set(province.region_ids) == {world.province.pk, world.city_x.pk, world.city_y.pk}
    assert other.county_ids == (world.county_y.pk,)
    schools = School.objects.all()
    assert set(visible(schools, world.city_staff, county="county")) == {world.school_a, world.school_b}
    assert set(visible(Teacher.objects.all(), world.city_other, county="school__county")) == {world.teacher_c}


@pytest.fixture
def enrolment(world):
    program = programs.program_create(
        county=world.county_x, year=2026, level="county", category=CategoryFactory(), name="县培"
    )
    sub = programs.subproject_create(program=program, name="班主任", quota=5)
    return programs.enrolment_nominate(subproject=sub, teacher=world.teacher_a, actor=world.staff_x)


def test_offices_above_change_no_county_record_by_post(world, enrolment, client_for):
    posts = [
        (reverse("enrolment_confirm", args=[enrolment.pk]), {}),
        (reverse("enrolment_withdraw", args=[enrolment.pk]), {"reason": "x"}),
        (reverse("program_edit", args=[enrolment.subproject.program_id]), {"name": "改名", "year": 2026}),
        (reverse("subproject_edit", args=[enrolment.subproject_id]), {"name": "改名"}),
        (reverse("quota_edit", args=[enrolment.subproject_id]), {f"school_{world.school_a.pk}": 3}),
        (reverse("school_edit", args=[world.school_a.pk]), {"name": "改名"}),
        (reverse("teacher_edit", args=[world.teacher_a.pk]), {"name": "改名"}),
        (reverse("teacher_transfer", args=[world.teacher_a.pk]), {"to_school": world.school_b.pk}),
        (reverse("region_list"), {"name": "新镇", "parent": world.county_x.pk}),
        (reverse("school_create"), {"name": "新校"}),
    ]
    for user, status in ((world.city_admin, 403), (world.province_staff, 403)):
        for url, data in posts:
            assert client_for(user).post(url, data).status_code == status, (user, url)
    for url, data in posts[:8]:
        assert client_for(world.city_other).post(url, data).status_code == 404, url
    enrolment.refresh_from_db()
    world.teacher_a.refresh_from_db()
    assert enrolment.status == Enrolment.Status.NOMINATED and world.teacher_a.name == "张三"


def test_a_city_office_reads_county_lists_details_and_exports(world, enrolment, client_for):
    client = client_for(world.city_staff)
    for name, args in (
        ("teacher_list", []),
        ("school_list", []),
        ("program_list", []),
        ("attendance_sessions", []),
        ("program_detail", [enrolment.subproject.program_id]),
        ("subproject_detail", [enrolment.subproject_id]),
        ("teacher_detail", [world.teacher_a.pk]),
    ):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
    listing = client.get(reverse("teacher_list")).content.decode()
    assert "张三" in listing and "王五" not in listing  # county Y belongs to another city
    assert client.get(reverse("teacher_list"), {"format": "xlsx"}).status_code == 200
    other = client_for(world.city_other).get(reverse("teacher_list")).content.decode()
    assert "张三" not in other and "王五" in other


def test_only_administrators_above_request_the_annual_summary(world, client_for):
    post = {"year_from": 2024, "year_to": 2026, "not_trained_years": 3, "many_times": 3}
    assert client_for(world.city_staff).post(reverse("reports:export_list"), post).status_code == 403
    response = client_for(world.city_admin).post(reverse("reports:export_list"), {**post, "county": world.county_y.pk})
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()  # not below the city
