"""Thin Celery tasks: load ids, call one service. acks_late / reject_on_worker_lost are global."""

from celery import shared_task

from . import services


@shared_task(name="certificates.issue_batch")
def issue_batch(job_id: int) -> str:
    job = services.issue_run(job_id=job_id)
    return job.status if job else "deleted"


@shared_task(name="certificates.sweep_stale_batches")
def sweep_stale_batches() -> list[int]:
    return services.issue_sweep_stale()
