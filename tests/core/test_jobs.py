"""core.jobs, the file-building background job both the annual summary export and the certificate
batches use: start, run, the file renamed into place, status, download, and the sweeper. Shown on
ExportJob (the certificate side is covered in tests/certificates through the same helpers)."""

import datetime as dt
import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from core import jobs
from reports.models import ExportJob
from tests.factories.reports import ExportJobFactory

logger = logging.getLogger(__name__)


def _job(world, **fields) -> ExportJob:
    return ExportJobFactory(county=world.county_x, requested_by=world.admin_x, **fields)


def _write(name: str, data: bytes = b"xlsx") -> dict[str, str]:
    with jobs.built_file(name) as path:
        path.write_bytes(data)
    return {"file": name}


def _name(job) -> str:
    return f"reports/annual/test-{job.pk}.xlsx"


def test_both_apps_jobs_share_the_fields_and_statuses():
    from certificates.models import IssueJob

    for model in (ExportJob, IssueJob):
        assert issubclass(model, jobs.Job)
        assert model.Status is jobs.JobStatus
        assert {"status", "progress", "created_at", "error", "file", "enqueued_at", "attempts"} <= {
            f.name for f in model._meta.fields
        }


def test_start_stores_the_job_and_enqueues_it_once_committed(world, django_capture_on_commit_callbacks):
    enqueued = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = jobs.start(ExportJob(county=world.county_x, year_from=2025, year_to=2026), enqueue=enqueued.append)
        assert enqueued == []  # not before the row is committed
    assert len(callbacks) == 1
    assert enqueued == [job.pk]
    assert job.enqueued_at is not None and job.status == jobs.JobStatus.QUEUED


def test_start_refuses_an_invalid_job_before_storing_it(world):
    with pytest.raises(Exception) as exc:
        jobs.start(ExportJob(county=world.county_x, year_from=2026, year_to=2025), enqueue=None)
    assert "year_to" in exc.value.message_dict
    assert not ExportJob.objects.exists()


def test_run_records_what_the_build_answers(world):
    job = _job(world)
    done = jobs.run(ExportJob, job.pk, build=lambda j: _write(_name(j)), logger=logger)
    assert (done.status, done.progress, done.attempts, done.file.name) == ("done", 100, 1, _name(job))
    assert done.started_at and done.finished_at
    assert default_storage.open(_name(job)).read() == b"xlsx"


def test_run_leaves_a_done_job_with_its_file_alone(world):
    job = _job(world)
    jobs.run(ExportJob, job.pk, build=lambda j: _write(_name(j)), logger=logger)
    again = jobs.run(ExportJob, job.pk, build=lambda j: pytest.fail("built twice"), logger=logger)
    assert again.attempts == 1


def test_a_failing_build_is_recorded_on_the_row_not_raised(world, caplog):
    def build(job):
        raise RuntimeError("字体缺失")

    failed = jobs.run(ExportJob, _job(world).pk, build=build, logger=logger)
    assert failed.status == jobs.JobStatus.FAILED
    assert failed.error == "RuntimeError: 字体缺失"
    assert failed.finished_at is not None
    assert "failed" in caplog.text


def test_a_job_deleted_while_it_ran_leaves_no_file(world):
    job = _job(world)

    def build(j):
        fields = _write(_name(j))
        ExportJob.objects.filter(pk=j.pk).delete()
        return fields

    assert jobs.run(ExportJob, job.pk, build=build, logger=logger) is None
    assert not default_storage.exists(_name(job))
    assert jobs.run(ExportJob, job.pk, build=build, logger=logger) is None  # and a late redelivery


def test_built_file_appears_only_complete_and_clears_earlier_parts(world):
    folder = Path(settings.MEDIA_ROOT) / "reports" / "annual"
    folder.mkdir(parents=True)
    (folder / ".x.xlsx.dead.part").write_bytes(b"half")  # what a killed worker leaves behind
    with pytest.raises(RuntimeError), jobs.built_file("reports/annual/x.xlsx") as path:
        path.write_bytes(b"half")
        raise RuntimeError
    assert sorted(p.name for p in folder.iterdir()) == [".x.xlsx.dead.part"]  # no new part, no file
    _write("reports/annual/x.xlsx")
    assert [p.name for p in folder.iterdir()] == ["x.xlsx"]


def test_the_status_says_where_to_download_once_done_and_the_error_once_failed(world):
    job = _job(world, progress=40, status=jobs.JobStatus.RUNNING)
    running = jobs.status_response(job, download="reports:export_download", extra=7)
    assert _json(running) == {
        "status": "running", "label": "生成中", "progress": 40, "extra": 7, "download": None, "error": "",
    }  # fmt: skip
    job.status, job.error = jobs.JobStatus.FAILED, "boom"
    assert _json(jobs.status_response(job, download="reports:export_download"))["error"] == "boom"
    job.status = jobs.JobStatus.DONE
    assert _json(jobs.status_response(job, download="reports:export_download"))["download"] == reverse(
        "reports:export_download", args=[job.pk]
    )


def _json(response):
    import json

    return json.loads(response.content)


def test_the_file_is_downloaded_only_when_done_and_present(world):
    job = _job(world)
    with pytest.raises(Http404):
        jobs.file_response(job)
    done = jobs.run(ExportJob, job.pk, build=lambda j: _write(_name(j)), logger=logger)
    response = jobs.file_response(done, content_type="application/zip")
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"xlsx"
    response.file_to_stream.close()  # not response.close(): that ends the request, and its connections
    default_storage.delete(_name(job))
    with pytest.raises(Http404):  # removed from the disk by hand: not found rather than a server error
        jobs.file_response(ExportJob.objects.get(pk=job.pk))


def test_the_sweeper_enqueues_lost_messages_and_dead_workers(world, django_capture_on_commit_callbacks, settings):
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    lost = _job(world, enqueued_at=now - hour)
    _job(world, enqueued_at=now)  # fresh
    dead = _job(world, status=jobs.JobStatus.RUNNING, enqueued_at=now - 3 * hour, started_at=now - 2 * hour)
    _job(world, status=jobs.JobStatus.DONE, enqueued_at=now - 3 * hour, file="reports/annual/done.xlsx")
    enqueued = []
    minutes = dt.timedelta(minutes=10)
    with django_capture_on_commit_callbacks(execute=True):  # still within a longer limit
        swept = jobs.sweep_stale(ExportJob, enqueue=enqueued.append, queued_for=minutes, running_for=3 * hour, now=now)
    assert swept == [lost.pk] and enqueued == [lost.pk]
    # By default a job is dead once it runs past Celery's hard time limit (+5 minutes).
    settings.CELERY_TASK_TIME_LIMIT = 60 * 60
    assert jobs.worker_lost_after() == dt.timedelta(minutes=65)
    with django_capture_on_commit_callbacks(execute=True):
        swept = jobs.sweep_stale(ExportJob, enqueue=enqueued.append, queued_for=minutes, now=now)
    assert swept == [dead.pk]  # the lost one was enqueued again just now
    dead.refresh_from_db()
    assert (dead.status, dead.enqueued_at, dead.started_at, dead.progress) == ("queued", now, None, 0)
