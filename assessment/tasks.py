from celery import shared_task

from .claims import claims_publicity_finalise
from .credits import tally_run_execute
from .models import TallyRun


@shared_task
def run_cycle_review(review_id: int) -> int:
    """Run one queued 周期核定; its status on the CycleReview row is what the result page shows."""
    from .cycles import cycle_review_execute
    from .models import CycleReview

    review = CycleReview.objects.select_related("county", "carry_category", "reviewed_by").filter(pk=review_id).first()
    if review is None:
        return 0
    return cycle_review_execute(review=review).pk


@shared_task
def run_tally(run_id: int) -> int:
    """Run one queued tally; progress is written to the TallyRun row the page polls."""
    run = TallyRun.objects.filter(pk=run_id, status=TallyRun.Status.QUEUED).first()
    if run is None:  # already picked up (a redelivery after acks_late) or deleted
        return 0
    return tally_run_execute(run=run).written


@shared_task(name="assessment.finalise_claim_publicity")
def finalise_claim_publicity() -> int:
    """Celery beat, daily: claims whose 公示 has ended are counted."""
    return claims_publicity_finalise()
