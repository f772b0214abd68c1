"""Export jobs: stored before enqueued, progress on the row, atomic file, idempotent, swept when stale."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from core import jobs
from reports import services
from reports.models import ExportJob
from tests.factories.reports import ExportJobFactory


def cells(job):
    with job.file.open("rb") as f:
        wb = load_workbook(io.BytesIO(f.read()))
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def export_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "reports" / "annual"


def request(world, **kw):
    return services.export_request(user=world.admin_x, year_from=2024, year_to=2026, **kw)


def test_the_request_is_stored_first_and_enqueued_only_on_commit(world, records, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = request(world)
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.QUEUED
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: with no broker configured the task runs in-process
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert job.progress == 100
    assert job.duration_seconds is not None
    assert cells(job)["年度汇总"][-4][:6] == ("合计", None, None, 5, 7, 3)


def test_progress_is_written_to_the_row_as_each_sheet_is_done(world, records):
    job = ExportJobFactory(county=world.county_x, requested_by=world.admin_x)
    with CaptureQueriesContext(connection) as ctx:
        services.export_run(job_id=job.pk)
    steps = [int(m) for q in ctx.captured_queries for m in re.findall(r'"progress" = (\d+)', q["sql"])]
    assert steps == [0, 10, 20, 40, 60, 75, 85, 95, 98, 100]


def test_running_a_job_twice_gives_the_same_cells_and_one_file(world, records):
    job = services.export_run(job_id=ExportJobFactory(county=world.county_x, requested_by=world.admin_x).pk)
    first = cells(job)
    # As after a redelivery whose first run had already renamed the file into place.
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING)
    again = services.export_run(job_id=job.pk)
    assert again.attempts == 2
    assert cells(again) == first
    assert [p.name for p in export_dir().iterdir()] == [f"annual-summary-{job.pk}.xlsx"]


def test_a_finished_job_is_not_run_again(world, records):
    job = services.export_run(job_id=ExportJobFactory(county=world.county_x, requested_by=world.admin_x).pk)
    assert services.export_run(job_id=job.pk).attempts == 1


def test_a_run_killed_midway_leaves_no_visible_file_and_the_retry_completes(world, records):
    job = ExportJobFactory(county=world.county_x, requested_by=world.admin_x, status=ExportJob.Status.RUNNING)
    export_dir().mkdir(parents=True)
    half = export_dir() / f".annual-summary-{job.pk}.xlsx.dead.part"
    half.write_bytes(b"PK\x03\x04 half a zip")  # what a killed worker leaves behind
    job.refresh_from_db()
    assert not job.file  # nothing downloadable while the part exists
    done = services.export_run(job_id=job.pk)
    assert done.status == ExportJob.Status.DONE
    assert [p.name for p in export_dir().iterdir()] == [f"annual-summary-{job.pk}.xlsx"]


def test_a_failing_write_records_the_error_and_leaves_no_file(world, records):
    job = ExportJobFactory(county=world.county_x, requested_by=world.admin_x)
    # A directory where the file should go makes the final rename fail, as a full or broken disk would.
    (export_dir() / f"annual-summary-{job.pk}.xlsx").mkdir(parents=True)
    failed = services.export_run(job_id=job.pk)
    assert failed.status == ExportJob.Status.FAILED
    assert "Error" in failed.error
    assert not failed.file
    assert [p.name for p in export_dir().iterdir()] == [f"annual-summary-{job.pk}.xlsx"]  # only the directory


def test_the_sweeper_enqueues_jobs_whose_message_was_lost(world, records):
    now = timezone.now()
    lost = ExportJobFactory(county=world.county_x, requested_by=world.admin_x, enqueued_at=now - dt.timedelta(hours=1))
    fresh = ExportJobFactory(county=world.county_x, requested_by=world.admin_x, enqueued_at=now)
    dead_worker = ExportJobFactory(
        county=world.county_x,
        requested_by=world.admin_x,
        status=ExportJob.Status.RUNNING,
        started_at=now - jobs.worker_lost_after() - dt.timedelta(minutes=1),
    )
    swept = services.export_sweep_stale(now=now)
    assert sorted(swept) == sorted([lost.pk, dead_worker.pk])
    assert ExportJob.objects.get(pk=fresh.pk).status == ExportJob.Status.QUEUED


def test_the_sweeper_runs_the_swept_jobs_after_commit(world, records, django_capture_on_commit_callbacks):
    lost = ExportJobFactory(
        county=world.county_x, requested_by=world.admin_x, enqueued_at=timezone.now() - dt.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.export_sweep_stale()
    assert ExportJob.objects.get(pk=lost.pk).status == ExportJob.Status.DONE


def test_only_administrators_may_request_an_export(world):
    with pytest.raises(ValidationError):
        services.export_request(user=world.staff_x, year_from=2024, year_to=2026)


def test_a_county_administrator_always_exports_their_own_county(world):
    assert request(world, county=world.county_y).county == world.county_x


@pytest.mark.parametrize(("year_from", "year_to"), [(2026, 2024), (2010, 2026)])
def test_a_reversed_or_too_long_range_is_refused(world, year_from, year_to):
    with pytest.raises(ValidationError):
        services.export_request(user=world.admin_x, year_from=year_from, year_to=year_to)
    assert not ExportJob.objects.exists()


def test_the_command_goes_through_the_same_task_and_writes_the_file(world, records, tmp_path):
    out = tmp_path / "汇总.xlsx"
    call_command("annual_summary", "--from", "2024", "--to", "2026", "--out", str(out), "--county", "甲县")
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE and job.requested_by is None and job.county == world.county_x
    rows = [tuple(r) for r in load_workbook(out).worksheets[0].iter_rows(values_only=True)]
    assert rows[0][0] == "甲县2024—2026年教师培训年度汇总表"
    assert rows[-4][:6] == ("合计", None, None, 5, 7, 3)
    assert out.read_bytes() == (export_dir() / f"annual-summary-{job.pk}.xlsx").read_bytes()


def test_the_command_refuses_an_unknown_county(world, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command(
            "annual_summary", "--from", "2024", "--to", "2026", "--out", str(tmp_path / "x.xlsx"), "--county", "无此县"
        )


def test_the_sweeper_leaves_a_job_that_finished_meanwhile_alone(world, records):
    job = services.export_run(job_id=ExportJobFactory(county=world.county_x, requested_by=world.admin_x).pk)
    assert services.export_sweep_stale(now=timezone.now() + dt.timedelta(days=1)) == []
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.DONE


def test_a_job_deleted_before_its_turn_is_skipped(world):
    job = ExportJobFactory(county=world.county_x, requested_by=world.admin_x)
    job_id = job.pk
    job.delete()
    assert services.export_run(job_id=job_id) is None
    assert not export_dir().exists() or not any(export_dir().iterdir())


@pytest.mark.postgresql  # the snapshot is a PostgreSQL REPEATABLE READ transaction
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_run_reads_one_snapshot_and_still_reports_progress(world, records):
    job = ExportJobFactory(county=world.county_x, requested_by=world.admin_x)
    with CaptureQueriesContext(connection) as ctx:
        done = services.export_run(job_id=job.pk)
    assert done.status == ExportJob.Status.DONE and done.progress == 100
    assert any("REPEATABLE READ" in q["sql"] for q in ctx.captured_queries)
    assert cells(done)["年度汇总"][-4][:6] == ("合计", None, None, 5, 7, 3)
