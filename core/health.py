"""Health checks behind /healthz: database, broker and worker, and what apps add to CHECKS in their
ready() (programs: notices a large import owes that no worker has made).

Monitors poll this often and the probe must not become the load, so the result is kept in process
memory for a few seconds (not in the cache backend: that is Redis, which may be the thing that is
down). Failures report only the exception's class: the endpoint needs no login and must not leak
hosts or credentials from connection strings.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from kombu.pidbox import Mailbox

CACHE_SECONDS = 5.0
WORKER_TIMEOUT = 1.0  # seconds to wait for a worker's pong (the first pong ends the wait)
BROKER_TIMEOUT = 1.0

_lock = threading.Lock()
_cached: tuple[float, dict[str, Any]] | None = None


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def check_broker() -> dict[str, Any]:
    if not settings.CELERY_BROKER_URL:
        return {"ok": True, "detail": "not configured: tasks run in-process"}
    from config.celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
        conn.default_channel  # noqa: B018 - opening the channel is what talks to the broker (Redis: PING)
    return {"ok": True}


def check_worker() -> dict[str, Any]:
    if not settings.CELERY_BROKER_URL:
        return {"ok": True, "detail": "not configured: tasks run in-process"}
    from config.celery import app

    # The worker control mailbox, on exactly this connection: app.control would publish through the
    # app's producer pool, which stays bound to whatever broker it first connected to.
    mailbox = Mailbox(app.conf.control_exchange, type="fanout", accept=["json"], serializer="json")
    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        # One pong is enough to know tasks will run; waiting for all would cost the whole timeout.
        replies = mailbox(conn)._broadcast("ping", reply=True, timeout=WORKER_TIMEOUT, limit=1)
    if not replies:
        return {"ok": False, "detail": "no worker answered"}
    return {"ok": True, "answered": next(iter(replies[0]))}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "broker": check_broker,
    "worker": check_worker,
}


def _run(name: str, check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        outcome = check()
    except Exception as exc:  # any failure of a dependency is a failed check, never a 500
        outcome = {"ok": False, "detail": type(exc).__name__}
    outcome["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return outcome


def run_checks() -> dict[str, Any]:
    checks: dict[str, Any] = {}
    for name, check in CHECKS.items():
        if name == "worker" and not checks.get("broker", {}).get("ok"):
            # Asking workers goes through the broker; without one it would only wait for nothing.
            checks[name] = {"ok": False, "detail": "broker unavailable"}
            continue
        if name not in ("database", "broker", "worker") and not checks.get("database", {}).get("ok"):
            # The apps' own checks (programs: notices owed) read the database; it has already failed.
            checks[name] = {"ok": False, "detail": "database unavailable"}
            continue
        checks[name] = _run(name, check)
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "error", "checks": checks}


def health(*, max_age: float | None = None) -> dict[str, Any]:
    """The latest result, re-checked at most every `max_age` seconds per process."""
    global _cached
    max_age = CACHE_SECONDS if max_age is None else max_age
    with _lock:
        now = time.monotonic()
        if _cached is not None and now - _cached[0] < max_age:
            return _cached[1]
        result = run_checks()
        _cached = (now, result)
        return result


def reset_cache() -> None:
    global _cached
    with _lock:
        _cached = None
