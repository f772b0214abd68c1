"""The resource pack once through a real Celery worker and a real Redis broker."""

import threading
import zipfile

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun

from outreach import services
from outreach.models import ResourcePack
from outreach.tasks import build_resource_pack
from tests.factories.outreach import make_cycle, upload


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_pack(world, celery_broker):
    cycle = make_cycle(county=world.county_x)
    resource = services.resource_upload(cycle=cycle, kind="slides", title="课件", upload=upload(), actor=world.staff_x)
    services.resource_review(resource=resource, status="approved", actor=world.staff_x)
    pack = ResourcePack.objects.create(cycle=cycle, requested_by=world.staff_x)
    finished = threading.Event()

    def on_postrun(sender=None, args=None, **kwargs):
        if getattr(sender, "name", None) == build_resource_pack.name and list(args or ()) == [pack.pk]:
            finished.set()

    app = celery_broker
    task_postrun.connect(on_postrun, weak=False)
    try:
        # The worker runs in a thread of this process, so its task_postrun signal reaches us.
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            with app.connection_for_write() as connection:
                build_resource_pack.apply_async((pack.pk,), connection=connection)
            assert finished.wait(timeout=60)
    finally:
        task_postrun.disconnect(on_postrun)
    pack.refresh_from_db()
    assert pack.status == ResourcePack.Status.READY and pack.resource_count == 1
    with pack.file.open("rb") as stream, zipfile.ZipFile(stream) as archive:
        assert "资源索引.xlsx" in archive.namelist()
