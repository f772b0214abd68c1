"""周期核定: the county's review of a continuing-education cycle, its locks, carry-over and reopening."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
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


def _cycle_years(review: CycleReview) -> range:
    return range(review.start_year, review.end_year + 1)


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
    cycle = cycle_for(county_id=county.pk, year=year)
    existing = CycleReview.objects.select_for_update().filter(county=county, start_year=cycle.start_year).first()
    if existing is not None and existing.status == CycleReview.Status.DONE:
        raise ValidationError(_(ERR_ALREADY_REVIEWED))
    review = existing or CycleReview(county=county, start_year=cycle.start_year)
    review.years, review.unit, review.total = cycle.years, cycle.unit, cycle.total
    review.carry_cap, review.grace_until, review.reviewed_by = carry_cap, grace_until, actor
    review.status, review.reopen_reason = CycleReview.Status.DONE, ""
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
    CreditEntry.objects.filter(source_kind=CreditEntry.Source.CARRY_OVER, source_id=review.pk).delete()
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
