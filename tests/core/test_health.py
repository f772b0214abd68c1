"""/healthz: no login, 200 only when database, broker and worker all answer, and cheap to poll."""

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.db import OperationalError
from django.urls import reverse

from core import health

# A Redis database of its own, so no other test run's worker can answer our pings.
REDIS_FOR_HEALTH = "redis://127.0.0.1:6379/13"
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _fresh_health():
    health.reset_cache()
    yield
    health.reset_cache()


def test_without_a_broker_the_database_alone_decides(client, db, settings):
    settings.CELERY_BROKER_URL = ""

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert "in-process" in body["checks"]["broker"]["detail"]
    assert response["Cache-Control"].startswith("max-age=0")


def test_unreachable_broker_answers_503_and_skips_the_worker_ping(client, db, settings):
    settings.CELERY_BROKER_URL = UNREACHABLE_BROKER

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["broker"]["ok"] is False
    assert checks["worker"] == {"ok": False, "detail": "broker unavailable"}
    assert "127.0.0.1" not in response.content.decode()  # no connection strings leak to anonymous callers


@pytest.mark.redis
def test_broker_up_but_no_worker_answers_503(client, db, settings):
    settings.CELERY_BROKER_URL = REDIS_FOR_HEALTH

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"]["ok"] is True
    assert checks["worker"]["ok"] is False


@pytest.mark.celery_worker
def test_broker_and_a_live_worker_answer_200(client, db, settings, monkeypatch):
    settings.CELERY_BROKER_URL = REDIS_FOR_HEALTH
    # Celery lets the CELERY_BROKER_URL environment variable (set in CI) override an app's broker.
    monkeypatch.setenv("CELERY_BROKER_URL", REDIS_FOR_HEALTH)
    # No Django fixup: it would close this test's database connection when the worker starts.
    worker_app = Celery("health-probe", broker=REDIS_FOR_HEALTH, set_as_current=False, fixups=[])
    worker_app.conf.worker_hijack_root_logger = False

    with start_worker(worker_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        # The worker's pidbox consumer may need a moment after start: poll like a monitor would.
        for _attempt in range(20):
            health.reset_cache()
            response = client.get(reverse("healthz"))
            if response.status_code == 200:
                break

    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["worker"]["answered"]  # the hostname of the worker that answered


def test_database_failure_answers_503(client, db, settings, monkeypatch):
    settings.CELERY_BROKER_URL = ""

    class DownConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", DownConnection())

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {
        "ok": False,
        "detail": "OperationalError",
        "ms": pytest.approx(0, abs=50),
    }
    # The apps' checks read the database too: they say so rather than fail again.
    assert response.json()["checks"]["notices"] == {"ok": False, "detail": "database unavailable"}


def test_polling_within_the_cache_window_costs_no_query(client, db, settings, django_assert_num_queries):
    settings.CELERY_BROKER_URL = ""
    assert client.get(reverse("healthz")).status_code == 200

    with django_assert_num_queries(0):
        assert client.get(reverse("healthz")).status_code == 200


def test_notices_a_large_import_owes_for_too_long_answer_503(client, db, settings):
    """The notices queue not keeping up (or no worker on it) means teachers are not told: a monitor
    sees it. Owed for a moment, as every large import's notices are, is healthy."""
    import datetime as dt

    from django.utils import timezone

    from programs.models import PendingNotices

    settings.CELERY_BROKER_URL = ""
    owed = PendingNotices.objects.create(action="new", status="confirmed", enrolment_ids=[1, 2])
    assert client.get(reverse("healthz")).json()["checks"]["notices"] == {"ok": True, "ms": pytest.approx(0, abs=50)}

    PendingNotices.objects.filter(pk=owed.pk).update(created_at=timezone.now() - dt.timedelta(minutes=16))
    health.reset_cache()
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["notices"]["detail"] == "1 batches of notices owed for over 15 minutes"
