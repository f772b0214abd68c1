"""The tally task once through a real Celery worker and Redis broker."""

import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from assessment.credits import tally_run_create
from assessment.models import CreditTally, TallyRun
from programs.models import Enrolment
from tests.factories import EnrolmentFactory, ProgramFactory, SubProjectFactory


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_tally_runs_in_a_real_worker(world, celery_broker):
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
        with start_worker(celery_broker, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            run = tally_run_create(year=2026, county=world.county_x, actor=world.staff_x)
            # No result backend is configured: the worker's own signal says the task has run.
            assert finished.wait(timeout=60)
    finally:
        task_postrun.disconnect(done)
    run.refresh_from_db()
    assert (run.status, run.progress, run.teachers) == (TallyRun.Status.DONE, 100, 2)
    assert CreditTally.objects.get(teacher=world.teacher_a).total_hours == 24
