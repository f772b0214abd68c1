"""Who may rename or switch off a category: shared ones only above the counties, a county its own."""

import pytest
from django.urls import reverse

from programs.models import Category
from programs.services import category_create
from tests.factories import CategoryFactory, ProgramFactory


def _edit(client, category, name, is_active=True):
    data = {"name": name, "sort_order": 10, **({"is_active": "on"} if is_active else {})}
    return client.post(reverse("category_edit", args=[category.pk]), data)


@pytest.fixture
def shared(world):
    category = CategoryFactory(name="示范性项目")
    ProgramFactory(county=world.county_x, category=category)
    ProgramFactory(county=world.county_y, category=category)
    return category


def test_a_county_administrator_cannot_rename_or_deactivate_a_shared_category(client_for, world, shared):
    client = client_for(world.admin_x)
    assert _edit(client, shared, "改名").status_code == 403
    assert _edit(client, shared, shared.name, is_active=False).status_code == 403
    shared.refresh_from_db()
    assert (shared.name, shared.is_active) == ("示范性项目", True)


def test_a_city_administrator_renames_a_shared_category(client_for, world, shared):
    assert _edit(client_for(world.city_admin), shared, "示范项目").status_code == 302
    shared.refresh_from_db()
    assert shared.name == "示范项目"


def test_city_staff_may_not_change_categories(client_for, world, shared):
    assert _edit(client_for(world.city_staff), shared, "改名").status_code == 403


def test_a_county_keeps_and_changes_its_own_categories(client_for, world):
    client = client_for(world.admin_x)
    assert client.post(reverse("category_list"), {"name": "本县骨干研修", "sort_order": 5, "is_active": "on"}).status_code == 302
    own = Category.objects.get(name="本县骨干研修")
    assert own.county == world.county_x
    assert _edit(client, own, "本县骨干教师研修").status_code == 302
    own.refresh_from_db()
    assert own.name == "本县骨干教师研修"


def test_another_countys_own_category_is_404_and_not_offered(client_for, world):
    own = category_create(name="乙县自办", county=world.county_y)
    client = client_for(world.admin_x)
    assert _edit(client, own, "改名").status_code == 404
    page = client.get(reverse("category_list")).content.decode()
    assert "乙县自办" not in page


def test_a_county_category_used_by_another_countys_program_is_no_longer_the_countys_alone(client_for, world):
    own = category_create(name="本县项目", county=world.county_x)
    ProgramFactory(county=world.county_y, category=own)
    assert _edit(client_for(world.admin_x), own, "改名").status_code == 403
    assert _edit(client_for(world.province_admin), own, "改名").status_code == 302
