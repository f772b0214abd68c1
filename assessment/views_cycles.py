"""周期核定 pages: the county reviews a continuing-education cycle, reads and exports the result per
school, and reopens it with a reason; coordinators read their school's results."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.excel import xlsx_response
from core.forms_util import apply_validation_error
from core.pagination import paginate
from core.params import choice_param
from core.pickers import MAX_QUERY, SchoolFilterForm
from core.scoping import (
    SCHOOL,
    can_see_full_id_numbers,
    is_county_level,
    require_county_level,
    require_reader,
    scope_of,
)

from . import cycles, selectors
from .exports import cycle_review_workbook
from .forms import CycleReopenForm, CycleReviewForm
from .models import CycleReview

BUSY = (CycleReview.Status.QUEUED, CycleReview.Status.RUNNING)


def _own_county(user):
    county = selectors.counties(user=user).filter(pk=user.county_id).first()
    if county is None:  # a superuser without a county reviews none
        raise PermissionDenied
    return county


@login_required
def cycle_review_list(request):
    require_reader(request.user)
    context = {"reviews": selectors.cycle_reviews(user=request.user), "can_run": is_county_level(request.user)}
    return render(request, "assessment/cycle_review_list.html", context)


@login_required
def cycle_review_start(request):
    """The form, then a confirmation page saying what the review will do; the confirmed POST queues it."""
    require_county_level(request.user)
    county = _own_county(request.user)
    choices = selectors.cycle_choices(county=county, today=timezone.localdate())
    form = CycleReviewForm(
        request.POST or None,
        cycles=choices,
        categories=selectors.credit_categories(county=county),
        statuses=selectors.cycle_review_statuses(county=county),
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "start_year"}
        if request.POST.get("confirm") != "1":
            preview = selectors.cycle_review_preview(county=county, cycle=form.cycle())
            return render(request, "assessment/cycle_review_confirm.html", {"form": form, "preview": preview, **data})
        try:
            review = cycles.cycle_review_request(
                county=county, year=form.cleaned_data["start_year"], actor=request.user, **data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已提交核定；教师较多时需要几分钟，本页会自动刷新"))
            return redirect("cycle_review_detail", pk=review.pk)
    return render(request, "assessment/cycle_review_form.html", {"form": form, "county": county})


@login_required
def cycle_review_detail(request, pk: int):
    require_reader(request.user)
    review = selectors.cycle_review_get(user=request.user, pk=pk)
    is_school = scope_of(request.user).kind == SCHOOL
    schools = selectors.schools(user=request.user).filter(county=review.county_id)
    school_form = SchoolFilterForm(request.GET, schools=schools)
    school = None if is_school else school_form.chosen(request)
    status = choice_param(request.GET, "status", selectors.RESULT_FILTERS, default="")
    name = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    scoped = selectors.cycle_review_results(user=request.user, review=review, school_id=school.pk if school else None)
    results = selectors.cycle_review_results(
        user=request.user, review=review, school_id=school.pk if school else None, status=status, name=name
    )
    context = {
        "review": review,
        "busy": review.status in BUSY,
        "summary": selectors.cycle_review_summary(results=scoped),
        "page": paginate(request, results),
        "school_form": school_form,
        "school": school if not is_school else request.user.school,
        "is_school": is_school,
        "status": status,
        "q": name,
        "can_manage": is_county_level(request.user),
        "history": selectors.cycle_review_history(review=review) if is_county_level(request.user) else (),
    }
    return render(request, "assessment/cycle_review_detail.html", context)


@login_required
def cycle_review_reopen(request, pk: int):
    require_county_level(request.user, lookup=lambda: selectors.cycle_review_get(user=request.user, pk=pk))
    review = selectors.cycle_review_get(user=request.user, pk=pk)
    form = CycleReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycles.cycle_review_reopen(review=review, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("周期已重新开放，学时记录已解锁，结转已撤回"))
            return redirect("cycle_review_detail", pk=pk)
    return render(request, "assessment/cycle_review_reopen.html", {"form": form, "review": review})


def _export(request, review, results, label: str):
    wb = cycle_review_workbook(review=review, results=results, full_ids=can_see_full_id_numbers(request.user))
    return xlsx_response(wb, f"{review.start_year}-{review.end_year}周期核定结果（{label}）.xlsx")


@login_required
def cycle_review_export(request, pk: int):
    """Every school the user may see, a sheet each (a coordinator's: their own school only)."""
    require_reader(request.user)
    review = selectors.cycle_review_get(user=request.user, pk=pk)
    results = selectors.cycle_review_results(user=request.user, review=review)
    label = request.user.school.name if scope_of(request.user).kind == SCHOOL else review.county.name
    return _export(request, review, results, label)


@login_required
def cycle_review_school_export(request, pk: int, school: int):
    require_reader(request.user)
    review = selectors.cycle_review_get(user=request.user, pk=pk)
    school_obj = selectors.school_get(user=request.user, pk=school)
    if school_obj.county_id != review.county_id:
        raise Http404
    results = selectors.cycle_review_results(user=request.user, review=review, school_id=school_obj.pk)
    return _export(request, review, results, school_obj.name)
