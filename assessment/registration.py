"""学分审核登记: the school submits its teachers' tallies, the county approves or returns them."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from trainees.models import School

from .audit import audit
from .credits import HUNDREDTH, TALLY_FIELDS, _q, category_lookup, tally_credits
from .ledger import teacher_year_sums
from .models import CreditEntry, CreditRegistration, CreditTally, TallyCorrection

ERR_ALREADY_SUBMITTED = "本年度学分已提交或已审核"
ERR_NOT_SUBMITTED = "只能处理已提交的登记"
ERR_REASON_REQUIRED = "请填写原因"
ERR_NO_TALLIES = "本校本年度还没有学时统计，请先计算学时"
ERR_NOT_LOCKED = "只有已审核的记录需要更正；未审核的记录请退回后重新计算学时"
ERR_NEGATIVE = "学时不能为负数"

Status = CreditRegistration.Status


@transaction.atomic
def registration_submit(*, school: School, year: int, actor: Any) -> CreditRegistration:
    if not CreditTally.objects.filter(school=school, year=year).exists():
        raise ValidationError(ERR_NO_TALLIES)
    registration = CreditRegistration.objects.select_for_update().filter(school=school, year=year).first()
    if registration is not None and registration.status != Status.RETURNED:
        raise ValidationError(ERR_ALREADY_SUBMITTED)
    registration = registration or CreditRegistration(school=school, year=year)
    registration.status, registration.reason = Status.SUBMITTED, ""
    registration.submitted_by, registration.submitted_at = actor, timezone.now()
    registration.save()
    # What the coordinator reviewed is what the county decides on: the tally leaves these rows alone.
    count = CreditTally.objects.filter(school=school, year=year).update(locked=True)
    CreditEntry.objects.filter(school=school, year=year).update(locked=True)
    audit(action="registration_submit", obj=registration, actor=actor, year=year, tallies=count)
    return registration


def _pending(registration: CreditRegistration) -> CreditRegistration:
    locked = CreditRegistration.objects.select_for_update().get(pk=registration.pk)
    if locked.status != Status.SUBMITTED:
        raise ValidationError(ERR_NOT_SUBMITTED)
    return locked


@transaction.atomic
def registration_approve(*, registration: CreditRegistration, actor: Any) -> CreditRegistration:
    """Approve: the school's tallies for the year stay locked for good; changes need a correction."""
    registration = _pending(registration)
    registration.status, registration.decided_by, registration.decided_at = Status.APPROVED, actor, timezone.now()
    registration.save(update_fields=["status", "decided_by", "decided_at"])
    count = CreditTally.objects.filter(school=registration.school_id, year=registration.year).update(locked=True)
    CreditEntry.objects.filter(school=registration.school_id, year=registration.year).update(locked=True)
    audit(action="registration_approve", obj=registration, actor=actor, tallies=count)
    return registration


@transaction.atomic
def registration_return(*, registration: CreditRegistration, reason: str, actor: Any) -> CreditRegistration:
    if not reason.strip():
        raise ValidationError(ERR_REASON_REQUIRED)
    registration = _pending(registration)
    registration.status, registration.reason = Status.RETURNED, reason.strip()
    registration.decided_by, registration.decided_at = actor, timezone.now()
    registration.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    # Returned for fixing: the next tally may update the figures again.
    CreditTally.objects.filter(school=registration.school_id, year=registration.year).update(locked=False)
    # Corrections stay locked: they are decisions, not figures the rebuild recomputes.
    CreditEntry.objects.filter(school=registration.school_id, year=registration.year).exclude(
        source_kind=CreditEntry.Source.CORRECTION
    ).update(locked=False)
    audit(action="registration_return", obj=registration, actor=actor, reason=reason)
    return registration


def _snapshot(tally: CreditTally) -> dict[str, Any]:
    return {
        f: str(getattr(tally, f)) if not isinstance(getattr(tally, f), bool) else getattr(tally, f)
        for f in TALLY_FIELDS
    }


@transaction.atomic
def tally_correct(*, tally: CreditTally, reason: str, actor: Any, hours: Mapping[Any, Decimal]) -> TallyCorrection:
    """Correct an approved tally: the new hours per category (categories not named keep theirs). The
    difference enters the ledger as correction rows, locked; the tally is recomputed from the ledger."""
    if not reason.strip():
        raise ValidationError(ERR_REASON_REQUIRED)
    tally = CreditTally.objects.select_for_update().get(pk=tally.pk)
    approved = CreditRegistration.objects.filter(
        school=tally.school_id, year=tally.year, status=Status.APPROVED
    ).exists()
    if not approved:
        raise ValidationError(ERR_NOT_LOCKED)
    wanted = {category_lookup(county=tally.county, key=k): _q(v) for k, v in hours.items()}
    if any(v < 0 for v in wanted.values()):
        raise ValidationError(ERR_NEGATIVE)
    old = _snapshot(tally)
    correction = TallyCorrection.objects.create(
        tally=tally, reason=reason.strip(), old_values=old, new_values={}, actor=actor
    )
    current = teacher_year_sums(teacher_ids=[tally.teacher_id], year=tally.year).get(tally.teacher_id, {})
    for category, value in wanted.items():
        have = current.get(category.pk, {"hours": Decimal(0), "credits": Decimal(0)})
        delta = _q(value - have["hours"])
        if delta == 0:
            continue
        credits = _q(_q(value / category.hours_per_credit, HUNDREDTH) - have["credits"], HUNDREDTH)
        entry = CreditEntry(
            teacher_id=tally.teacher_id,
            year=tally.year,
            county_id=tally.county_id,
            school_id=tally.school_id,
            category=category,
            source_kind=CreditEntry.Source.CORRECTION,
            source_id=correction.pk,
            title=reason.strip()[:200],
            hours=delta,
            credits=credits,
            locked=True,
        )
        entry.full_clean()
        entry.save()
    tally_credits(year=tally.year, teacher_ids=[tally.teacher_id], force=True)
    tally.refresh_from_db()
    correction.new_values = _snapshot(tally)
    correction.save(update_fields=["new_values"])
    audit(action="tally_correct", obj=tally, actor=actor, reason=reason, old=old, new=correction.new_values)
    return correction
