from celery import shared_task

from . import import_notices, notices, services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notices(notice_ids: list[int]) -> int:
    """E-mail stored notices; a notice already e-mailed is skipped, so a retry sends nothing twice."""
    return services.notices_email(notice_ids=notice_ids)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notice_sms(notice_ids: list[int]) -> int:
    """Text stored notices to teachers' phones; a notice already texted is skipped on a retry."""
    return notices.notices_sms(notice_ids=notice_ids)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def deliver_pending_notices(pending_ids: list[int]) -> int:
    """Make the notices a large import owes, after its commit; a row delivered already is skipped."""
    return sum(import_notices.pending_notices_deliver(pending_id=pk) for pk in pending_ids)


@shared_task(name="programs.sweep_pending_notices")
def sweep_pending_notices() -> int:
    """Deliver owed notices whose task never ran (the broker was down when the import committed)."""
    return import_notices.pending_notices_sweep()
