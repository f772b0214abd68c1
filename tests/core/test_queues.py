"""Celery queues by kind of work: every task is placed, and a notice worker is never stuck behind exports."""

import datetime as dt

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from config import queues
from config.celery import app
from programs import services
from programs.models import Notice
from reports.models import ExportJob
from tests.factories import CategoryFactory


def _project_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_project_task_is_placed_on_a_queue_by_name():
    unplaced = sorted(_project_tasks() - set(queues.TASK_QUEUES))
    assert not unplaced, f"tasks without a queue in config/queues.py: {unplaced}"
    assert set(queues.TASK_QUEUES.values()) <= set(queues.QUEUES)


def test_routing_sends_each_kind_to_its_own_queue():
    route = app.amqp.router.route
    assert route({}, "programs.tasks.send_notices")["queue"].name == queues.NOTICES
    assert route({}, "reports.export_annual_summary")["queue"].name == queues.EXPORTS
    assert route({}, "assessment.tasks.run_tally")["queue"].name == queues.TALLIES
    # Each queue has its own routing key: a message published for one queue is never copied to another.
    keys = [q.routing_key for q in app.conf.task_queues]
    assert sorted(keys) == sorted(queues.QUEUES)


def test_the_default_worker_groups_cover_every_queue():
    groups = [group.split(",") for group in queues.DEFAULT_WORKER_GROUPS.split()]
    covered = [name for group in groups for name in group]
    assert sorted(covered) == sorted(queues.QUEUES)
    assert len(covered) == len(set(covered))


@pytest.mark.celery_worker
def test_a_notice_is_sent_while_an_export_waits_for_its_own_worker(transactional_db, world, celery_broker, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    world.teacher_user_a.email = "zhangsan@example.cn"
    world.teacher_user_a.save(update_fields=["email"])
    from reports import services as report_services

    program = services.program_create(
        county=world.county_x, year=2026, level="county", category=CategoryFactory(), name="队列测试项目"
    )
    subproject = services.subproject_create(
        program=program, name="队列测试班", start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 9, 2), quota=5
    )
    services.quota_set(subproject=subproject, school=world.school_a, quota=2)

    # An export is queued first; only a worker of the notices group runs, as when exports are all busy.
    job = report_services.export_request(user=world.admin_x, year_from=2026, year_to=2026)
    with start_worker(
        celery_broker, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queues.NOTICES]
    ):
        services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
        notice = Notice.objects.get()
        for _attempt in range(100):
            notice.refresh_from_db()
            if notice.emailed_at:
                break
            celery_broker.control.ping(timeout=0.1)  # waits on the broker, not a sleep
    assert notice.emailed_at is not None
    job.refresh_from_db()
    assert job.status == ExportJob.Status.QUEUED  # still waiting in its own queue, untouched
    with celery_broker.connection_for_write() as conn:
        conn.default_channel.queue_purge(queues.EXPORTS)
