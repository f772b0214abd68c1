"""学分审核登记: the school submits its teachers' tallies, the county approves or returns them."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from trainees.models import School

from .audit import audit
from .credits import TALLY_FIELDS, _q, assess_against, credit_settings_for
from .models import CreditRegistration, CreditRequirement, CreditTally, TallyCorrection

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
    audit(action="registration_return", obj=registration, actor=actor, reason=reason)
    return registration


def _snapshot(tally: CreditTally) -> dict[str, Any]:
    return {
        f: str(getattr(tally, f)) if not isinstance(getattr(tally, f), bool) else getattr(tally, f)
        for f in TALLY_FIELDS
    }


@transaction.atomic
def tally_correct(
    *,
    tally: CreditTally,
    reason: str,
    actor: Any,
    centralized_hours: Decimal,
    online_hours: Decimal,
    school_based_hours: Decimal,
) -> TallyCorrection:
    """Correct an approved tally: needs a reason, keeps the old values, recomputes 达标 and credits."""
    if not reason.strip():
        raise ValidationError(ERR_REASON_REQUIRED)
    tally = CreditTally.objects.select_for_update().get(pk=tally.pk)
    approved = CreditRegistration.objects.filter(
        school=tally.school_id, year=tally.year, status=Status.APPROVED
    ).exists()
    if not approved:
        raise ValidationError(ERR_NOT_LOCKED)
    hours = {
        "centralized_hours": _q(centralized_hours),
        "online_hours": _q(online_hours),
        "school_based_hours": _q(school_based_hours),
    }
    if any(v < 0 for v in hours.values()):
        raise ValidationError(ERR_NEGATIVE)
    old = _snapshot(tally)
    requirement = CreditRequirement.objects.filter(county=tally.county_id, year=tally.year).first()
    for field, value in hours.items():
        setattr(tally, field, value)
    tally.total_hours = sum(hours.values())
    tally.credits = _q(tally.total_hours / credit_settings_for(tally.county).hours_per_credit, Decimal("0.01"))
    tally.met, tally.shortfall_hours = assess_against(requirement, hours)
    tally.save(update_fields=[*TALLY_FIELDS, "computed_at"])
    correction = TallyCorrection.objects.create(
        tally=tally, reason=reason.strip(), old_values=old, new_values=_snapshot(tally), actor=actor
    )
    audit(action="tally_correct", obj=tally, actor=actor, reason=reason, old=old, new=correction.new_values)
    return correction
