"""Celery tasks of the outreach app: thin wrappers that load rows and call one service."""

from celery import shared_task

from . import services
from .models import ResourcePack


@shared_task(bind=True, max_retries=2, default_retry_delay=30)
def build_resource_pack(self, pack_id: int) -> None:
    pack = ResourcePack.objects.filter(pk=pack_id, status=ResourcePack.Status.PENDING).first()
    if pack is None:  # already built, or the request was rolled back
        return
    try:
        services.pack_build(pack=pack)
    except OSError as exc:  # storage hiccups are worth another try
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc) from exc
        services.pack_fail(pack_id=pack_id, error=type(exc).__name__)
        raise
    except Exception as exc:
        # Anything else will not get better by retrying; the page must not show "排队中" forever.
        services.pack_fail(pack_id=pack_id, error=type(exc).__name__)
        raise


@shared_task(name="outreach.weekly_workshop_bulletins")
def weekly_workshop_bulletins() -> int:
    """Celery beat, Monday mornings: each workshop's progress bulletin for its host."""
    return services.workshop_bulletins_weekly()
