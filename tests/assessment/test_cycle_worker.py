"""The 周期核定 task once through a real Celery worker and Redis broker."""

import threading
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from assessment.credits import cycle_save, tally_credits
from assessment.cycles import cycle_review_request
from assessment.models import CycleResult, CycleReview
from programs.models import Enrolment
from tests.factories import EnrolmentFactory, ProgramFactory, SubProjectFactory


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_cycle_review_runs_in_a_real_worker(world, celery_broker):
    cycle_save(county=world.county_x, start_year=2022, years=5, total=Decimal(360), actor=None)
    EnrolmentFactory(
        subproject=SubProjectFactory(program=ProgramFactory(county=world.county_x, year=2024), hours=400),
        teacher=world.teacher_a,
        status=Enrolment.Status.COMPLETED,
    )
    tally_credits(year=2024, county=world.county_x)
    finished = threading.Event()

    def done(sender=None, **kwargs):
        if sender is not None and sender.name == "assessment.tasks.run_cycle_review":
            finished.set()

    task_postrun.connect(done, weak=False)
    try:
        with start_worker(celery_broker, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            review = cycle_review_request(county=world.county_x, year=2024, carry_cap=Decimal(30), actor=world.staff_x)
            assert finished.wait(timeout=60)
    finally:
        task_postrun.disconnect(done)
    review.refresh_from_db()
    assert review.status == CycleReview.Status.DONE
    result = CycleResult.objects.get(review=review, teacher=world.teacher_a)
    assert (result.earned, result.met, result.carried) == (400, True, 30)
