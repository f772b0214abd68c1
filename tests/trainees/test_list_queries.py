"""List views run a fixed number of queries however many rows they show."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import SchoolFactory, TeacherFactory


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_teacher_list_queries_do_not_grow_with_rows(client_for, world):
    client = client_for(world.staff_x)
    url = reverse("teacher_list")
    baseline = _count(client, url)
    for _ in range(15):
        TeacherFactory(school=SchoolFactory(county=world.county_x))
    # session, user, count, school choices, township choices, page of teachers (school and
    # township joined)
    assert _count(client, url) == baseline
    assert baseline <= 6


def test_school_list_queries_do_not_grow_with_rows(client_for, world):
    client = client_for(world.staff_x)
    url = reverse("school_list")
    baseline = _count(client, url)
    for _ in range(15):
        TeacherFactory(school=SchoolFactory(county=world.county_x))
    # session, user, count, township choices, page of schools with teacher counts
    assert _count(client, url) == baseline
    assert baseline <= 5


def test_teacher_export_queries_do_not_grow_with_rows(client_for, world):
    client = client_for(world.staff_x)
    url = reverse("teacher_list")
    baseline = _count(client, url, {"format": "xlsx"})
    for _ in range(15):
        TeacherFactory(school=world.school_b)
    assert _count(client, url, {"format": "xlsx"}) == baseline
