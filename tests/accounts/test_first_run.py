"""A fresh deployment's first accounts: Django's createsuperuser and the region administrator command."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from core.scoping import ALL, COUNTY, REGION, scope_of
from tests.xlsx import make_xlsx
from trainees.models import Region

PASSWORD = "Qingshan-first-run-2026"


@pytest.fixture
def schools_file(tmp_path):
    path = tmp_path / "schools.xlsx"
    make_xlsx(
        [
            ["省", "市", "县区", "乡镇", "学校代码", "学校名称", "类型", "城乡"],
            ["示范省", "示范市", "青山县", "城关镇", "S001", "青山县第一中学", "中学", "城区"],
        ],
        path=path,
    )
    return path


def test_createsuperuser_noinput_works_on_an_empty_database(db, monkeypatch):
    assert not User.objects.exists()
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--noinput", "--username", "root", "--email", "root@example.org")
    user = User.objects.get(username="root")
    assert user.is_superuser and user.role == Role.ADMIN and user.check_password(PASSWORD)
    assert scope_of(user).kind == ALL
    client = Client()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200


def test_the_first_county_administrator_is_created_after_the_schools_import(db, monkeypatch, schools_file):
    call_command("import_schools", str(schools_file))
    monkeypatch.setenv("PEIXUN_ADMIN_PASSWORD", PASSWORD)
    call_command("create_region_admin", "qs_admin", "--region", "青山县", "--noinput")
    user = User.objects.get(username="qs_admin")
    county = Region.objects.get(name="青山县", level="county")
    assert (user.role, user.county, user.is_superuser) == (Role.ADMIN, county, False)
    assert scope_of(user).kind == COUNTY and scope_of(user).county_id == county.pk
    client = Client()
    assert client.post(reverse("login"), {"username": "qs_admin", "password": PASSWORD}).status_code == 302
    assert client.get(reverse("user_list")).status_code == 200


def test_a_city_administrator_is_tied_to_the_city(db, monkeypatch, schools_file):
    call_command("import_schools", str(schools_file))
    monkeypatch.setenv("PEIXUN_ADMIN_PASSWORD", PASSWORD)
    call_command("create_region_admin", "city_admin", "--region", "示范市", "--noinput")
    user = User.objects.get(username="city_admin")
    assert (user.role, user.region.name, user.county) == (Role.CITY_ADMIN, "示范市", None)
    assert scope_of(user).kind == REGION


def test_an_unknown_region_or_a_missing_password_is_refused_without_an_account(db, monkeypatch, schools_file):
    call_command("import_schools", str(schools_file))
    monkeypatch.delenv("PEIXUN_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="PEIXUN_ADMIN_PASSWORD"):
        call_command("create_region_admin", "a1", "--region", "青山县", "--noinput")
    monkeypatch.setenv("PEIXUN_ADMIN_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="找不到"):
        call_command("create_region_admin", "a1", "--region", "不存在县", "--noinput")
    monkeypatch.setenv("PEIXUN_ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError):
        call_command("create_region_admin", "a1", "--region", "青山县", "--noinput")
    assert not User.objects.exists()
