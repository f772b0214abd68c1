"""Thin Celery tasks: load ids, call one service. acks_late / reject_on_worker_lost are global."""

from celery import shared_task

from . import services


@shared_task(name="reports.export_annual_summary")
def export_annual_summary(job_id: int) -> str:
    job = services.export_run(job_id=job_id)
    return job.status if job else "deleted"


@shared_task(name="reports.sweep_stale_exports")
def sweep_stale_exports() -> list[int]:
    return services.export_sweep_stale()
