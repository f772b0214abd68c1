"""周期核定: the county's review of a continuing-education cycle, its locks, carry-over and reopening."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from trainees.models import Region, Teacher

from .audit import audit
from .credits import HUNDREDTH, TENTH, categories_ensure, cycle_for
from .ledger import counted
from .models import CreditEntry, CreditRegistration, CreditTally, CycleResult, CycleReview, Unit

ERR_ALREADY_REVIEWED = "该周期已核定；如需修改请先重新开放"
ERR_REOPEN_REASON = "请填写重新开放的原因"
ERR_NOT_REVIEWED = "该周期尚未核定"
ERR_CATEGORY_FOR_CARRY = "请指定结转学时计入的学分类别"
ERR_IN_PROGRESS = "该周期正在核定，请稍候查看结果"
# A run queued this long ago and never picked up (a lost message, no worker) may be requested again.
STALE_AFTER = dt.timedelta(hours=1)


def _cycle_years(review: CycleReview) -> range:
    return range(review.start_year, review.end_year + 1)


def _retally_next_year(review: CycleReview, teacher_ids: list[int]) -> None:
    """Carry-over rows are ledger rows of the next cycle's first year: where that year is already
    tallied, those teachers' tallies are recomputed from the ledger so they stay equal to its sums."""
    from .credits import tally_credits

    year = review.end_year + 1
    tallied = list(
        CreditTally.objects.filter(year=year, teacher_id__in=teacher_ids).values_list("teacher_id", flat=True)
    )
    if tallied:
        tally_credits(year=year, teacher_ids=tallied, force=True)


def _review_row(*, county: Region, year: int) -> CycleReview:
    """The county's review of the cycle containing `year`, locked (or a new one), with the cycle's
    definition as it stands; refused when that cycle is already reviewed."""
    cycle = cycle_for(county_id=county.pk, year=year)
    existing = CycleReview.objects.select_for_update().filter(county=county, start_year=cycle.start_year).first()
    if existing is not None and existing.status == CycleReview.Status.DONE:
        raise ValidationError(_(ERR_ALREADY_REVIEWED))
    review = existing or CycleReview(county=county, start_year=cycle.start_year)
    review.years, review.unit, review.total = cycle.years, cycle.unit, cycle.total
    return review


@transaction.atomic
def cycle_review_run(
    *,
    county: Region,
    year: int,
    carry_cap: Decimal = Decimal(0),
    grace_until: dt.date | None = None,
    carry_category: Any = None,
    actor: Any,
) -> CycleReview:
    """Review the cycle containing `year`: each teacher's cycle sum from the ledger against the cycle
    total; surplus up to `carry_cap` enters the next cycle's first year as a carry-over row; those short
    get 宽限补修 until `grace_until`; every ledger row and tally of the cycle's years locks."""
    review = _review_row(county=county, year=year)
    review.carry_cap, review.grace_until, review.reviewed_by = carry_cap, grace_until, actor
    review.status, review.reopen_reason, review.error = CycleReview.Status.DONE, "", ""
    review.reviewed_at = timezone.now()
    review.full_clean()
    review.save()
    review.results.all().delete()
    categories = categories_ensure(county=county)
    category = None
    if carry_cap > 0:
        from .credits import category_lookup

        category = category_lookup(county=county, key=carry_category) if carry_category else categories[0]
    field = "credits" if review.unit == Unit.CREDITS else "hours"
    years = _cycle_years(review)
    sums = dict(
        counted(CreditEntry.objects.filter(county=county, year__in=years))
        .values("teacher_id")
        .annotate(s=Sum(field))
        .values_list("teacher_id", "s")
        .order_by()
    )
    results, carries = [], []
    for teacher_id, school_id in Teacher.objects.filter(school__county=county).values_list("pk", "school_id"):
        earned = Decimal(sums.get(teacher_id) or 0).quantize(TENTH)
        met = earned >= review.total
        carried = min(earned - review.total, carry_cap).quantize(TENTH) if met else Decimal(0)
        results.append(
            CycleResult(
                review=review, teacher_id=teacher_id, school_id=school_id, earned=earned, met=met,
                carried=carried, grace=not met and grace_until is not None,
            )
        )  # fmt: skip
        if carried > 0:
            hours = carried if review.unit == Unit.HOURS else (carried * category.hours_per_credit).quantize(TENTH)
            credit = (
                carried if review.unit == Unit.CREDITS else (carried / category.hours_per_credit).quantize(HUNDREDTH)
            )
            carries.append(
                CreditEntry(
                    teacher_id=teacher_id, year=review.end_year + 1, county=county, school_id=school_id,
                    category=category, source_kind=CreditEntry.Source.CARRY_OVER, source_id=review.pk,
                    title=_("%(start)s–%(end)s 周期超额结转") % {"start": review.start_year, "end": review.end_year},
                    hours=hours, credits=credit,
                )
            )  # fmt: skip
    CycleResult.objects.bulk_create(results, batch_size=2000)
    CreditEntry.objects.bulk_create(carries, batch_size=2000)
    _retally_next_year(review, [c.teacher_id for c in carries])
    locked = CreditEntry.objects.filter(county=county, year__in=years).update(locked=True)
    CreditTally.objects.filter(county=county, year__in=years).update(locked=True)
    audit(
        action="cycle_review_run",
        obj=review,
        actor=actor,
        start_year=review.start_year,
        years=review.years,
        carry_cap=carry_cap,
        grace_until=grace_until,
        teachers=len(results),
        met=sum(r.met for r in results),
        locked_rows=locked,
    )
    return review


@transaction.atomic
def cycle_review_reopen(*, review: CycleReview, reason: str, actor: Any) -> CycleReview:
    """Reopen a reviewed cycle: needs a reason (audited); the cycle's rows unlock (corrections stay
    locked), the carry-over rows it wrote into the next cycle are withdrawn."""
    if not reason.strip():
        raise ValidationError({"reason": _(ERR_REOPEN_REASON)})
    review = CycleReview.objects.select_for_update().get(pk=review.pk)
    if review.status != CycleReview.Status.DONE:
        raise ValidationError(_(ERR_NOT_REVIEWED))
    years = _cycle_years(review)
    carries = CreditEntry.objects.filter(source_kind=CreditEntry.Source.CARRY_OVER, source_id=review.pk)
    carried = list(carries.values_list("teacher_id", flat=True))
    carries.delete()
    _retally_next_year(review, carried)
    entries = CreditEntry.objects.filter(county=review.county_id, year__in=years)
    tallies = CreditTally.objects.filter(county=review.county_id, year__in=years)
    entries.exclude(source_kind=CreditEntry.Source.CORRECTION).update(locked=False)
    tallies.update(locked=False)
    # Only the cycle's own lock is lifted: a school's submitted or approved registration keeps its lock.
    registered = CreditRegistration.objects.filter(
        school__county=review.county_id,
        year__in=years,
        status__in=[CreditRegistration.Status.SUBMITTED, CreditRegistration.Status.APPROVED],
    ).values_list("school_id", "year")
    for school_id, year in registered:
        entries.filter(school_id=school_id, year=year).update(locked=True)
        tallies.filter(school_id=school_id, year=year).update(locked=True)
    review.status, review.reopen_reason = CycleReview.Status.REOPENED, reason.strip()
    review.save(update_fields=["status", "reopen_reason"])
    audit(action="cycle_review_reopen", obj=review, actor=actor, reason=reason.strip())
    return review


@transaction.atomic
def cycle_review_request(
    *,
    county: Region,
    year: int,
    carry_cap: Decimal = Decimal(0),
    grace_until: dt.date | None = None,
    carry_category: Any = None,
    actor: Any,
) -> CycleReview:
    """Queue the review of the cycle containing `year` (a county's cycle locks every ledger row of five
    years: long); the Celery task runs `cycle_review_run` with these settings once this commits."""
    from .tasks import run_cycle_review

    review = _review_row(county=county, year=year)
    busy = (CycleReview.Status.QUEUED, CycleReview.Status.RUNNING)
    if review.pk is not None and review.status in busy and review.reviewed_at > timezone.now() - STALE_AFTER:
        raise ValidationError(_(ERR_IN_PROGRESS))
    if carry_cap > 0 and carry_category is not None:
        from .credits import category_lookup

        carry_category = category_lookup(county=county, key=carry_category)
    review.carry_cap, review.grace_until, review.carry_category = carry_cap, grace_until, carry_category
    review.reviewed_by, review.reviewed_at = actor, timezone.now()
    review.status, review.error = CycleReview.Status.QUEUED, ""
    review.full_clean()
    review.save()
    audit(action="cycle_review_request", obj=review, actor=actor, start_year=review.start_year, carry_cap=carry_cap)
    transaction.on_commit(lambda: run_cycle_review.delay(review.pk))
    return review


def cycle_review_execute(*, review: CycleReview) -> CycleReview:
    """Run a queued review with its stored settings; a failure is written on the review for the page."""
    claimed = CycleReview.objects.filter(pk=review.pk, status=CycleReview.Status.QUEUED).update(
        status=CycleReview.Status.RUNNING
    )
    if not claimed:  # already picked up (a redelivery) or withdrawn
        return review
    try:
        return cycle_review_run(
            county=review.county,
            year=review.start_year,
            carry_cap=review.carry_cap,
            grace_until=review.grace_until,
            carry_category=review.carry_category,
            actor=review.reviewed_by,
        )
    except Exception as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else _("核定时出错，请稍后重试")
        CycleReview.objects.filter(pk=review.pk).update(status=CycleReview.Status.FAILED, error=message[:500])
        if isinstance(exc, ValidationError):
            review.refresh_from_db()
            return review
        raise
