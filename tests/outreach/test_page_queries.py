"""The cycle page and the resource list run a fixed number of queries however many rows they show."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outreach import services
from tests.factories.outreach import enrol, make_cycle, make_task, make_team_member, make_visit, upload


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def _grow(world, cycle, n):
    for i in range(n):
        member = make_team_member(cycle, name=f"成员{i}{cycle.pk}")
        visit = make_visit(cycle, date=dt.date(2026, 9, 1 + i), host_school=world.school_a)
        services.activity_add(visit=visit, kind="lecture", title="讲座", presenter=member)
        make_task(cycle, due_date=dt.date(2026, 9, 1 + i), title=f"任务{i}")
        enrol(cycle)
        services.resource_upload(cycle=cycle, kind="slides", title=f"课件{i}", upload=upload(), actor=world.staff_x)


def test_cycle_page_queries_do_not_grow_with_rows(world, client_for):
    cycle = make_cycle(county=world.county_x)
    client = client_for(world.staff_x)
    url = reverse("outreach_cycle_detail", args=[cycle.pk])
    _grow(world, cycle, 1)
    baseline = _count(client, url)
    _grow(world, cycle, 6)
    # session, user, cycle, phases with dates, roster count, visits with counts, team, tasks,
    # double bookings, packs, then the idle-expiry session renewal (savepoint, update, release)
    assert _count(client, url) == baseline
    assert baseline <= 14


def test_resource_list_queries_do_not_grow_with_rows(world, client_for):
    cycle = make_cycle(county=world.county_x)
    client = client_for(world.staff_x)
    url = reverse("outreach_resource_list")
    _grow(world, cycle, 1)
    baseline = _count(client, url)
    _grow(world, cycle, 6)
    # session, user, cycle choices, count, page of resources (cycle, phase, visit joined), session renewal
    assert _count(client, url) == baseline
    assert baseline <= 9
