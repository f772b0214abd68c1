"""The optional read replica: reports read from it inside `reading_from_replica()`, writes never go there."""

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from core import replica
from core.replica import ReplicaRouter, reading_from_replica
from trainees.models import Teacher

ROOT = Path(__file__).resolve().parents[2]


def test_without_a_replica_everything_reads_from_the_primary():
    router = ReplicaRouter()
    with reading_from_replica():
        assert router.db_for_read(Teacher) is None


def test_reads_inside_the_block_go_to_the_replica_and_writes_never_do(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    router = ReplicaRouter()
    assert router.db_for_read(Teacher) is None
    with reading_from_replica():
        assert router.db_for_read(Teacher) == "replica"
        assert router.db_for_write(Teacher) == "default"
    assert router.db_for_read(Teacher) is None
    assert router.allow_migrate("default", "trainees") and not router.allow_migrate("replica", "trainees")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.pg_server
def test_reads_come_from_a_streaming_replica_set_up_by_the_project_script():
    # Not pytest's tmp_path: its parents are private to root, and the clusters run as the postgres user.
    cluster = Path(tempfile.mkdtemp(prefix="peixun-replica-"))
    primary_port, replica_port = _free_port(), _free_port()
    up = subprocess.run(
        [str(ROOT / "scripts" / "replica.sh"), "up", str(cluster), str(primary_port), str(replica_port)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        assert up.returncode == 0, up.stderr
        env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{primary_port}/peixun_replica_probe",
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{replica_port}/peixun_replica_probe",
            "CELERY_BROKER_URL": "",
        }
        probe = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "core" / "probes" / "replica_probe.py")],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            cwd=ROOT,
        )
        assert probe.returncode == 0, probe.stderr[-3000:]
        seen = json.loads(probe.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run([str(ROOT / "scripts" / "replica.sh"), "down", str(cluster)], capture_output=True, timeout=60)
    assert seen["replica_in_recovery"] is True and seen["default_in_recovery"] is False
    # Replay paused after the first teacher: the replica still shows one, the primary has all three.
    assert seen["on_replica_while_paused"] == 1
    assert seen["on_primary"] == 3
    assert seen["on_replica_after_replay"] == 3
    # The annual-summary export and the dashboard read their figures from the replica; the primary
    # sees only the job's own bookkeeping (status, progress) and the login session.
    assert seen["export_status"] == "done"
    assert seen["export_queries"]["replica"] > 20
    assert seen["export_queries"]["default"] <= 6
    assert seen["dashboard_status"] == 200
    assert seen["dashboard_queries"]["replica"] > 3
