"""Bulk enrolment pages (checkboxes, one transaction, all or nothing) and 换人 requests.

Every checked id is fetched through the user's scope first (core.bulk): one foreign id and the post
answers 404 with nothing written.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import bulk
from core.forms_util import submit
from core.pagination import paginate
from core.scoping import SCHOOL, is_county_level, require_county_level, require_school_or_county, scope_of
from trainees import selectors as registry

from . import selectors, services
from .forms_bulk import (
    NominateManyForm,
    RejectManyForm,
    SubstitutionDecisionForm,
    SubstitutionRequestForm,
    WithdrawNominationsForm,
)

# County staff pick a school first: a county's 1,600 candidates on one page help nobody.
MAX_CANDIDATES = 300


def _posted(request):
    return request.POST if request.method == "POST" else None


@login_required
def nominate_many(request, pk: int):
    require_school_or_county(request.user, lookup=lambda: selectors.subproject_get(user=request.user, pk=pk))
    sub = selectors.subproject_get(user=request.user, pk=pk)
    data = _posted(request)
    form = NominateManyForm(data, rows=bulk.selected(data, registry.teacher_queryset(user=request.user)))
    done = submit(
        request,
        form,
        lambda cleaned: services.enrolments_nominate(subproject=sub, teachers=form.rows, actor=request.user),
        success=_("已提名 %(n)d 人，等待县培训中心确认") % {"n": len(form.rows)},
        then=("enrolment_nominate_many", sub.pk),
    )
    if done:
        return done
    candidates = selectors.nomination_candidates(user=request.user, subproject=sub)
    school_id = bulk.query_id(request.GET, "school")
    if school_id:
        candidates = candidates.filter(school_id=school_id)
    context = {
        "sub": sub,
        "form": form,
        "candidates": candidates[:MAX_CANDIDATES],
        "truncated": MAX_CANDIDATES,
        "schools": selectors.quota_use(user=request.user, subproject=sub) if is_county_level(request.user) else [],
        "school_id": school_id,
        "places_left": selectors.places_left(user=request.user, subproject=sub),
        "own": selectors.roster(user=request.user, subproject=sub) if scope_of(request.user).kind == SCHOOL else [],
        "withdraw_form": WithdrawNominationsForm(),
        "is_school": scope_of(request.user).kind == SCHOOL,
    }
    return render(request, "programs/nominate_many.html", context)


@login_required
@require_POST
def nominations_withdraw(request, pk: int):
    """A coordinator takes back some of their school's nominations before the county confirms them."""
    if scope_of(request.user).kind != SCHOOL:
        raise PermissionDenied
    sub = selectors.subproject_get(user=request.user, pk=pk)
    rows = bulk.selected(request.POST, selectors.roster(user=request.user, subproject=sub))
    form = WithdrawNominationsForm(request.POST, rows=rows)
    call = lambda: services.nominations_withdraw(enrolments=rows, actor=request.user, **form.cleaned_data)  # noqa: E731
    if bulk.run(form, call):
        messages.success(request, _("已撤回 %(n)d 项提名") % {"n": len(rows)})
    else:
        for message in form.non_field_errors() + [e for errs in form.errors.values() for e in errs]:
            messages.error(request, message)
    return redirect("enrolment_nominate_many", pk=sub.pk)


@login_required
def nominations_decide(request):
    """County staff confirm or refuse many nominations at once; refusing asks for a reason first."""
    require_county_level(request.user)
    data = _posted(request)
    rows = bulk.selected(data, selectors.nominations_waiting(user=request.user))
    if data and data.get("action") in ("reject", "reject_confirmed") and rows:
        return _refuse(request, rows)
    form = NominateManyForm(data, rows=rows)
    if data and data.get("action") == "confirm":
        done = submit(
            request,
            form,
            lambda cleaned: services.enrolments_confirm(enrolments=rows, actor=request.user),
            success=_("已确认 %(n)d 项报名") % {"n": len(rows)},
            then=request.get_full_path(),
        )
        if done:
            return done
    elif data:
        form.is_valid()  # nothing checked: say so
    waiting = selectors.nominations_waiting(user=request.user, subproject_id=bulk.query_id(request.GET, "subproject"))
    return render(request, "programs/nominations_decide.html", {"form": form, "page": paginate(request, waiting)})


def _refuse(request, rows):
    """The second step of a refusal: the checked rows and one reason, told to every teacher."""
    form = RejectManyForm(request.POST if request.POST["action"] == "reject_confirmed" else None, rows=rows)
    done = submit(
        request,
        form,
        lambda data: services.enrolments_reject(enrolments=rows, actor=request.user, **data),
        success=_("%(n)d 项报名未通过，已通知教师") % {"n": len(rows)},
        then=request.get_full_path(),
    )
    if done:
        return done
    return render(request, "programs/nominations_reject.html", {"form": form, "rows": rows})


@login_required
def substitution_request_create(request, pk: int):
    """A coordinator asks the county to replace one of their school's trainees (换人)."""
    if scope_of(request.user).kind != SCHOOL:
        selectors.enrolment_get(user=request.user, pk=pk)  # outsiders learn nothing (404)
        raise PermissionDenied
    enrolment = selectors.enrolment_get(user=request.user, pk=pk)
    if request.method == "POST" and request.POST.get("replacement"):
        registry.teacher_get(user=request.user, pk=request.POST["replacement"])  # another school's: 404
    candidates = selectors.nomination_candidates(user=request.user, subproject=enrolment.subproject)
    form = SubstitutionRequestForm(_posted(request), candidates=candidates)
    done = submit(
        request,
        form,
        lambda data: services.substitution_request_create(
            enrolment=enrolment, source="coordinator", actor=request.user, **data
        ),
        success=_("换人申请已提交，等待县培训中心处理"),
        then=("enrolment_nominate_many", enrolment.subproject_id),
    )
    if done:
        return done
    return render(request, "programs/substitution_request_form.html", {"form": form, "enrolment": enrolment})


@login_required
def substitution_request_list(request):
    require_county_level(request.user)
    pending = selectors.substitution_requests(user=request.user)
    decided = selectors.substitution_requests(user=request.user, pending_only=False).exclude(status="pending")[:50]
    return render(request, "programs/substitution_request_list.html", {"pending": pending, "decided": decided})


@login_required
def substitution_request_decide(request, pk: int):
    require_county_level(request.user, lookup=lambda: selectors.substitution_request_get(user=request.user, pk=pk))
    sub_request = selectors.substitution_request_get(user=request.user, pk=pk)
    form = SubstitutionDecisionForm(_posted(request), teachers=registry.teacher_queryset(user=request.user))
    done = submit(
        request,
        form,
        lambda data: services.substitution_request_decide(
            request=sub_request,
            approve=data["decision"] == "approve",
            replacement=data["replacement"],
            note=data["note"],
            actor=request.user,
        ),
        success=_("换人申请已处理"),
        then="substitution_request_list",
        field="replacement_id_number",
    )
    if done:
        return done
    return render(request, "programs/substitution_request_decide.html", {"form": form, "sub_request": sub_request})
