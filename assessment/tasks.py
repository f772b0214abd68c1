from celery import shared_task

from .credits import tally_run_execute
from .models import TallyRun


@shared_task
def run_tally(run_id: int) -> int:
    """Run one queued tally; progress is written to the TallyRun row the page polls."""
    run = TallyRun.objects.filter(pk=run_id, status=TallyRun.Status.QUEUED).first()
    if run is None:  # already picked up (a redelivery after acks_late) or deleted
        return 0
    return tally_run_execute(run=run).written
