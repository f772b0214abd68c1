"""学分申报 pages: the teacher's claims, 初审 by the school, 复核 by the county, the 公示 list and the
county's claim table."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from certificates.serials import mask_name
from core import bulk
from core.forms_util import submit
from core.pagination import paginate
from core.pickers import search_term
from core.scoping import SCHOOL, SELF, is_county_level, require_county_level, scope_of
from outreach.uploads import CONTENT_TYPES

from . import claims, credits, selectors
from .forms_claims import (
    ClaimDecisionForm,
    ClaimForm,
    ClaimItemForm,
    ClaimObjectionDecisionForm,
    ClaimObjectionForm,
    ClaimReviewManyForm,
    ClaimRevokeForm,
)
from .models import CreditClaim


def _require_teacher(user) -> None:
    if scope_of(user).kind != SELF:
        raise PermissionDenied


def _require_coordinator(user) -> None:
    if scope_of(user).kind != SCHOOL or user.role != Role.COORDINATOR:
        raise PermissionDenied


def _own_county(user):
    county = selectors.counties(user=user).filter(pk=user.county_id).first()
    if county is None:
        raise PermissionDenied
    return county


def _status(request, default: str) -> str:
    status = request.GET.get("status", default)
    return status if status in CreditClaim.Status.values or status == "all" else default


# The teacher


@login_required
def claim_list(request):
    _require_teacher(request.user)
    return render(request, "assessment/claims/mine.html", {"page": paginate(request, selectors.claims_mine(user=request.user))})


@login_required
def claim_create(request):
    _require_teacher(request.user)
    teacher = request.user.teacher
    items = selectors.claim_items(county=teacher.school.county_id, active_only=True)
    form = ClaimForm(request.POST or None, request.FILES or None, items=items)
    done = submit(
        request,
        form,
        lambda data: claims.claim_submit(teacher=teacher, actor=request.user, **data),
        success=_("已提交，等待学校初审"),
        then=lambda claim: ("claim_detail", claim.pk),
    )
    if done:
        return done
    return render(request, "assessment/claims/form.html", {"form": form, "items": items})


@login_required
def claim_detail(request, pk: int):
    claim = selectors.claim_get(user=request.user, pk=pk)
    scope = scope_of(request.user)
    context = {
        "claim": claim,
        "own": scope.kind == SELF,
        "can_school_review": scope.kind == SCHOOL and claim.status == CreditClaim.Status.SUBMITTED,
        "can_county_review": is_county_level(request.user) and claim.status == CreditClaim.Status.SCHOOL_APPROVED,
        "can_revoke": is_county_level(request.user) and claim.status == CreditClaim.Status.IN_PUBLICITY,
        "decision_form": ClaimDecisionForm(),
        "revoke_form": ClaimRevokeForm(),
        # Who objected is for the county to see, not for the claimant or the school.
        "objections": selectors.claim_objections(claim=claim) if is_county_level(request.user) else None,
        "objection_form": ClaimObjectionDecisionForm(),
        "entry": claims.claim_entry(claim),
    }
    return render(request, "assessment/claims/detail.html", context)


def _act(request, pk: int, call, success: str):
    try:
        call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect("claim_detail", pk=pk)


@login_required
@require_POST
def claim_withdraw(request, pk: int):
    claim = selectors.claim_get(user=request.user, pk=pk)
    _require_teacher(request.user)
    return _act(request, pk, lambda: claims.claim_withdraw(claim=claim, actor=request.user), _("已撤回"))


@login_required
def claim_evidence(request, pk: int):
    evidence = selectors.claim_evidence_get(user=request.user, pk=pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    return FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=CONTENT_TYPES.get(evidence.file_type)
    )


# 初审 and 复核, one claim at a time (from its page) or many at once (the review lists)


def _decide(request, pk: int, service):
    form = ClaimDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审核结果"))
        return redirect("claim_detail", pk=pk)
    claim = selectors.claim_get(user=request.user, pk=pk)
    approve = form.cleaned_data["decision"] == "approve"
    call = lambda: service(claim=claim, approve=approve, comment=form.cleaned_data["comment"], actor=request.user)  # noqa: E731
    return _act(request, pk, call, _("已审核"))


@login_required
@require_POST
def claim_school_review(request, pk: int):
    selectors.claim_get(user=request.user, pk=pk)
    _require_coordinator(request.user)
    return _decide(request, pk, claims.claim_school_review)


@login_required
@require_POST
def claim_county_review(request, pk: int):
    selectors.claim_get(user=request.user, pk=pk)
    require_county_level(request.user)
    return _decide(request, pk, claims.claim_county_review)


@login_required
@require_POST
def claim_revoke(request, pk: int):
    claim = selectors.claim_get(user=request.user, pk=pk)
    require_county_level(request.user)
    form = ClaimRevokeForm(request.POST)
    reason = form.cleaned_data["comment"] if form.is_valid() else ""
    return _act(request, pk, lambda: claims.claim_revoke(claim=claim, reason=reason, actor=request.user), _("已撤销"))


def _review_page(request, *, waiting: str, service, template: str):
    """A review list (filter by status, search by name) with a bulk form over the checked claims."""
    data = request.POST if request.method == "POST" else None
    form = ClaimReviewManyForm(data, rows=bulk.selected(data, selectors.claims_for_review(user=request.user)))
    call = lambda: service(  # noqa: E731
        claims=form.rows,
        approve=form.cleaned_data["decision"] == "approve",
        comment=form.cleaned_data["comment"],
        actor=request.user,
    )
    if bulk.run(form, call, field="comment"):
        messages.success(request, _("已审核 %(n)d 份申报") % {"n": len(form.rows)})
        return redirect(request.get_full_path())
    status, term = _status(request, waiting), search_term(request)
    rows = selectors.claims_for_review(user=request.user, status="" if status == "all" else status, term=term)
    context = {"form": form, "page": paginate(request, rows), "status": status, "q": term, "waiting": waiting,
               "statuses": CreditClaim.Status.choices}  # fmt: skip
    return render(request, template, context)


@login_required
def claim_school_queue(request):
    _require_coordinator(request.user)
    return _review_page(
        request,
        waiting=CreditClaim.Status.SUBMITTED,
        service=claims.claims_school_review,
        template="assessment/claims/school_queue.html",
    )


@login_required
def claim_county_queue(request):
    require_county_level(request.user)
    return _review_page(
        request,
        waiting=CreditClaim.Status.SCHOOL_APPROVED,
        service=claims.claims_county_review,
        template="assessment/claims/county_queue.html",
    )


@login_required
def claim_publicity(request):
    county_id = selectors.publicity_county_id(user=request.user)
    if county_id is None:
        raise PermissionDenied
    page = paginate(request, selectors.claims_in_publicity(county_id=county_id))
    for claim in page:
        claim.masked_name = mask_name(claim.teacher.name)
    own = scope_of(request.user).teacher_id  # no 提出异议 on one's own claim
    return render(request, "assessment/claims/publicity.html", {"page": page, "own_teacher_id": own})


@login_required
def claim_object(request, pk: int):
    """提出异议 on a claim of the 公示 list (its county's teachers and coordinators, not the claimant)."""
    claim = selectors.claim_in_publicity_get(user=request.user, pk=pk)
    if scope_of(request.user).kind not in (SELF, SCHOOL) or claim.teacher_id == scope_of(request.user).teacher_id:
        raise PermissionDenied
    form = ClaimObjectionForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: claims.claim_object(claim=claim, actor=request.user, **data),
        success=_("异议已提交，县教师发展中心将核实处理"),
        then=lambda _objection: ("claim_publicity",),
    )
    if done:
        return done
    claim.masked_name = mask_name(claim.teacher.name)
    return render(request, "assessment/claims/object.html", {"form": form, "claim": claim})


@login_required
@require_POST
def claim_objection_decide(request, pk: int):
    objection = selectors.claim_objection_get(user=request.user, pk=pk)
    require_county_level(request.user)
    form = ClaimObjectionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择处理结果并填写处理意见"))
        return redirect("claim_detail", pk=objection.claim_id)
    uphold = form.cleaned_data["decision"] == "uphold"
    return _act(
        request,
        objection.claim_id,
        lambda: claims.claim_objection_decide(
            objection=objection, uphold=uphold, note=form.cleaned_data["handling_note"], actor=request.user
        ),
        _("异议成立，申报已撤销") if uphold else _("已处理：异议不成立"),
    )


# The county's claim table


@login_required
def claim_item_list(request):
    require_county_level(request.user)
    county = _own_county(request.user)
    context = {
        "items": selectors.claim_items(county=county),
        "publicity_days": credits.credit_settings_for(county).claim_publicity_days,
    }
    return render(request, "assessment/claims/item_list.html", context)


def _item_form(request, *, item=None):
    county = _own_county(request.user)
    form = ClaimItemForm(
        request.POST or None, instance=item, categories=selectors.credit_categories(county=county)
    )
    done = submit(
        request,
        form,
        lambda data: claims.claim_item_save(county=county, item=item, actor=request.user, **data),
        success=_("已保存"),
        then="claim_item_list",
    )
    if done:
        return done
    title = _("编辑申报项目：%s") % item if item else _("新增申报项目")
    return render(request, "assessment/form.html", {"form": form, "title": title})


@login_required
def claim_item_create(request):
    require_county_level(request.user)
    credits.categories_ensure(county=_own_county(request.user))
    return _item_form(request)


@login_required
def claim_item_edit(request, pk: int):
    # An office above finds only its own counties' items (404 for another city's), then may not edit.
    require_county_level(request.user, lookup=lambda: selectors.claim_item_get(user=request.user, pk=pk))
    item = selectors.claim_item_get(user=request.user, pk=pk)
    return _item_form(request, item=item)


@login_required
@require_POST
def claim_item_toggle(request, pk: int):
    require_county_level(request.user, lookup=lambda: selectors.claim_item_get(user=request.user, pk=pk))
    item = selectors.claim_item_get(user=request.user, pk=pk)
    claims.claim_item_set_active(item=item, active=not item.active, actor=request.user)
    messages.success(request, _("已启用") if item.active else _("已停用"))
    return redirect("claim_item_list")
