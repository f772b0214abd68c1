"""Self-study claims 学分申报: every write of the claim table and of a claim's way to the ledger.

A teacher claims an item of the county's table with evidence; the coordinator of the teacher's school
reviews it (初审), the county decides (复核). An approval writes the claim's ledger row: counted at once,
or 公示中 (pending, not in any total) until the county's publicity period ends, when
`claims_publicity_finalise` counts it; during 公示 anyone of the county (a teacher, a coordinator) may
raise an objection 异议, which the county decides: upheld, the claim is revoked and its row deleted;
dismissed, it is counted when 公示 ends (a claim with an objection still open waits for the decision). Ledger rows of claims are never touched by the ledger's rebuild (ledger.REBUILT_KINDS).
"""

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from core.scoping import COUNTY, SCHOOL, SELF, scope_of
from outreach.uploads import check_upload, stored_name
from trainees.models import Region, Teacher

from .audit import audit
from .credits import credit_settings_for, ledger_refresh
from .models import (
    ClaimEvidence,
    ClaimItem,
    ClaimObjection,
    CountyCreditCategory,
    CreditClaim,
    CreditEntry,
    CreditTally,
    Unit,
)

ERR_ITEM_INACTIVE = "该申报项目已停用"
ERR_ITEM_OTHER_COUNTY = "只能申报本县区学分申报表中的项目"
ERR_QUANTITY = "数量须大于 0"
ERR_OVER_YEARLY_MAX = "超过该项目每年上限（上限 {max}，本年度已申报 {used}）"
ERR_NO_EVIDENCE = "请上传证明材料"
ERR_TOO_MANY_FILES = "附件最多 {limit} 个"
ERR_NOT_WITHDRAWABLE = "已审核的申报不能撤回"
ERR_NOT_WAITING_SCHOOL = "该申报不在待初审状态"
ERR_NOT_WAITING_COUNTY = "该申报不在待复核状态"
ERR_NOT_IN_PUBLICITY = "该申报不在公示期内"
ERR_REASON_REQUIRED = "请填写原因"
ERR_NOT_OWN = "只能申报、撤回自己的学分"
ERR_NOT_SCHOOL_REVIEWER = "只有该教师所在学校的联络员可以初审"
ERR_NOT_COUNTY_REVIEWER = "只有该县区培训中心可以复核"
ERR_CATEGORY_OTHER_COUNTY = "学分类别不属于本县区"
ERR_OBJECT_OWN = "不能对自己的申报提出异议"
ERR_OBJECT_WHO = "只有本县区的教师和学校联络员可以对公示提出异议"
ERR_PUBLICITY_OVER = "公示期已结束，不能再提出异议"
ERR_OBJECTION_DECIDED = "该异议已处理"
ERR_YEAR_LOCKED = "该教师本年度学分已提交登记或已审核锁定，不能再计入申报学分；如需补记请由县培训中心更正"

MAX_FILES = 5
TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


def claim_amounts(*, item: ClaimItem, quantity: Decimal) -> tuple[Decimal, Decimal]:
    """(学时, 学分) a claim of `quantity` units earns: the item's unit, the other by its category's rate."""
    rate = item.category.hours_per_credit
    amount = item.amount * quantity
    if item.unit == Unit.HOURS:
        hours = amount.quantize(TENTH, ROUND_HALF_UP)
        return hours, (hours / rate).quantize(HUNDREDTH, ROUND_HALF_UP)
    credits = amount.quantize(HUNDREDTH, ROUND_HALF_UP)
    return (credits * rate).quantize(TENTH, ROUND_HALF_UP), credits


# ---------------------------------------------------------------------------------------------
# The claim table


@transaction.atomic
def claim_item_save(
    *,
    county: Region,
    actor: Any,
    item: ClaimItem | None = None,
    name: str,
    kind: str,
    category: CountyCreditCategory,
    unit: str,
    amount: Decimal,
    per: str = "",
    max_per_year: Decimal | None = None,
    active: bool = True,
) -> ClaimItem:
    """Add a line to the county's claim table or change one (claims already made keep their amounts)."""
    if category.county_id != county.pk:
        raise ValidationError({"category": _(ERR_CATEGORY_OTHER_COUNTY)})
    created = item is None
    item = item or ClaimItem(county=county)
    item.name, item.kind, item.category, item.unit = name.strip(), kind, category, unit
    item.amount, item.per, item.max_per_year, item.active = amount, per.strip(), max_per_year, active
    item.full_clean()
    item.save()
    audit(
        action="claim_item_create" if created else "claim_item_update",
        obj=item,
        actor=actor,
        name=item.name,
        kind=kind,
        category=category.pk,
        unit=unit,
        amount=amount,
        per=item.per,
        max_per_year=max_per_year,
        active=active,
    )
    return item


@transaction.atomic
def claim_item_set_active(*, item: ClaimItem, active: bool, actor: Any) -> ClaimItem:
    """停用 or 启用 a line: a stopped line takes no new claims; claims made under it go on."""
    item.active = active
    item.save(update_fields=["active", "updated_at"])
    audit(action="claim_item_activate" if active else "claim_item_deactivate", obj=item, actor=actor)
    return item


# ---------------------------------------------------------------------------------------------
# The teacher's side


def _teacher_of(actor: Any) -> int | None:
    scope = scope_of(actor)
    return scope.teacher_id if scope.kind == SELF else None


def _year_locked(*, teacher_id: int, year: int) -> bool:
    """The teacher's tally of the year is locked (registration submitted or approved): a new row would
    not reach it, so the claim is refused rather than counted nowhere."""
    return CreditTally.objects.filter(teacher_id=teacher_id, year=year, locked=True).exists()


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}"  # 10, not 1E+1


def _used_this_year(*, teacher: Teacher, item: ClaimItem, year: int) -> Decimal:
    """The units × amount of the teacher's live claims of this item in the year, in the item's unit."""
    qs = CreditClaim.objects.filter(teacher=teacher, item=item, year=year, status__in=CreditClaim.LIVE)
    units = qs.aggregate(n=Sum("quantity"))["n"] or Decimal(0)
    return units * item.amount


@transaction.atomic
def claim_submit(
    *,
    teacher: Teacher,
    item: ClaimItem,
    year: int,
    quantity: Decimal,
    description: str,
    files: Sequence[Any],
    actor: Any,
) -> CreditClaim:
    """A teacher claims an item of their county's table with evidence; it waits for the school's 初审."""
    if _teacher_of(actor) != teacher.pk:
        raise PermissionDenied(ERR_NOT_OWN)
    # One teacher's claims are checked against the yearly limit one at a time.
    teacher = Teacher.objects.select_for_update().select_related("school").get(pk=teacher.pk)
    item = ClaimItem.objects.select_related("category").get(pk=item.pk)
    if item.county_id != teacher.school.county_id:
        raise ValidationError({"item": _(ERR_ITEM_OTHER_COUNTY)})
    if not item.active:
        raise ValidationError({"item": _(ERR_ITEM_INACTIVE)})
    if quantity is None or quantity <= 0:
        raise ValidationError({"quantity": _(ERR_QUANTITY)})
    if _year_locked(teacher_id=teacher.pk, year=year):
        raise ValidationError({"year": _(ERR_YEAR_LOCKED)})
    if item.max_per_year is not None:
        used = _used_this_year(teacher=teacher, item=item, year=year)
        if used + quantity * item.amount > item.max_per_year:
            raise ValidationError(
                {"quantity": _(ERR_OVER_YEARLY_MAX).format(max=_plain(item.max_per_year), used=_plain(used))}
            )
    if not files:
        raise ValidationError({"files": _(ERR_NO_EVIDENCE)})
    if len(files) > MAX_FILES:
        raise ValidationError({"files": _(ERR_TOO_MANY_FILES).format(limit=MAX_FILES)})
    checked = []
    for upload in files:
        try:
            checked.append(check_upload(upload))  # refuse before anything is written
        except ValidationError as exc:
            raise ValidationError({"files": exc.messages}) from exc
    hours, credits = claim_amounts(item=item, quantity=quantity)
    claim = CreditClaim(
        teacher=teacher,
        school=teacher.school,
        county_id=teacher.school.county_id,
        year=year,
        item=item,
        quantity=quantity,
        description=description.strip(),
        hours=hours,
        credits=credits,
        submitted_by=actor,
    )
    claim.full_clean()
    claim.save()
    for upload, info in zip(files, checked, strict=True):
        evidence = ClaimEvidence(claim=claim, original_name=info.original_name, file_type=info.file_type, size=info.size)
        evidence.file.save(stored_name(info), upload, save=False)
        evidence.save()
    audit(
        action="claim_submit",
        obj=claim,
        actor=actor,
        item=item.pk,
        quantity=quantity,
        hours=hours,
        credits=credits,
        files=[c.original_name for c in checked],
    )
    return claim


def _locked(claim: CreditClaim) -> CreditClaim:
    return CreditClaim.objects.select_for_update().select_related("item__category", "teacher").get(pk=claim.pk)


@transaction.atomic
def claim_withdraw(*, claim: CreditClaim, actor: Any) -> CreditClaim:
    """The teacher takes back a claim nobody has decided on yet."""
    claim = _locked(claim)
    if _teacher_of(actor) != claim.teacher_id:
        raise PermissionDenied(ERR_NOT_OWN)
    if claim.status != CreditClaim.Status.SUBMITTED:
        raise ValidationError(_(ERR_NOT_WITHDRAWABLE))
    claim.status = CreditClaim.Status.WITHDRAWN
    claim.save(update_fields=["status", "updated_at"])
    audit(action="claim_withdraw", obj=claim, actor=actor)
    return claim


# ---------------------------------------------------------------------------------------------
# 初审 by the school, 复核 by the county


def _require_school_reviewer(claim: CreditClaim, actor: Any) -> None:
    scope = scope_of(actor)
    if scope.kind != SCHOOL or actor.role != Role.COORDINATOR or scope.school_id != claim.school_id:
        raise PermissionDenied(ERR_NOT_SCHOOL_REVIEWER)


def _require_county_reviewer(claim: CreditClaim, actor: Any) -> None:
    scope = scope_of(actor)
    if scope.kind != COUNTY or scope.county_id != claim.county_id:
        raise PermissionDenied(ERR_NOT_COUNTY_REVIEWER)


@transaction.atomic
def claim_school_review(*, claim: CreditClaim, approve: bool, comment: str = "", actor: Any) -> CreditClaim:
    """初审: the coordinator of the claim's school passes it on to the county or refuses it with a reason."""
    claim = _locked(claim)
    _require_school_reviewer(claim, actor)
    if claim.status != CreditClaim.Status.SUBMITTED:
        raise ValidationError(_(ERR_NOT_WAITING_SCHOOL))
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": _(ERR_REASON_REQUIRED)})
    claim.status = CreditClaim.Status.SCHOOL_APPROVED if approve else CreditClaim.Status.SCHOOL_REJECTED
    claim.school_reviewer, claim.school_reviewed_at, claim.school_comment = actor, timezone.now(), comment
    claim.full_clean()
    claim.save(update_fields=["status", "school_reviewer", "school_reviewed_at", "school_comment", "updated_at"])
    audit(action="claim_school_review", obj=claim, actor=actor, approve=approve, comment=comment)
    return claim


def _write_entry(claim: CreditClaim, *, status: str) -> CreditEntry:
    entry = CreditEntry(
        teacher_id=claim.teacher_id,
        year=claim.year,
        county_id=claim.county_id,
        school_id=claim.school_id,
        category_id=claim.item.category_id,
        source_kind=claim.ledger_kind,
        source_id=claim.pk,
        title=claim.item.name[:200],
        hours=claim.hours,
        credits=claim.credits,
        status=status,
    )
    entry.full_clean()
    entry.save()
    return entry


def claim_entry(claim: CreditClaim) -> CreditEntry | None:
    """The ledger row a claim wrote, if any."""
    return CreditEntry.objects.filter(source_kind=claim.ledger_kind, source_id=claim.pk, teacher_id=claim.teacher_id).first()


def _refresh_tally(claim: CreditClaim) -> None:
    ledger_refresh(teacher_ids=[claim.teacher_id], years=[claim.year])


def _refresh_tallies(claims: Sequence[CreditClaim]) -> None:
    by_year: dict[int, set[int]] = {}
    for claim in claims:
        by_year.setdefault(claim.year, set()).add(claim.teacher_id)
    for year, teachers in by_year.items():
        ledger_refresh(teacher_ids=teachers, years=[year])


@transaction.atomic
def claim_county_review(
    *,
    claim: CreditClaim,
    approve: bool,
    comment: str = "",
    actor: Any,
    today: dt.date | None = None,
    refresh: bool = True,
) -> CreditClaim:
    """复核: the county approves (into the ledger: at once, or 公示中 for the county's publicity days) or
    refuses with a reason. `refresh=False` leaves the tally to the caller (a bulk approval does it once)."""
    claim = _locked(claim)
    _require_county_reviewer(claim, actor)
    if claim.status != CreditClaim.Status.SCHOOL_APPROVED:
        raise ValidationError(_(ERR_NOT_WAITING_COUNTY))
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": _(ERR_REASON_REQUIRED)})
    if approve and _year_locked(teacher_id=claim.teacher_id, year=claim.year):
        raise ValidationError(_(ERR_YEAR_LOCKED))
    claim.county_reviewer, claim.county_reviewed_at, claim.county_comment = actor, timezone.now(), comment
    if not approve:
        claim.status = CreditClaim.Status.COUNTY_REJECTED
    else:
        days = credit_settings_for(claim.county).claim_publicity_days
        if days > 0:
            claim.status = CreditClaim.Status.IN_PUBLICITY
            claim.publicity_until = (today or timezone.localdate()) + dt.timedelta(days=days)
        else:
            claim.status = CreditClaim.Status.APPROVED
    claim.full_clean()
    claim.save(
        update_fields=[
            "status", "county_reviewer", "county_reviewed_at", "county_comment", "publicity_until", "updated_at"
        ]
    )
    if approve:
        counted = claim.status == CreditClaim.Status.APPROVED
        _write_entry(claim, status=CreditEntry.Status.COUNTED if counted else CreditEntry.Status.PENDING)
        if counted and refresh:
            _refresh_tally(claim)
    audit(
        action="claim_county_review",
        obj=claim,
        actor=actor,
        approve=approve,
        comment=comment,
        publicity_until=claim.publicity_until,
    )
    return claim


@transaction.atomic
def claim_revoke(*, claim: CreditClaim, reason: str, actor: Any) -> CreditClaim:
    """An objection upheld during 公示: the county revokes the claim and its pending ledger row goes."""
    claim = _locked(claim)
    _require_county_reviewer(claim, actor)
    if claim.status != CreditClaim.Status.IN_PUBLICITY:
        raise ValidationError(_(ERR_NOT_IN_PUBLICITY))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"comment": _(ERR_REASON_REQUIRED)})
    claim.status, claim.county_comment = CreditClaim.Status.REVOKED, reason
    claim.full_clean()
    claim.save(update_fields=["status", "county_comment", "updated_at"])
    deleted, _rows = CreditEntry.objects.filter(
        source_kind=claim.ledger_kind, source_id=claim.pk, status=CreditEntry.Status.PENDING
    ).delete()
    # Revoked, the claim's open objections are upheld by the same decision.
    claim.objections.filter(status=ClaimObjection.Status.OPEN).update(
        status=ClaimObjection.Status.UPHELD, handled_by=actor, handled_at=timezone.now(), handling_note=reason
    )
    audit(action="claim_revoke", obj=claim, actor=actor, reason=reason, ledger_rows_deleted=deleted)
    return claim


@transaction.atomic
def claim_object(*, claim: CreditClaim, reason: str, actor: Any, today: dt.date | None = None) -> ClaimObjection:
    """An objection to a claim in 公示, by a teacher or a coordinator of its county (not the claimant)."""
    claim = _locked(claim)
    scope = scope_of(actor)
    if scope.kind not in (SELF, SCHOOL):
        raise PermissionDenied(ERR_OBJECT_WHO)
    county_id = (
        Teacher.objects.filter(pk=scope.teacher_id).values_list("school__county_id", flat=True).first()
        if scope.kind == SELF
        else scope.county_id
    )
    if county_id != claim.county_id:
        raise PermissionDenied(ERR_OBJECT_WHO)
    if scope.kind == SELF and scope.teacher_id == claim.teacher_id:
        raise ValidationError(_(ERR_OBJECT_OWN))
    if claim.status != CreditClaim.Status.IN_PUBLICITY:
        raise ValidationError(_(ERR_NOT_IN_PUBLICITY))
    if claim.publicity_until < (today or timezone.localdate()):
        raise ValidationError(_(ERR_PUBLICITY_OVER))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _(ERR_REASON_REQUIRED)})
    objection = ClaimObjection(claim=claim, raised_by=actor, reason=reason)
    objection.full_clean()
    objection.save()
    audit(action="claim_objection", obj=claim, actor=actor, reason=reason)
    return objection


@transaction.atomic
def claim_objection_decide(*, objection: ClaimObjection, uphold: bool, note: str, actor: Any) -> ClaimObjection:
    """The county decides an objection: upheld revokes the claim (its other open objections with it);
    dismissed leaves the claim to be counted when 公示 ends, or the next day if it already has."""
    objection = ClaimObjection.objects.select_for_update().select_related("claim").get(pk=objection.pk)
    _require_county_reviewer(objection.claim, actor)
    if objection.status != ClaimObjection.Status.OPEN:
        raise ValidationError(_(ERR_OBJECTION_DECIDED))
    note = note.strip()
    if not note:
        raise ValidationError({"handling_note": _(ERR_REASON_REQUIRED)})
    if uphold:
        claim_revoke(claim=objection.claim, reason=note, actor=actor)
        objection.refresh_from_db()
    else:
        objection.status, objection.handled_by, objection.handled_at, objection.handling_note = (
            ClaimObjection.Status.DISMISSED,
            actor,
            timezone.now(),
            note,
        )
        objection.full_clean()
        objection.save(update_fields=["status", "handled_by", "handled_at", "handling_note"])
    audit(action="claim_objection_decide", obj=objection.claim, actor=actor, uphold=uphold, note=note)
    return objection


@transaction.atomic
def claims_publicity_finalise(*, today: dt.date | None = None, actor: Any = None) -> int:
    """Count the claims whose 公示 has ended (the day after `publicity_until`); returns how many."""
    today = today or timezone.localdate()
    due = list(
        CreditClaim.objects.select_for_update()
        .select_related("item")
        .filter(status=CreditClaim.Status.IN_PUBLICITY, publicity_until__lt=today)
        # An objection still open: the claim waits for the county's decision.
        .exclude(Exists(ClaimObjection.objects.filter(claim=OuterRef("pk"), status=ClaimObjection.Status.OPEN)))
        .order_by("pk")
    )
    for claim in due:
        claim.status = CreditClaim.Status.APPROVED
        claim.save(update_fields=["status", "updated_at"])
        CreditEntry.objects.filter(
            source_kind=claim.ledger_kind, source_id=claim.pk, status=CreditEntry.Status.PENDING
        ).update(status=CreditEntry.Status.COUNTED, updated_at=timezone.now())
        audit(action="claim_publicity_end", obj=claim, actor=actor, publicity_until=claim.publicity_until)
    _refresh_tallies(due)
    return len(due)


# ---------------------------------------------------------------------------------------------
# Many at once (the review pages' bulk forms): one transaction, all or nothing


@transaction.atomic
def claims_school_review(*, claims: Sequence[CreditClaim], approve: bool, comment: str = "", actor: Any) -> int:
    for claim in claims:
        claim_school_review(claim=claim, approve=approve, comment=comment, actor=actor)
    return len(claims)


@transaction.atomic
def claims_county_review(*, claims: Sequence[CreditClaim], approve: bool, comment: str = "", actor: Any) -> int:
    done = [
        claim_county_review(claim=claim, approve=approve, comment=comment, actor=actor, refresh=False) for claim in claims
    ]
    _refresh_tallies([c for c in done if c.status == CreditClaim.Status.APPROVED])
    return len(done)
