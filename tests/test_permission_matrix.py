"""Walk every named URL of the project with every role and check the status each gets."""

import importlib
import pkgutil

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import permission_matrix
from tests.permission_matrix.spec import ROLES, Case

SKIPPED_NAMESPACES = {"admin"}
SKIPPED_NAMES = {"set_language"}  # Django's own view, POST-only and open to all


def _named_patterns(resolver=None, namespace=None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in SKIPPED_NAMESPACES:
                continue
            yield from _named_patterns(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name


def _entries() -> dict[str, Case]:
    entries: dict[str, Case] = {}
    for module in pkgutil.iter_modules(permission_matrix.__path__):
        if module.name == "spec":
            continue
        found = importlib.import_module(f"tests.permission_matrix.{module.name}").ENTRIES
        clash = set(found) & set(entries)
        assert not clash, f"URL names listed twice: {clash}"
        entries.update(found)
    return entries


ENTRIES = _entries()


def test_every_url_has_an_entry_in_the_matrix():
    names = set(_named_patterns()) - SKIPPED_NAMES
    missing = sorted(names - set(ENTRIES))
    assert not missing, f"URLs without a permission-matrix entry: {missing}"
    stale = sorted(set(ENTRIES) - names)
    assert not stale, f"matrix entries for URLs that no longer exist: {stale}"


def _user_for(world, role):
    return {
        "teacher": world.teacher_user_a,
        "coord_a": world.coord_a,
        "coord_b": world.coord_b,
        "staff_x": world.staff_x,
        "staff_y": world.staff_y,
        "admin_x": world.admin_x,
        "city_admin": world.city_admin,
        "city_staff": world.city_staff,
        "province_admin": world.province_admin,
        "province_staff": world.province_staff,
        "city_other": world.city_other,
    }.get(role)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_each_role_gets_the_expected_status(world, name):
    case = ENTRIES[name]
    url = reverse(name, args=case.setup(world)) + (f"?{case.query}" if case.query else "")
    seen = {}
    for role in ROLES:
        client = Client()
        user = _user_for(world, role)
        if user is not None:
            client.force_login(user)
        seen[role] = client.get(url).status_code
    assert seen == case.expect
