"""Programs above the county: a city's office runs its 市级 programs and allots places to its counties,
which pass them on to their schools and confirm their own teachers. County programs are unchanged."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from programs import selectors, services
from programs.models import CountyQuota, Enrolment, Program, SchoolQuota
from tests.factories import CategoryFactory, CountyFactory, SchoolFactory, TeacherFactory


@pytest.fixture
def city_program(world):
    program = services.program_create(
        region=world.city_x, year=2026, level="municipal", category=CategoryFactory(), name="市级骨干教师培训"
    )
    sub = services.subproject_create(program=program, name="初中数学骨干", quota=10)
    services.county_quota_set(subproject=sub, county=world.county_x, quota=3)
    return sub


def test_an_office_runs_programs_at_its_own_level_only(world):
    category = CategoryFactory()
    with pytest.raises(ValidationError) as exc:
        services.program_create(region=world.city_x, year=2026, level="county", category=category, name="甲")
    assert services.ERR_REGION_LEVEL in exc.value.messages
    with pytest.raises(ValidationError):
        services.program_create(region=world.province, year=2026, level="municipal", category=category, name="乙")
    with pytest.raises(ValidationError):  # a county and a city at once
        services.program_create(
            county=world.county_x, region=world.city_x, year=2026, level="municipal", category=category, name="丙"
        )
    province = services.program_create(
        region=world.province, year=2026, level="provincial", category=category, name="丁"
    )
    assert province.owner == world.province and province.county is None


def test_the_city_creates_its_program_through_the_page_with_its_level_fixed(world, client_for):
    category = CategoryFactory()
    client = client_for(world.city_staff)
    page = client.get(reverse("program_create")).content.decode()
    assert 'name="county"' not in page and "市级" in page and "县级" not in page
    response = client.post(
        reverse("program_create"),
        {"year": 2026, "level": "municipal", "category": category.pk, "name": "市培", "status": "planning"},
    )
    program = Program.objects.get(name="市培")
    assert response.status_code == 302 and program.region == world.city_x and program.county is None


def test_county_quotas_stay_within_the_sub_project_and_below_the_region(world, city_program):
    other = CountyFactory(name="丙县", city=world.city_x.name, province=world.province.name)
    services.county_quota_set(subproject=city_program, county=other, quota=7)
    with pytest.raises(ValidationError) as exc:
        services.county_quota_set(subproject=city_program, county=other, quota=8)
    assert exc.value.message_dict["quota"] == [services.ERR_COUNTY_QUOTA_SUM.format(total=11, quota=10)]
    with pytest.raises(ValidationError) as exc:
        services.county_quota_set(subproject=city_program, county=world.county_y, quota=1)  # another city's
    assert "county" in exc.value.message_dict


def test_a_county_passes_its_places_on_to_schools_within_them(world, city_program):
    services.quota_set(subproject=city_program, school=world.school_a, quota=2)
    with pytest.raises(ValidationError) as exc:
        services.quota_set(subproject=city_program, school=world.school_b, quota=2)
    assert exc.value.message_dict["quota"] == [services.ERR_SCHOOL_QUOTAS_OVER_COUNTY.format(total=4, quota=3)]
    with pytest.raises(ValidationError):  # county Y was allotted nothing
        services.quota_set(subproject=city_program, school=world.school_c, quota=1)
    assert SchoolQuota.objects.filter(subproject=city_program).count() == 1


def test_schools_nominate_and_the_county_confirms_its_own_teachers(world, city_program):
    services.quota_set(subproject=city_program, school=world.school_a, quota=1)
    enrolment = services.enrolment_nominate(subproject=city_program, teacher=world.teacher_a, actor=world.coord_a)
    with pytest.raises(ValidationError):  # school A's one place is taken
        services.enrolment_nominate(
            subproject=city_program, teacher=TeacherFactory(school=world.school_a), actor=world.coord_a
        )
    with pytest.raises(PermissionDenied):  # offices above the county decide on no place
        services.enrolment_confirm(enrolment=enrolment, actor=world.city_admin)
    with pytest.raises(PermissionDenied):
        services.enrolment_confirm(enrolment=enrolment, actor=world.staff_y)
    assert services.enrolment_confirm(enrolment=enrolment, actor=world.staff_x).status == Enrolment.Status.CONFIRMED


def test_the_county_quota_binds_county_staff_too(world, city_program):
    for _ in range(3):
        services.enrolment_nominate(
            subproject=city_program, teacher=TeacherFactory(school=world.school_b), actor=world.staff_x
        )
    with pytest.raises(ValidationError) as exc:
        services.enrolment_nominate(subproject=city_program, teacher=world.teacher_a, actor=world.staff_x)
    assert exc.value.messages == [services.ERR_COUNTY_QUOTA_FULL.format(quota=3)]


def test_who_sees_the_city_program(world, city_program, client_for):
    url = reverse("subproject_detail", args=[city_program.pk])
    for user in (world.city_admin, world.province_staff, world.staff_x, world.coord_b):
        assert client_for(user).get(url).status_code == 200, user
    for user in (world.staff_y, world.city_other, world.teacher_user_a):
        assert client_for(user).get(url).status_code in (403, 404), user
    assert client_for(world.staff_y).get(url).status_code == 404  # county Y was allotted no places
    assert list(selectors.program_queryset(user=world.staff_y)) == []


def test_only_the_owning_office_changes_the_program(world, city_program, client_for):
    program = city_program.program
    edit = reverse("program_edit", args=[program.pk])
    assert client_for(world.city_staff).get(edit).status_code == 200
    for user, status in ((world.province_admin, 403), (world.staff_x, 403), (world.city_other, 404)):
        assert client_for(user).get(edit).status_code == status, user
        response = client_for(user).post(edit, {"year": 2026, "level": "municipal", "name": "改名"})
        assert response.status_code == status, user
    program.refresh_from_db()
    assert program.name == "市级骨干教师培训"


def test_the_allotment_page_saves_every_county_or_none(world, city_program, client_for):
    other = CountyFactory(name="丙县", city=world.city_x.name, province=world.province.name)
    url = reverse("county_quota_edit", args=[city_program.pk])
    client = client_for(world.city_admin)
    response = client.post(url, {f"county_{world.county_x.pk}": 5, f"county_{other.pk}": 6})
    assert response.status_code == 200 and "超过子项目名额" in response.content.decode()
    assert CountyQuota.objects.get(subproject=city_program, county=world.county_x).quota == 3  # unchanged
    assert client.post(url, {f"county_{world.county_x.pk}": 4, f"county_{other.pk}": 6}).status_code == 302
    assert dict(CountyQuota.objects.values_list("county__name", "quota")) == {"甲县": 4, "丙县": 6}


def test_a_county_program_still_works_as_before(world):
    program = services.program_create(
        county=world.county_x, year=2026, level="county", category=CategoryFactory(), name="县培"
    )
    sub = services.subproject_create(program=program, name="班主任", quota=2)
    with pytest.raises(ValidationError):
        services.county_quota_set(subproject=sub, county=world.county_x, quota=1)
    services.quota_set(subproject=sub, school=world.school_a, quota=2)
    with pytest.raises(ValidationError):
        services.quota_set(subproject=sub, school=SchoolFactory(county=world.county_y), quota=1)
    assert services.enrolment_nominate(subproject=sub, teacher=world.teacher_a, actor=world.coord_a)
