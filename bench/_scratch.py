"""Scratch databases for the benchmarks: every script makes its own and drops it, through this helper.

`make bench` sets DATABASE_URL to a server (by default its `postgres` database); only the server part
of it is used. A benchmark never touches a database it did not create: the scratch database's name is
`peixun_bench_<name>_<pid>`, made at the start and dropped at the end, even when the run fails.

    with scratch_database("tally") as url:
        setup_django(url)
        ...
"""

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_SECRET_KEY = "bench-only-secret-key-not-used-for-anything-else-0123456789"


def server_url(database: str = "postgres") -> str:
    """DATABASE_URL (or the local default) pointed at `database` on the same server."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("benchmarks need DATABASE_URL to point at a PostgreSQL server")
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


def admin_sql(sql: str) -> None:
    """Run one statement outside a transaction on the server's maintenance database."""
    import psycopg2

    conn = psycopg2.connect(server_url("postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def scratch_name(name: str) -> str:
    return f"peixun_bench_{name}_{os.getpid()}"


@contextlib.contextmanager
def scratch_database(name: str, *, database: str | None = None) -> Iterator[str]:
    """Create an empty scratch database, yield its URL, drop it afterwards.

    `database` lets a child process reuse the parent's scratch database by name (it is then neither
    created nor dropped here)."""
    if database is not None:
        yield server_url(database)
        return
    db = scratch_name(name)
    admin_sql(f'DROP DATABASE IF EXISTS "{db}"')
    admin_sql(f'CREATE DATABASE "{db}"')
    try:
        yield server_url(db)
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        admin_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def setup_django(database_url: str, *, debug: bool = False) -> None:
    """Configure Django for `database_url`, as production runs (DEBUG off: no query log in memory)."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
    os.environ["DEBUG"] = "1" if debug else "0"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("HTTPS", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def maxrss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def children_maxrss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
