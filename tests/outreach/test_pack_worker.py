"""The resource pack once through a real Celery worker and a real Redis broker."""

import os
import threading
import zipfile

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from config.celery import app
from outreach import services
from outreach.models import ResourcePack
from outreach.tasks import build_resource_pack
from tests.factories.outreach import make_cycle, upload

BROKER = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/7"
QUEUE = "outreach-test"


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_pack(world):
    cycle = make_cycle(county=world.county_x)
    resource = services.resource_upload(cycle=cycle, kind="slides", title="课件", upload=upload(), actor=world.staff_x)
    services.resource_review(resource=resource, status="approved", actor=world.staff_x)
    pack = ResourcePack.objects.create(cycle=cycle, requested_by=world.staff_x)
    finished = threading.Event()

    def on_postrun(sender=None, args=None, **kwargs):
        if getattr(sender, "name", None) == build_resource_pack.name and list(args or ()) == [pack.pk]:
            finished.set()

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=BROKER, task_always_eager=False)
    task_postrun.connect(on_postrun, weak=False)
    try:
        # The worker runs in a thread of this process, so its task_postrun signal reaches us.
        with start_worker(app, pool="solo", queues=[QUEUE], perform_ping_check=False, loglevel="WARNING"):
            with app.connection_for_write(BROKER) as connection:
                build_resource_pack.apply_async((pack.pk,), queue=QUEUE, connection=connection)
            assert finished.wait(timeout=60)
    finally:
        task_postrun.disconnect(on_postrun)
        app.conf.update(saved)
    pack.refresh_from_db()
    assert pack.status == ResourcePack.Status.READY and pack.resource_count == 1
    with pack.file.open("rb") as stream, zipfile.ZipFile(stream) as archive:
        assert "资源索引.xlsx" in archive.namelist()
