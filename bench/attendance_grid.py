"""Benchmark: the attendance grid of a 300-trainee session on PostgreSQL.

Prints the median time to render the grid page and to save it (every row changed, so 300 updates
and 300 audit rows per save), next to the median of one plain SELECT of the same rows in the same
run. Runs in a scratch database of its own, made and dropped through `bench/_scratch.py` (only the
server part of DATABASE_URL is used).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/attendance_grid.py
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import migrate, scratch_database, setup_django  # noqa: E402

TARGET_RENDER_MS = 150
TARGET_SAVE_MS = 300
TARGET_RATIO = 10

# The same rows the grid shows: the school's confirmed trainees, their names and IDs, and this
# session's record for each, if any.
PLAIN_SELECT = """
SELECT e.id, t.name, t.id_number, s.name, r.status, r.note, r.updated_at
FROM programs_enrolment e
JOIN trainees_teacher t ON t.id = e.teacher_id
JOIN trainees_school s ON s.id = e.school_id
LEFT JOIN attendance_attendancerecord r ON r.enrolment_id = e.id AND r.session_id = %s
WHERE e.subproject_id = %s AND e.status IN ('confirmed', 'completed') AND e.school_id = %s
ORDER BY s.code, t.name, e.id
"""


PLAIN_UPDATE = """
UPDATE attendance_attendancerecord SET note = note
WHERE session_id = %s AND enrolment_id = ANY(%s)
"""


def _medians_ms(fns: dict, runs: int) -> dict[str, float]:
    """Run the measured steps in turn, `runs` rounds, so a busy machine slows them alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in times.items()} | {
        f"{name}_min": min(values) for name, values in times.items()
    }


def seed(trainees: int):
    from accounts.models import Role
    from tests.factories.attendance import bulk_trainees, session_for
    from tests.factories.registry import CountyFactory, SchoolFactory, UserFactory

    county = CountyFactory(name="基准县")
    school = SchoolFactory(name="基准学校", county=county)
    session = session_for(county)
    enrolments = bulk_trainees(session, school, trainees)
    coordinator = UserFactory(username="bench_coord", role=Role.COORDINATOR, school=school)
    return session, school, enrolments, coordinator


def run(trainees: int, runs: int) -> bool:
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse

    session, school, enrolments, coordinator = seed(trainees)
    client = Client()
    client.force_login(coordinator)
    url = reverse("attendance_grid", args=[session.pk])

    def render():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    state = {"version": 0, "turn": 0}
    # The two grids the saves alternate between, encoded before timing starts: building the body
    # is the browser's work, not the server's. Sent urlencoded, as the browser sends the form (the
    # test client's default is multipart).
    bodies = [
        urlencode([(f"{field}-{e.pk}", value) for e in enrolments for field, value in (("status", s), ("note", ""))])
        for s in ("present", "absent")
    ]

    def save():
        body = f"version={state['version']}&{bodies[state['turn'] % 2]}"
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 302, response.status_code
        state["version"] += 1
        state["turn"] += 1

    def plain():
        with connection.cursor() as cursor:
            cursor.execute(PLAIN_SELECT, [session.pk, session.subproject_id, school.pk])
            rows = cursor.fetchall()
        assert len(rows) == trainees

    def plain_write():
        # Context only: the least any save must do, one UPDATE of the same rows, committed.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(PLAIN_UPDATE, [session.pk, [e.pk for e in enrolments]])

    for fn in (render, save, plain, plain_write):  # warm up connections, templates and caches
        fn()
    # Give the planner real row counts, as autovacuum does in production. Analyzed before the first
    # save, the attendance tables looked empty and every foreign-key check of the audit rows
    # scanned the whole records table.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # After the warm-up save every row has a record, so the page renders a filled grid.
    medians = _medians_ms({"plain": plain, "render": render, "save": save, "plain_write": plain_write}, runs)
    plain_ms = medians["plain"]

    ok = True
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"attendance grid, {trainees} trainees, {runs} runs each, PostgreSQL {connection.pg_version}, load {load}")
    print(f"  plain SELECT of the same rows: {plain_ms:8.2f} ms  (fastest run {medians['plain_min']:.2f} ms)")
    print(f"  (context) plain UPDATE of the same rows, committed: {medians['plain_write']:8.2f} ms")
    for label, key, target in (("render grid page", "render", TARGET_RENDER_MS), ("save grid", "save", TARGET_SAVE_MS)):
        value = medians[key]
        ratio = value / plain_ms if plain_ms else float("inf")
        passed = value < target and ratio <= TARGET_RATIO
        ok &= passed
        print(
            f"  {label:<28}: {value:8.2f} ms  ({ratio:5.1f}x plain; target < {target} ms and <= {TARGET_RATIO}x)"
            f"  {'OK' if passed else 'MISSED'}  (fastest run {medians[key + '_min']:.2f} ms)"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=300)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with scratch_database("attendance_grid") as url:
        # The development secret and hosts; the runs themselves have DEBUG off (no query log).
        setup_django(url, debug=True)
        from django.conf import settings
        from django.test.utils import setup_test_environment

        migrate()
        setup_test_environment(debug=False)  # measured as production runs: no query log, no template debug
        settings.DEBUG = False
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        ok = run(args.trainees, args.runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
