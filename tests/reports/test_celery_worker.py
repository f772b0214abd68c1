"""The export through a real Celery worker and a real Redis broker (PostgreSQL: the worker thread
reads the committed rows through its own connection)."""

import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from kombu import pools

from config.celery import app
from reports import services
from reports.models import ExportJob

BROKER = "redis://127.0.0.1:6379/9"


@pytest.fixture
def real_broker():
    keys = ("broker_url", "task_always_eager", "result_backend", "worker_hijack_root_logger")
    saved = {key: app.conf[key] for key in keys}
    app.set_current()  # a worker started by an earlier test may have made its own app current
    app.conf.update(broker_url=BROKER, task_always_eager=False, result_backend=None, worker_hijack_root_logger=False)
    _reset_pools()
    app.control.purge()  # messages a crashed earlier run may have left in the queue
    yield app
    app.conf.update(saved)
    _reset_pools()


def _reset_pools():
    """Drop pooled connections and producers (kombu keeps them per URL, process-wide)."""
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_an_export_runs_through_a_real_worker_and_broker(world, records, real_broker):
    finished = threading.Event()

    def on_done(sender=None, **kwargs):
        if sender is not None and sender.name == "reports.export_annual_summary":
            finished.set()

    task_postrun.connect(on_done, weak=False)
    try:
        with start_worker(real_broker, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            # autocommit: on_commit fires at once, so the message leaves only after the row is stored
            job = services.export_request(user=world.admin_x, year_from=2024, year_to=2026)
            assert finished.wait(timeout=120), "the worker did not run the export"
    finally:
        task_postrun.disconnect(on_done)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.progress == 100 and job.attempts == 1
    assert job.file.name == f"reports/annual/annual-summary-{job.pk}.xlsx"


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_request_whose_message_was_lost_is_swept_to_a_real_worker(world, records, real_broker):
    import datetime as dt

    from django.utils import timezone

    from tests.factories.reports import ExportJobFactory

    # A request stored before a broker restart: the row exists, its message does not.
    lost = ExportJobFactory(
        county=world.county_x, requested_by=world.admin_x, enqueued_at=timezone.now() - dt.timedelta(hours=1)
    )
    finished = threading.Event()

    def on_done(sender=None, **kwargs):
        if sender is not None and sender.name == "reports.export_annual_summary":
            finished.set()

    task_postrun.connect(on_done, weak=False)
    try:
        with start_worker(real_broker, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            assert services.export_sweep_stale() == [lost.pk]
            assert finished.wait(timeout=120), "the swept job never reached the worker"
    finally:
        task_postrun.disconnect(on_done)
    lost.refresh_from_db()
    assert lost.status == ExportJob.Status.DONE, lost.error
