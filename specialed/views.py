from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.excel import new_workbook, write_sheet, xlsx_response
from core.forms_util import submit
from core.pagination import paginate
from core.scoping import ALL, COUNTY, REGION, SCHOOL, is_county_level, require_county_level, scope_of, visible
from trainees.models import Region, School, Teacher

from . import forms, selectors, services


def _require_reader(user) -> None:
    """Coordinators (their own school), county staff and the offices above the county read these pages."""
    if scope_of(user).kind not in (ALL, COUNTY, REGION, SCHOOL):
        raise PermissionDenied


def _require_recorder(user) -> None:
    """The visiting school's coordinator and county staff record visits; the offices above only read."""
    if scope_of(user).kind not in (ALL, COUNTY, SCHOOL):
        raise PermissionDenied


def _filters(request) -> tuple[int | None, str]:
    form = forms.YearForm(request.GET or None)
    if form.is_valid():
        return form.cleaned_data.get("year"), form.cleaned_data.get("kind") or ""
    return None, ""


def _year(request) -> int:
    year, _kind = _filters(request)
    return year or timezone.localdate().year


@login_required
def visit_list(request):
    _require_reader(request.user)
    year, kind = _filters(request)
    visits = selectors.support_visit_list(user=request.user, year=year, kind=kind)
    context = {
        "page": paginate(request, visits),
        "filter_form": forms.YearForm(request.GET or None),
        "can_record": scope_of(request.user).kind in (ALL, COUNTY, SCHOOL),
    }
    return render(request, "specialed/visit_list.html", context)


def _visit_form(request):
    user = request.user
    scope = scope_of(user)
    county_schools = visible(School.objects.all(), user, county="county", school_sees_county=True).order_by("code")
    schools = county_schools.filter(pk=scope.school_id) if scope.kind == SCHOOL else county_schools
    teachers = Teacher.objects.filter(school__in=schools).select_related("school").order_by("school__code", "name")
    townships = Region.objects.filter(level=Region.Level.TOWNSHIP, parent__in=county_schools.values("county"))
    return forms.SupportVisitForm(
        request.POST or None,
        schools=schools,
        target_schools=county_schools,
        teachers=teachers,
        townships=townships.order_by("name"),
        initial={"school": scope.school_id} if scope.kind == SCHOOL else None,
    )


@login_required
def visit_create(request):
    _require_recorder(request.user)
    form = _visit_form(request)
    done = submit(
        request,
        form,
        lambda data: services.support_visit_create(actor=request.user, **data),
        success=_("记录已保存"),
        then=lambda visit: ("specialed_visit_detail", visit.pk),
    )
    if done:
        return done
    return render(request, "specialed/visit_form.html", {"form": form})


@login_required
def visit_detail(request, pk: int):
    _require_reader(request.user)
    visit = selectors.support_visit_get(user=request.user, pk=pk)
    return render(request, "specialed/visit_detail.html", {"visit": visit})


VISIT_HEADERS = ("日期", "类型", "派出学校", "参加教师", "乡镇", "指导学校", "班级", "儿童编号", "学时", "内容", "备注")


@login_required
def visit_export(request):
    _require_reader(request.user)
    year, kind = _filters(request)
    visits = selectors.support_visit_list(user=request.user, year=year, kind=kind)
    rows = (
        [
            f"{v.date:%Y-%m-%d}",
            v.get_kind_display(),
            v.school.name,
            "、".join(t.name for t in v.teachers.all()),
            v.township.name if v.township_id else "",
            v.target_school.name if v.target_school_id else "",
            v.class_name,
            v.child_code,
            v.hours,
            "、".join(v.content_labels()),
            v.notes,
        ]
        for v in visits.iterator(chunk_size=500)
    )
    wb = new_workbook()
    write_sheet(wb, "送教上门与巡回指导", VISIT_HEADERS, rows, widths=[12, 10, 22, 30, 12, 22, 10, 14, 8, 40, 40])
    return xlsx_response(wb, "送教上门与巡回指导.xlsx")


@login_required
def stats(request):
    _require_reader(request.user)
    year, _kind = _filters(request)
    context = {
        "year": year,
        "filter_form": forms.YearForm(request.GET or None),
        "tables": [
            (_("按学校"), selectors.support_visit_stats(user=request.user, year=year, by="school")),
            (_("按乡镇"), selectors.support_visit_stats(user=request.user, year=year, by="township")),
            (_("按年度"), selectors.support_visit_stats(user=request.user, year=year, by="year")),
        ],
    }
    return render(request, "specialed/stats.html", context)


REPORT_HEADERS = ("学校", "类型", "乡镇", "资源教室", "资源教师", "其中本年参训", "随班就读教师", "其中本年参训",
                  "骨干教师", "其中本年参训", "提示")  # fmt: skip


def _report_cells(row) -> list:
    school = row.school
    flag = _("特殊教育学校本年无参训骨干教师") if row.no_trained_backbone else ""
    return [school.name, school.get_kind_display(), school.township.name if school.township_id else "",
            _("有") if school.has_resource_room else _("无"), row.resource_teachers, row.trained_resource,
            row.inclusive_teachers, row.trained_inclusive, row.backbone, row.trained_backbone, flag]  # fmt: skip


@login_required
def report(request):
    if scope_of(request.user).kind not in (ALL, COUNTY, REGION):
        raise PermissionDenied
    year = _year(request)
    rows = selectors.special_ed_report(user=request.user, year=year)
    if request.GET.get("format") == "xlsx":
        wb = new_workbook()
        write_sheet(wb, f"{year}特殊教育师资培训", REPORT_HEADERS, [_report_cells(r) for r in rows],
                    caption=_("{year}年特殊教育学校与资源教室师资培训情况").format(year=year))  # fmt: skip
        return xlsx_response(wb, f"{year}特殊教育师资培训.xlsx")
    context = {"rows": rows, "year": year, "filter_form": forms.ReportYearForm(initial={"year": year})}
    return render(request, "specialed/report.html", context)


@login_required
def participants(request):
    if scope_of(request.user).kind not in (ALL, COUNTY, REGION):
        raise PermissionDenied
    form = forms.ParticipantForm(request.POST or None, subprojects=selectors.subproject_choices(user=request.user))
    if request.method == "POST":
        require_county_level(request.user)
    done = submit(
        request,
        form,
        lambda data: services.participant_enrol(**data),
        success=_("已登记"),
        then="specialed_participants",
    )
    if done:
        return done
    year, _kind = _filters(request)
    context = {
        "page": paginate(request, selectors.participant_list(user=request.user, year=year)),
        "form": form if is_county_level(request.user) else None,
        "filter_form": forms.ReportYearForm(request.GET or None),
    }
    return render(request, "specialed/participants.html", context)
