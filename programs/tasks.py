from celery import shared_task

from . import notices, services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notices(notice_ids: list[int]) -> int:
    """E-mail stored notices; a notice already e-mailed is skipped, so a retry sends nothing twice."""
    return services.notices_email(notice_ids=notice_ids)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notice_sms(notice_ids: list[int]) -> int:
    """Text stored notices to teachers' phones; a notice already texted is skipped on a retry."""
    return notices.notices_sms(notice_ids=notice_ids)
