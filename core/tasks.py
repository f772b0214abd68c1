"""Thin Celery tasks for imports: load ids, call one service."""

from celery import shared_task

from . import services


@shared_task(name="core.check_import")
def check_import(upload_id: int) -> str:
    record = services.import_upload_check(record_id=upload_id)
    return record.status if record else "deleted"


@shared_task(name="core.expire_import_files")
def expire_import_files() -> int:
    return services.import_files_expire()
