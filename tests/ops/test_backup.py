"""`make backup` / `make restore`: a dump of a database with records, restored into a fresh
database, holds every record of every table.

Backups are pg_dump files, so this uses the PostgreSQL server of DATABASE_URL (or the machine's local
one) with scratch databases of its own, whatever database the rest of the suite runs on.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _server() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _admin(sql: str) -> None:
    conn = psycopg2.connect(_server() + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def _run(*cmd: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run(
        cmd, cwd=ROOT, env={**clean, "DEBUG": "1", **env}, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )


def _fingerprint(database: str) -> dict[str, tuple[int, str]]:
    """Every table of the public schema: its row count and a checksum of all its rows."""
    conn = psycopg2.connect(f"{_server()}/{database}")
    with conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [row[0] for row in cur.fetchall()]
        result = {}
        for table in tables:
            cur.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t"
            )
            result[table] = cur.fetchone()
    conn.close()
    return result


@pytest.fixture
def scratch_databases():
    suffix = uuid.uuid4().hex[:8]
    names = (f"peixun_backup_src_{suffix}", f"peixun_backup_dst_{suffix}")
    _admin(f"CREATE DATABASE {names[0]}")
    yield names
    for name in names:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.pg_server
def test_backup_then_restore_into_a_fresh_database_keeps_every_record(scratch_databases, tmp_path):
    source, target = scratch_databases
    source_url, target_url = f"{_server()}/{source}", f"{_server()}/{target}"
    for step in (["migrate", "--noinput", "-v0"], ["load_demo"]):
        done = _run(sys.executable, "manage.py", *step, DATABASE_URL=source_url)
        assert done.returncode == 0, done.stderr
    before = _fingerprint(source)
    assert before["trainees_teacher"][0] > 1000 and before["accounts_user"][0] > 0

    backup = _run("scripts/backup.sh", DATABASE_URL=source_url, BACKUP_DIR=str(tmp_path))
    assert backup.returncode == 0, backup.stderr
    dumps = list(tmp_path.glob("peixun-*.dump"))
    assert len(dumps) == 1 and not list(tmp_path.glob("*.partial"))

    refused = _run("scripts/restore.sh", str(dumps[0]), DATABASE_URL=target_url)
    assert refused.returncode == 3 and "CONFIRM" in refused.stderr  # the guard: nothing happens unconfirmed

    restored = _run("scripts/restore.sh", str(dumps[0]), DATABASE_URL=target_url, CONFIRM=target)
    assert restored.returncode == 0, restored.stderr

    assert _fingerprint(target) == before
