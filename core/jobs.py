"""Background jobs that build one file (the annual summary workbook, a sub-project's certificate zip).

The row is stored before its task is enqueued, so nothing is lost; the task runs it (`run`), building
the file beside its final name and renaming it into place (`built_file`); a page polls its status
(`status_response`) and downloads the file (`file_response`) after its own scoped lookup; a beat task
enqueues again the jobs whose message or worker was lost (`sweep_stale`). Each app keeps its model,
its services (what the job builds) and its thin tasks; routing stays in config/queues.py.
"""

import datetime as dt
import logging
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_ERROR = 2000


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class Job(models.Model):
    """The fields every file-building job shares. A concrete job adds `file` (a FileField),
    `requested_by`, `enqueued_at`, `started_at`, `finished_at`, `attempts` and `download_name`."""

    Status = JobStatus

    status = models.CharField(_("状态"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        abstract = True


J = TypeVar("J", bound=Job)
Enqueue = Callable[[int], Any]


def start(job: J, *, enqueue: Enqueue | None) -> J:
    """Store a new job and enqueue it once the row is committed (`enqueue(job_id)`); without `enqueue`
    the caller runs it in-process (a command), and should that process die the sweeper takes over."""
    job.enqueued_at = timezone.now()
    job.full_clean(exclude=["file"])
    job.save()
    if enqueue is not None:
        transaction.on_commit(partial(enqueue, job.pk))
    return job


def run(
    model: type[J],
    job_id: int,
    *,
    build: Callable[[J], Mapping[str, Any]],
    related: tuple[str, ...] = (),
    logger: logging.Logger,
) -> J | None:
    """Run a job: mark it running, `build(job)` its file, answering the fields to record when done
    (`file`, the storage name, at least), then mark it done. A failure is recorded on the row and
    logged, not re-raised, so no broker retry loops on a bad job.

    Idempotent: a done job whose file exists is left alone; a re-run (retry, redelivery, sweeper)
    builds again into the same name. None for a job deleted before or while it ran (its file removed)."""
    job = model.objects.select_related(*related).filter(pk=job_id).first()
    if job is None:
        return None  # deleted before its turn came
    if job.status == JobStatus.DONE and job.file and default_storage.exists(job.file.name):
        return job
    rows = model.objects.filter(pk=job_id)
    rows.update(status=JobStatus.RUNNING, started_at=timezone.now(), progress=0, error="", attempts=job.attempts + 1)
    try:
        fields = dict(build(job))
    except Exception as exc:
        # A concurrent duplicate run (redelivery next to a sweep) may have finished the job already.
        rows.exclude(status=JobStatus.DONE).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
        )
        logger.exception("job %s %s failed", model._meta.label, job_id)
        job.refresh_from_db()
        return job
    if not rows.update(status=JobStatus.DONE, progress=100, finished_at=timezone.now(), **fields):
        default_storage.delete(fields["file"])  # deleted while it ran: leave no orphan file
        return None
    job.refresh_from_db()
    return job


@contextmanager
def built_file(name: str) -> Iterator[Path]:
    """A temporary path beside the storage file `name`, renamed onto it when the block completes: no
    reader ever sees half a file, and a re-run replaces the file instead of adding another."""
    final = Path(default_storage.path(name))
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.part")
    try:
        yield temp
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    # Parts left by a worker killed in an earlier attempt are hidden files; clear them now.
    for leftover in final.parent.glob(f".{final.name}.*.part"):
        leftover.unlink(missing_ok=True)


def status_response(job: Job, *, download: str, **extra: Any) -> JsonResponse:
    """What a page's poller reads: the state and its label, the percentage, `extra` figures, the
    file's address (URL name `download`, the job's pk) once done and the error once failed."""
    return JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "progress": job.progress,
            **extra,
            "download": reverse(download, args=[job.pk]) if job.status == JobStatus.DONE else None,
            "error": job.error if job.status == JobStatus.FAILED else "",
        }
    )


def file_response(job: Job, *, content_type: str | None = None) -> FileResponse:
    """The done job's file, as an attachment named `job.download_name`; 404 before then or once gone.

    Called after the view's scoped lookup of the job: outsiders have had their 404 there."""
    if job.status != JobStatus.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=job.download_name, content_type=content_type)


def worker_lost_after() -> dt.timedelta:
    """A job still running this long after it started lost its worker: Celery's hard time limit would
    have ended the task before (plus a margin for the last write)."""
    from django.conf import settings

    return dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 5 * 60)


def sweep_stale(
    model: type[Job],
    *,
    enqueue: Enqueue,
    queued_for: dt.timedelta,
    running_for: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> list[int]:
    """Enqueue again the jobs whose message was lost (queued longer than `queued_for`) and those whose
    worker died (running longer than `running_for`, by default `worker_lost_after()`); the ids swept.
    Every job's build must therefore be idempotent: a swept job may have done part of its work."""
    now = now or timezone.now()
    running_for = running_for or worker_lost_after()
    stale = Q(status=JobStatus.QUEUED, enqueued_at__lt=now - queued_for) | Q(
        status=JobStatus.RUNNING, started_at__lt=now - running_for
    )
    swept = []
    for job_id in model.objects.filter(stale).values_list("pk", flat=True):
        with transaction.atomic():
            # Checked again in the UPDATE: the job may have started or finished since it was listed.
            if model.objects.filter(stale, pk=job_id).update(
                status=JobStatus.QUEUED, enqueued_at=now, progress=0, started_at=None
            ):
                transaction.on_commit(partial(enqueue, job_id))
                swept.append(job_id)
    return swept
