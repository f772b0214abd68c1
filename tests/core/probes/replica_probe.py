"""Run in a child process by tests/core/test_replica.py against a private primary and its streaming replica.

DATABASE_URL and DATABASE_REPLICA_URL name the two; the database is made on the primary here and reaches
the replica by streaming. Prints one JSON line of what it saw."""

import json
import os
import sys
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))


def _lsn_caught_up(primary: str, replica: str) -> None:
    with psycopg2.connect(primary) as p, p.cursor() as cur:
        cur.execute("SELECT pg_current_wal_lsn()")
        target = cur.fetchone()[0]
    for _ in range(200):
        with psycopg2.connect(replica) as r, r.cursor() as cur:
            cur.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cur.fetchone()[0]:
                return
        time.sleep(0.05)
    raise SystemExit("the replica did not catch up")


def _replay(replica: str, *, paused: bool) -> None:
    conn = psycopg2.connect(replica)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")
    conn.close()


def main() -> None:
    primary, replica = os.environ["DATABASE_URL"], os.environ["DATABASE_REPLICA_URL"]
    server = primary.rsplit("/", 1)[0] + "/postgres"
    conn = psycopg2.connect(server)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE DATABASE " + primary.rsplit("/", 1)[1])
    conn.close()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from core.replica import reading_from_replica
    from tests.factories.registry import SchoolFactory, TeacherFactory
    from trainees.models import Teacher

    call_command("migrate", verbosity=0, interactive=False)
    school = SchoolFactory()
    TeacherFactory(school=school)
    _lsn_caught_up(primary, replica)

    _replay(replica, paused=True)  # the replica now lags: what it serves is visibly not the primary
    TeacherFactory(school=school)
    with reading_from_replica():
        on_replica = Teacher.objects.count()
        replica_in_recovery = _in_recovery(connections["replica"])
        # A write inside the block still goes to the primary.
        TeacherFactory(school=school)
    on_primary = Teacher.objects.count()
    seen_by_reports = _reports_while_lagging()
    _replay(replica, paused=False)
    _lsn_caught_up(primary, replica)
    with reading_from_replica():
        caught_up = Teacher.objects.count()
    print(
        json.dumps(
            {
                "on_replica_while_paused": on_replica,
                "on_primary": on_primary,
                "on_replica_after_replay": caught_up,
                "replica_in_recovery": replica_in_recovery,
                "default_in_recovery": _in_recovery(connections["default"]),
                **seen_by_reports,
            }
        )
    )


def _reports_while_lagging() -> dict:
    """An annual-summary export and the dashboard, run while the replica lags: count the queries each
    sends to either database, and read the teacher count the export's workbook was built from."""
    from contextlib import ExitStack

    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Role
    from reports import services
    from trainees.models import Region

    county = Region.objects.filter(level=Region.Level.COUNTY).first()
    year = timezone.localdate().year
    job = services.export_request_for_command(county=county, year_from=year, year_to=year)
    admin = get_user_model().objects.create_user(username="replica-admin", password="x", role=Role.ADMIN, county=county)
    counts = {"default": 0, "replica": 0}

    def counter(alias):
        def wrapper(execute, sql, params, many, context):
            counts[alias] += 1
            return execute(sql, params, many, context)

        return wrapper

    with ExitStack() as stack:
        for alias in counts:
            stack.enter_context(connections[alias].execute_wrapper(counter(alias)))
        services.export_run(job_id=job.pk)
        export_counts = dict(counts)
        counts.update(default=0, replica=0)
        client = Client()
        client.force_login(admin)
        status = client.get("/reports/", HTTP_HOST="localhost").status_code
        dashboard_counts = dict(counts)
    job.refresh_from_db()
    return {
        "export_status": job.status,
        "export_queries": export_counts,
        "dashboard_status": status,
        "dashboard_queries": dashboard_counts,
    }


def _in_recovery(connection) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery()")
        return cur.fetchone()[0]


if __name__ == "__main__":
    main()
