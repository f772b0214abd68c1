"""Thin Celery tasks: load ids, call one service. acks_late / reject_on_worker_lost are global."""

from celery import shared_task

from . import services


@shared_task(name="certificates.issue_batch")
def issue_batch(job_id: int) -> str:
    job = services.issue_run(job_id=job_id)
    return job.status if job else "deleted"
