"""The grid page and its save run a fixed number of queries, for 10 trainees as for 300."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.models import AttendanceChange, AttendanceRecord
from tests.factories.attendance import bulk_trainees, session_for


def _measure(client, world, n):
    session = session_for(world.county_x)
    enrolments = bulk_trainees(session, world.school_a, n)
    url = reverse("attendance_grid", args=[session.pk])
    counts = {}
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    counts["render"] = len(ctx.captured_queries)
    for step, status in (("create", "present"), ("update", "absent")):
        version = 0 if step == "create" else 1
        data = {"version": str(version)}
        for e in enrolments:
            data[f"status-{e.pk}"] = status
            data[f"note-{e.pk}"] = ""
        with CaptureQueriesContext(connection) as ctx:
            assert client.post(url, data).status_code == 302
        counts[step] = len(ctx.captured_queries)
        assert AttendanceRecord.objects.filter(session=session, status=status).count() == n
    assert AttendanceChange.objects.filter(session=session).count() == 2 * n
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    counts["render_filled"] = len(ctx.captured_queries)
    return counts


# On PostgreSQL a bulk insert or update is one statement whatever the row count; SQLite's bound-
# parameter limit makes Django split them, so the constant only holds on the suite's database.
@pytest.mark.postgresql
@pytest.mark.parametrize("user", ["coord_a", "staff_x"])
def test_grid_render_and_save_queries_are_the_same_for_10_and_300_trainees(client_for, world, user):
    client = client_for(getattr(world, user))
    small = _measure(client, world, 10)
    large = _measure(client, world, 300)
    assert small == large, (small, large)
    # render: session, user, session lookup (sheet version joined), trainees with their records,
    # (school filter for county staff).
    assert small["render"] <= 5
    # save: session, user, session lookup, transaction (savepoint), revision claim, grid records,
    # insert or update of the records, insert of the changes, release.
    assert small["create"] <= 9
    assert small["update"] <= 9
