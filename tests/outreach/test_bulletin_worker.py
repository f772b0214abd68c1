"""The weekly workshop bulletin: scheduled by Celery beat, built by the service, once through a real worker."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings

from outreach import services
from outreach.models import OnlineStudy, WorkshopBulletin
from outreach.tasks import weekly_workshop_bulletins
from tests.factories.outreach import make_workshop
from tests.factories.programs import EnrolmentFactory


def _workshop_with_members(world, hours=(70, 10, 35)):
    workshop = make_workshop(county=world.county_x, host=world.teacher_a)
    for h in hours:
        enrolment = EnrolmentFactory(subproject=workshop.subproject)
        OnlineStudy.objects.create(enrolment=enrolment, online_hours=Decimal(h), tasks_done=1)
        services.workshop_member_add(workshop=workshop, enrolment=enrolment)
    return workshop


def test_beat_runs_the_bulletin_every_monday():
    entry = settings.CELERY_BEAT_SCHEDULE["outreach-weekly-workshop-bulletins"]
    assert entry["task"] == weekly_workshop_bulletins.name
    assert entry["schedule"].day_of_week == {1}


def test_the_bulletin_names_the_members_behind_the_pace_and_is_one_per_week(world):
    workshop = _workshop_with_members(world)  # 80 h over 2026-09-01 … 09-03
    bulletin = services.workshop_bulletin_build(workshop=workshop, today=dt.date(2026, 9, 2))
    assert (bulletin.week_start, bulletin.expected_hours, bulletin.members) == (dt.date(2026, 8, 31), 40, 3)
    assert [m["hours"] for m in bulletin.behind] == ["10.0", "35.0"] and bulletin.behind_count == 2
    services.workshop_bulletin_build(workshop=workshop, today=dt.date(2026, 9, 3))  # same week: replaced
    assert WorkshopBulletin.objects.get().expected_hours == 80


def test_the_weekly_job_covers_only_workshops_in_their_study_period(world):
    _workshop_with_members(world)
    assert services.workshop_bulletins_weekly(today=dt.date(2026, 9, 2)) == 1
    assert services.workshop_bulletins_weekly(today=dt.date(2026, 10, 5)) == 0


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_bulletins(world, celery_broker):
    workshop = _workshop_with_members(world)
    workshop.subproject.start_date, workshop.subproject.end_date = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
    workshop.subproject.save(update_fields=["start_date", "end_date"])
    finished = threading.Event()

    def on_postrun(sender=None, **kwargs):
        if getattr(sender, "name", None) == weekly_workshop_bulletins.name:
            finished.set()

    app = celery_broker
    task_postrun.connect(on_postrun, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            with app.connection_for_write() as connection:
                weekly_workshop_bulletins.apply_async((), connection=connection)
            assert finished.wait(timeout=60)
    finally:
        task_postrun.disconnect(on_postrun)
    assert WorkshopBulletin.objects.filter(workshop=workshop).count() == 1
