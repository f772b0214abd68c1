import threading
import zipfile

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from certificates import services
from certificates.models import Certificate, IssueJob
from tests.factories.certificates import completed, make_course
from tests.factories.registry import TeacherFactory


@pytest.fixture
def batch(world):
    """A course with three eligible trainees of two schools and one below the attendance minimum."""
    sub = make_course(world.county_x, sessions=10)
    completed(sub, world.teacher_a)
    completed(sub, world.teacher_b)
    completed(sub, TeacherFactory(name="赵六", school=world.school_a))
    completed(sub, TeacherFactory(name="缺勤", school=world.school_a), attended=5)
    return sub


def _zip_names(job) -> list[str]:
    with job.file.open("rb") as fh, zipfile.ZipFile(fh) as archive:
        return sorted(archive.namelist())


def test_a_batch_issues_the_eligible_and_zips_their_pdfs(world, batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.issue_request(user=world.staff_x, subproject=batch)
    job.refresh_from_db()
    assert job.status == IssueJob.Status.DONE, job.error
    assert (job.issued, job.eligible, job.progress) == (3, 3, 100)
    names = _zip_names(job)
    assert len(names) == 3 and any(n.startswith("甲县一小/") and n.endswith("-张三.pdf") for n in names)
    assert "缺勤" not in "".join(names)


def test_a_second_batch_issues_nothing_new_and_stores_no_pdf_twice(world, batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.issue_request(user=world.staff_x, subproject=batch)
    files = sorted(Certificate.objects.values_list("file", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        second = services.issue_request(user=world.staff_x, subproject=batch)
    second.refresh_from_db()
    assert second.issued == 0 and second.status == IssueJob.Status.DONE
    assert sorted(Certificate.objects.values_list("file", flat=True)) == files
    first.refresh_from_db()
    assert _zip_names(first) == _zip_names(second)


def test_a_revoked_certificate_is_not_issued_again_by_a_batch(world, batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_request(user=world.staff_x, subproject=batch)
    cert = Certificate.objects.get(holder_name="张三")
    services.certificate_revoke(certificate=cert, reason="错发", actor=world.staff_x)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.issue_request(user=world.staff_x, subproject=batch)
    job.refresh_from_db()
    assert job.issued == 0 and len(_zip_names(job)) == 2


def test_the_request_is_stored_and_enqueued_only_on_commit(world, batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.issue_request(user=world.staff_x, subproject=batch)
    assert IssueJob.objects.get(pk=job.pk).status == IssueJob.Status.QUEUED
    assert len(callbacks) == 1 and Certificate.objects.count() == 0


def test_a_second_request_while_one_is_queued_is_refused(world, batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        services.issue_request(user=world.staff_x, subproject=batch)
    with pytest.raises(ValidationError) as exc:
        services.issue_request(user=world.staff_x, subproject=batch)
    assert exc.value.messages == [services.ERR_JOB_RUNNING]


def test_a_failed_render_leaves_no_half_written_certificate(world, batch, monkeypatch):
    from certificates import pdf

    calls = {"n": 0}
    real = pdf.certificate_pdf

    def second_fails(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("字体缺失")
        return real(*args, **kwargs)

    # The renderer is the collaborator here, not the code under test: the job's bookkeeping is.
    monkeypatch.setattr(pdf, "certificate_pdf", second_fails)
    job = services.issue_request_for_command(subproject=batch, county=world.county_x)
    job = services.issue_run(job_id=job.pk)
    assert job.status == IssueJob.Status.FAILED and "字体缺失" in job.error
    assert Certificate.objects.count() == 1
    monkeypatch.setattr(pdf, "certificate_pdf", real)
    job = services.issue_run(job_id=job.pk)  # the retry issues the rest
    assert job.status == IssueJob.Status.DONE and Certificate.objects.count() == 3


def test_the_command_issues_writes_the_pdfs_and_zip_and_is_idempotent(world, batch, tmp_path, capsys):
    tmp_path = tmp_path / "out"  # the media root lies beside it
    args = ["--year", "2026", "--program", batch.program.name, "--subproject", batch.name, "--out", str(tmp_path)]
    call_command("issue_certificates", *args)
    assert "本次发放 3 份" in capsys.readouterr().out
    pdfs = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.pdf"))
    assert len(pdfs) == 3 and len(list(tmp_path.glob("*.zip"))) == 1
    call_command("issue_certificates", *args)
    assert "本次发放 0 份" in capsys.readouterr().out
    assert Certificate.objects.count() == 3
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.pdf")) == pdfs


def test_the_command_says_so_when_the_sub_project_is_unknown(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="找不到唯一的子项目"):
        call_command(
            "issue_certificates", "--year", "2026", "--program", "无", "--subproject", "无", "--out", str(tmp_path)
        )


def test_the_issue_button_and_the_zip_download_are_scoped(client_for, world, batch, django_capture_on_commit_callbacks):
    client = client_for(world.staff_x)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates:subproject_issue", args=[batch.pk]))
    assert response.status_code == 302
    job = IssueJob.objects.get()
    download = client.get(reverse("certificates:job_download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    status = client.get(reverse("certificates:job_status", args=[job.pk])).json()
    assert status["status"] == "done" and status["issued"] == 3
    assert client_for(world.staff_y).get(reverse("certificates:job_download", args=[job.pk])).status_code == 404
    assert client_for(world.coord_a).post(reverse("certificates:subproject_issue", args=[batch.pk])).status_code == 403


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_batch_runs_once_through_a_real_worker_and_broker(world, batch, celery_broker):
    finished = threading.Event()

    def on_done(sender=None, **kwargs):
        if sender is not None and sender.name == "certificates.issue_batch":
            finished.set()

    task_postrun.connect(on_done, weak=False)
    try:
        with start_worker(celery_broker, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            job = services.issue_request(user=world.staff_x, subproject=batch)
            assert finished.wait(timeout=120), "the worker did not run the batch"
    finally:
        task_postrun.disconnect(on_done)
    job.refresh_from_db()
    assert job.status == IssueJob.Status.DONE, job.error
    assert (job.issued, job.attempts) == (3, 1)
    assert len(_zip_names(job)) == 3


def test_a_request_whose_message_was_lost_is_swept_and_run(world, batch, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    lost = services.issue_request_for_command(subproject=batch, county=world.county_x)
    IssueJob.objects.filter(pk=lost.pk).update(enqueued_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.issue_sweep_stale() == [lost.pk]
    lost.refresh_from_db()
    assert lost.status == IssueJob.Status.DONE and lost.issued == 3
    assert services.issue_sweep_stale() == []


def test_a_batch_whose_worker_died_is_swept_and_issues_only_the_rest(world, batch, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    from certificates.models import Certificate

    job = services.issue_request_for_command(subproject=batch, county=world.county_x)
    # The worker issued one certificate, then died: the job stays RUNNING past the hard time limit.
    first = services.batch_enrolments(subproject=batch, county=world.county_x).first()
    services._completion(first, county=world.county_x, actor=None, printing=services.Printing.of(world.county_x))
    IssueJob.objects.filter(pk=job.pk).update(
        status=IssueJob.Status.RUNNING, started_at=timezone.now() - dt.timedelta(hours=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.issue_sweep_stale() == [job.pk]
    job.refresh_from_db()
    assert job.status == IssueJob.Status.DONE and job.issued == 2  # the two not yet issued
    assert Certificate.objects.filter(enrolment__subproject=batch, status=Certificate.Status.VALID).count() == 3
    assert len(_zip_names(job)) == 3


def test_a_batch_running_within_the_time_limit_is_left_alone(world, batch):
    from django.utils import timezone

    job = services.issue_request_for_command(subproject=batch, county=world.county_x)
    IssueJob.objects.filter(pk=job.pk).update(status=IssueJob.Status.RUNNING, started_at=timezone.now())
    assert services.issue_sweep_stale() == []
