"""The notice e-mail goes through a real Celery worker and Redis broker once (the rest of the suite
runs the task in-process)."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from programs import services
from programs.models import Notice


@pytest.mark.celery_worker
def test_a_nomination_notice_is_emailed_by_a_real_worker(transactional_db, world, subproject, celery_broker, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    world.teacher_user_a.email = "zhangsan@example.cn"
    world.teacher_user_a.save(update_fields=["email"])
    with start_worker(celery_broker, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        # The commit enqueues the task; the worker in this process sends it. While it runs, this
        # thread watches the outbox only: on SQLite (one in-memory database shared by both threads) a
        # read here can hold the table lock the task's write needs ("database table is locked").
        services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
        for _attempt in range(100):
            if mail.outbox:
                break
            celery_broker.control.ping(timeout=0.1)  # waits on the broker, not a sleep
    # Leaving the block stopped the worker after its task, which records the sending after the mail.
    notice = Notice.objects.get()
    assert notice.emailed_at is not None
    assert [m.to for m in mail.outbox] == [["zhangsan@example.cn"]]
