"""The tally task once through a real Celery worker and Redis broker."""

import os
import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from assessment.credits import tally_run_create
from assessment.models import CreditTally, TallyRun
from config.celery import app
from programs.models import Enrolment
from tests.factories import EnrolmentFactory, ProgramFactory, SubProjectFactory

BROKER = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/6"


@pytest.fixture
def real_broker():
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=BROKER, task_always_eager=False)
    _reset_pool()
    yield
    app.conf.update(saved)
    _reset_pool()


def _reset_pool():
    """Drop the broker connection pool so the next use connects to the configured URL."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None  # built on the old pool; rebuilt lazily on the new one


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_tally_runs_in_a_real_worker(world, real_broker):
    EnrolmentFactory(
        subproject=SubProjectFactory(program=ProgramFactory(county=world.county_x, year=2026), hours=24),
        teacher=world.teacher_a,
        status=Enrolment.Status.COMPLETED,
    )
    finished = threading.Event()

    def done(sender=None, **kwargs):
        if sender is not None and sender.name == "assessment.tasks.run_tally":
            finished.set()

    task_postrun.connect(done, weak=False)
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            run = tally_run_create(year=2026, county=world.county_x, actor=world.staff_x)
            # No result backend is configured: the worker's own signal says the task has run.
            assert finished.wait(timeout=60)
    finally:
        task_postrun.disconnect(done)
    run.refresh_from_db()
    assert (run.status, run.progress, run.teachers) == (TallyRun.Status.DONE, 100, 2)
    assert CreditTally.objects.get(teacher=world.teacher_a).total_hours == 24
