from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notices(notice_ids: list[int]) -> int:
    """E-mail stored notices; a notice already e-mailed is skipped, so a retry sends nothing twice."""
    return services.notices_email(notice_ids=notice_ids)
