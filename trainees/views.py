from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.excel import xlsx_response
from core.forms_util import submit
from core.pagination import paginate
from core.pickers import search_response, search_term
from core.scoping import (
    REGION,
    SELF,
    can_see_full_id_numbers,
    is_county_level,
    require_county_level,
    require_oversight,
    require_reader,
    require_school_or_county,
    scope_of,
)

from . import selectors, services
from .exports import teachers_workbook
from .forms import RegionForm, SchoolForm, TeacherForm, TeacherIdLookupForm, TransferForm


@login_required
def region_list(request):
    require_oversight(request.user)
    if request.method == "POST":
        require_county_level(request.user)  # offices above the county read the tree, counties keep it
    counties = selectors.county_choices(user=request.user)
    form = RegionForm(request.POST or None, counties=counties)
    done = submit(
        request,
        form,
        lambda data: services.region_create(level="township", **data),
        success=_("乡镇已添加"),
        then="region_list",
    )
    if done:
        return done
    return render(
        request,
        "trainees/region_list.html",
        {"regions": selectors.region_list(user=request.user), "form": form if is_county_level(request.user) else None},
    )


@login_required
def school_list(request):
    require_reader(request.user)
    flt, qs = selectors.school_list(user=request.user, params=request.GET)
    return render(request, "trainees/school_list.html", {"filter": flt, "page": paginate(request, qs)})


@login_required
def school_detail(request, pk: int):
    school = selectors.school_get(user=request.user, pk=pk)
    return render(request, "trainees/school_detail.html", {"school": school})


def _school_form(request, instance=None):
    return SchoolForm(
        request.POST or None,
        instance=instance,
        counties=selectors.county_choices(user=request.user),
        townships=selectors.township_choices(user=request.user),
    )


@login_required
def school_create(request):
    require_county_level(request.user)
    form = _school_form(request)
    done = submit(
        request,
        form,
        lambda data: services.school_create(**data),
        success=_("学校已创建"),
        then=lambda school: ("school_detail", school.pk),
    )
    if done:
        return done
    return render(request, "trainees/school_form.html", {"form": form, "title": _("新建学校")})


@login_required
def school_edit(request, pk: int):
    school = selectors.school_get(user=request.user, pk=pk)
    require_county_level(request.user)
    form = _school_form(request, instance=school)
    done = submit(
        request,
        form,
        lambda data: services.school_update(school=selectors.school_get(user=request.user, pk=pk), **data),
        success=_("学校已保存"),
        then=("school_detail", pk),
    )
    if done:
        return done
    return render(request, "trainees/school_form.html", {"form": form, "title": _("编辑学校"), "school": school})


@login_required
def teacher_list(request):
    require_reader(request.user)
    flt, qs = selectors.teacher_list(user=request.user, params=request.GET)
    lookup = TeacherIdLookupForm(request.POST or None)
    if request.method == "POST":
        qs = selectors.teacher_by_id_number(
            user=request.user, id_number=lookup.cleaned_data["id_number"] if lookup.is_valid() else ""
        )
    elif request.GET.get("format") == "xlsx":
        return xlsx_response(teachers_workbook(teachers=qs, user=request.user), "教师名单.xlsx")
    return render(
        request,
        "trainees/teacher_list.html",
        {
            "filter": flt,
            "lookup": lookup,
            "page": paginate(request, qs),
            "full_ids": can_see_full_id_numbers(request.user),
        },
    )


@login_required
def teacher_detail(request, pk: int):
    teacher = selectors.teacher_get(user=request.user, pk=pk)
    return render(
        request,
        "trainees/teacher_detail.html",
        {
            "teacher": teacher,
            "transfers": selectors.teacher_transfers(teacher=teacher),
            "full_ids": can_see_full_id_numbers(request.user),
            "can_edit": scope_of(request.user).kind not in (SELF, REGION),
        },
    )


def _teacher_form(request, instance=None):
    return TeacherForm(
        request.POST or None,
        instance=instance,
        schools=selectors.school_queryset(user=request.user).order_by("code"),
    )


@login_required
def teacher_create(request):
    require_school_or_county(request.user)
    form = _teacher_form(request)
    done = submit(
        request,
        form,
        lambda data: services.teacher_create(actor=request.user, **data),
        success=_("教师已登记"),
        then=lambda teacher: ("teacher_detail", teacher.pk),
    )
    if done:
        return done
    return render(request, "trainees/teacher_form.html", {"form": form, "title": _("登记教师")})


@login_required
def teacher_edit(request, pk: int):
    teacher = selectors.teacher_get(user=request.user, pk=pk)
    require_school_or_county(request.user)
    form = _teacher_form(request, instance=teacher)
    # The ModelForm has already copied the new values onto `teacher`; the service gets a fresh
    # row so it can see a change of school and record the transfer.
    done = submit(
        request,
        form,
        lambda data: services.teacher_update(
            teacher=selectors.teacher_get(user=request.user, pk=pk), actor=request.user, **data
        ),
        success=_("教师信息已保存"),
        then=("teacher_detail", pk),
    )
    if done:
        return done
    return render(
        request,
        "trainees/teacher_form.html",
        {"form": form, "title": _("编辑教师"), "teacher": teacher, "full_ids": can_see_full_id_numbers(request.user)},
    )


@login_required
def teacher_transfer(request, pk: int):
    teacher = selectors.teacher_get(user=request.user, pk=pk)
    require_county_level(request.user)
    form = TransferForm(request.POST or None, schools=selectors.school_queryset(user=request.user).order_by("code"))
    done = submit(
        request,
        form,
        lambda data: services.teacher_transfer(
            teacher=teacher, to_school=data["to_school"], note=data["note"], actor=request.user
        ),
        success=_("调动已登记"),
        then=("teacher_detail", pk),
        field="to_school",
    )
    if done:
        return done
    return render(request, "trainees/teacher_transfer.html", {"form": form, "teacher": teacher})


@login_required
def picker_teachers(request):
    """The teacher picker's search: the teachers the user may see (a school's, a county's…)."""
    require_reader(request.user)
    rows = selectors.teacher_search(user=request.user, term=search_term(request), school_id=request.GET.get("school"))
    return search_response(rows, kind="teachers")


@login_required
def picker_schools(request):
    require_reader(request.user)
    return search_response(selectors.school_search(user=request.user, term=search_term(request)), kind="schools")
