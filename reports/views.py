from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import jobs
from core.excel import xlsx_response
from core.forms_util import apply_validation_error, submit
from core.replica import replica_reads
from core.scoping import (
    ALL,
    REGION,
    is_admin,
    is_region_admin,
    owns_region_record,
    require_oversight,
    scope_of,
)
from programs.selectors import category_choices
from trainees.selectors import county_choices, township_choices

from . import builder, dashboard, exports, rates, selectors, services, structure
from .forms import ExportForm, ExportRegionForm, SaveStatisticForm, StatisticForm
from .selectors import Period, ReportScope


def _can_export(user) -> bool:
    return is_admin(user) or is_region_admin(user)


def _year(request) -> int:
    return dashboard._year(request.GET.get("year"))


# The annual summary export ------------------------------------------------------------------------


@login_required
def export_list(request):
    require_oversight(request.user)
    if request.method == "POST" and not _can_export(request.user):
        raise PermissionDenied
    counties = county_choices(user=request.user)
    if scope_of(request.user).kind == REGION:
        form = ExportRegionForm(request.POST or None, counties=counties)
    else:
        form = ExportForm(request.POST or None, counties=counties, choose_county=scope_of(request.user).kind == ALL)
    done = submit(
        request,
        form,
        lambda data: services.export_request(user=request.user, **data),
        success=_("已提交导出请求，完成后可在下方下载"),
        then="reports:export_list",
    )
    if done:
        return done
    jobs = selectors.export_jobs(user=request.user)[:100]
    return render(
        request, "reports/export_list.html", {"form": form, "jobs": jobs, "can_export": _can_export(request.user)}
    )


@login_required
def export_status(request, pk: int):
    require_oversight(request.user)
    job = selectors.export_job_get(user=request.user, pk=pk)
    return jobs.status_response(job, download="reports:export_download")


@login_required
def export_download(request, pk: int):
    require_oversight(request.user)
    return jobs.file_response(selectors.export_job_get(user=request.user, pk=pk))


@require_POST
@login_required
def export_delete(request, pk: int):
    require_oversight(request.user)
    job = selectors.export_job_get(user=request.user, pk=pk)
    # A county's files are its administrators' to delete; a roll-up its own office's.
    allowed = is_region_admin(request.user) and owns_region_record(request.user, job.region_id)
    if not (allowed or (is_admin(request.user) and not job.region_id)):
        raise PermissionDenied
    services.export_delete(job=job)
    messages.success(request, _("导出文件已删除"))
    return redirect("reports:export_list")


# The dashboard ------------------------------------------------------------------------------------


def _query(unit, **extra) -> str:
    return urlencode(unit.query(**extra))


@login_required
@replica_reads
def dashboard_view(request):
    require_oversight(request.user)
    data = dashboard.dashboard_data(user=request.user, year=request.GET.get("year"), params=request.GET)
    unit = data["unit"]
    teachers = data.get("teachers")
    return render(
        request,
        "reports/dashboard.html",
        {
            "data": data,
            "unit": unit,
            "charts": dashboard.chart_cards(data),
            "query": _query(unit, year=data["year"]),
            "trail": [(name, urlencode({**params, "year": data["year"]})) for name, params in unit.trail()],
            "drill": _drill_links(data),
            "teacher_links": [reverse("teacher_detail", args=[pk]) for pk in teachers["teacher_ids"]]
            if teachers
            else [],
            "notes": dashboard.TILE_NOTES,
        },
    )


def _drill_links(data) -> list[tuple[str, str]]:
    """The next level down, by name: each county, township or school of the units chart."""
    units = data.get("units")
    if not units:
        return []
    base = reverse("reports:dashboard")
    return [
        (row[1], f"{base}?{urlencode({**q, 'year': data['year']})}")
        for row, q in zip(units["rows"], units["links"], strict=True)
        if q
    ]


@login_required
@replica_reads
def dashboard_table(request, slug: str):
    require_oversight(request.user)
    if slug not in dashboard.CHARTS:
        raise Http404
    data = dashboard.dashboard_data(user=request.user, year=request.GET.get("year"), params=request.GET)
    if slug not in data:
        raise Http404  # this unit has no such table (a school has no sub-units)
    table, unit = data[slug], data["unit"]
    title = str(table.get("title", dashboard.CHARTS[slug]["title"])).replace("（前十名与后十名）", "")
    caption = f"{unit.name}{data['year']}年{title}"
    if request.GET.get("format") == "xlsx":
        wb = exports.table_workbook(
            sheet=title, caption=caption, headers=table["headers"], kinds=table["kinds"], rows=table["rows"],
            notes=[table.get("note", "")],
        )  # fmt: skip
        return xlsx_response(wb, f"{caption}.xlsx")
    base = reverse("reports:dashboard")
    links = [f"{base}?{urlencode({**p, 'year': data['year']})}" if p else "" for p in table.get("links", [])]
    link_column = 1  # the name, after the rank
    if table.get("teacher_ids"):
        links, link_column = [reverse("teacher_detail", args=[pk]) for pk in table["teacher_ids"]], 0
    return render(
        request,
        "reports/dashboard_table.html",
        {
            "data": data,
            "unit": unit,
            "title": caption,
            "table": table,
            "row_links": links,
            "link_column": link_column,
            "query": _query(unit, year=data["year"]),
        },
    )


# Rates, satisfaction, teacher structure --------------------------------------------------------------


def _unit_choices(user) -> list[tuple[str, str]]:
    units = [("subproject", _("子项目")), ("school", _("学校")), ("township", _("乡镇"))]
    if scope_of(user).kind in (ALL, REGION):
        units.append(("county", _("县区")))
    return units


def _county_scope(request) -> tuple[ReportScope, object | None]:
    """The user's scope, narrowed to the county chosen (?county=, 404 outside the scope)."""
    county = None
    if request.GET.get("county"):
        county = county_choices(user=request.user).filter(pk=dashboard._id(request.GET["county"])).first()
        if county is None:
            raise Http404
    return ReportScope(user=request.user, county_id=county.pk if county else None), county


def _unit_name(request, county) -> str:
    if county is not None:
        return county.name
    user = request.user
    return str(user.county or user.region or _("全部县区"))


@login_required
@replica_reads
def rates_view(request):
    require_oversight(request.user)
    year = _year(request)
    units = dict(_unit_choices(request.user))
    unit = request.GET.get("by") if request.GET.get("by") in units else "school"
    rank_by = request.GET.get("rank") if request.GET.get("rank") in rates.RATES else "participation"
    scope, county = _county_scope(request)
    rows = rates.rate_rows(scope=scope, period=Period(year, year), unit=unit, rank_by=rank_by)
    headers = [_("排名"), str(units[unit])]
    kinds = ["int", "text"]
    if unit == "subproject":
        headers.append(_("项目"))
        kinds.append("text")
    headers += [_("报名人次"), _("实际参训"), *[str(label) for label in rates.RATES.values()]]
    kinds += ["int", "int", "rate", "rate", "rate", "rate"]
    table = [
        [
            r.rank,
            r.name,
            *([r.extra.get("program")] if unit == "subproject" else []),
            r.places,
            r.attended,
            r.participation,
            r.attendance,
            r.study,
            r.pass_rate,
        ]
        for r in rows
    ]
    caption = _("{unit}{year}年各{by}参训率（按{rank}排名）").format(
        unit=_unit_name(request, county), year=year, by=units[unit], rank=rates.RATES[rank_by]
    )
    if request.GET.get("format") == "xlsx":
        wb = exports.table_workbook(
            sheet=_("参训率"), caption=caption, headers=headers, kinds=kinds, rows=table, notes=rates.RATE_NOTES
        )
        return xlsx_response(wb, f"{caption}.xlsx")
    return render(
        request,
        "reports/rates.html",
        {
            "year": year,
            "caption": caption,
            "headers": headers,
            "kinds": kinds,
            "rows": table,
            "units": units,
            "unit": unit,
            "rates": rates.RATES,
            "rank_by": rank_by,
            "notes": rates.RATE_NOTES,
            "counties": county_choices(user=request.user) if scope_of(request.user).kind in (ALL, REGION) else None,
            "county": county,
            "query": urlencode({k: v for k, v in request.GET.items() if k != "format"}),
        },
    )


@login_required
@replica_reads
def satisfaction_view(request):
    require_oversight(request.user)
    year = _year(request)
    scope, county = _county_scope(request)
    found = rates.satisfaction(scope=scope, period=Period(year, year))
    caption = _("{unit}{year}年培训满意度").format(unit=_unit_name(request, county), year=year)
    if request.GET.get("format") == "xlsx":
        headers = [_("子项目"), _("答卷数"), _("题目"), _("平均分")]
        headers += [f"{label}（{kind}）" for _k, label, _r in rates.LEVELS for kind in (_("人数"), _("占比"))]
        kinds = ["text", "int", "text", "decimal"] + ["int", "rate"] * len(rates.LEVELS)
        rows = []
        for s in found:
            for question, average, levels in s.questions if s.shown else []:
                cells = [c for _label, count, share in levels for c in (count, float(share) / 100)]
                rows.append([s.subproject.name, s.answers, question, average, *cells])
            if not s.shown:
                rows.append([s.subproject.name, s.answers, _("答卷少于 3 份，不显示结果"), None])
        wb = exports.table_workbook(
            sheet=_("满意度"), caption=caption, headers=headers, kinds=kinds, rows=rows, notes=[rates.SATISFACTION_NOTE]
        )
        return xlsx_response(wb, f"{caption}.xlsx")
    return render(
        request,
        "reports/satisfaction.html",
        {
            "year": year,
            "caption": caption,
            "found": found,
            "levels": [str(label) for _k, label, _r in rates.LEVELS],
            "note": rates.SATISFACTION_NOTE,
            "counties": county_choices(user=request.user) if scope_of(request.user).kind in (ALL, REGION) else None,
            "county": county,
        },
    )


@login_required
@replica_reads
def structure_view(request):
    require_oversight(request.user)
    year = _year(request)
    scope, county = _county_scope(request)
    facets = structure.structure(scope=scope, year=year)
    caption = _("{unit}教师队伍结构（{year}年）").format(unit=_unit_name(request, county), year=year)
    if request.GET.get("format") == "xlsx":
        wb = exports.tables_workbook(
            [
                {
                    "sheet": f.title,
                    "caption": f"{caption} · {f.title}",
                    "headers": f.headers,
                    "kinds": f.kinds,
                    "rows": f.rows,
                    "notes": structure.STRUCTURE_NOTES,
                }
                for f in facets
            ]
        )
        return xlsx_response(wb, f"{caption}.xlsx")
    return render(
        request,
        "reports/structure.html",
        {
            "year": year,
            "caption": caption,
            "facets": facets,
            "notes": structure.STRUCTURE_NOTES,
            "counties": county_choices(user=request.user) if scope_of(request.user).kind in (ALL, REGION) else None,
            "county": county,
        },
    )


# The statistics builder 自定义统计 --------------------------------------------------------------------


def _statistic_form(request, data):
    return StatisticForm(
        data,
        categories=category_choices(user=request.user),
        counties=county_choices(user=request.user),
        townships=township_choices(user=request.user),
    )


@login_required
def statistics_view(request):
    require_oversight(request.user)
    saved = None
    if request.GET.get("saved"):
        saved = selectors.saved_statistic_get(user=request.user, pk=request.GET["saved"])
        data = StatisticForm.initial_from(saved)
    elif request.GET.get("row_1"):
        data = request.GET
    else:
        data = None
    form = _statistic_form(request, data)
    result = spec = None
    if data is not None and form.is_valid():
        try:
            spec = builder.spec_from(**form.spec_arguments())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            result = builder.run(spec=spec, scope=ReportScope(user=request.user))
    if result is not None and request.GET.get("format") == "xlsx":
        name = saved.name if saved else _("自定义统计")
        wb = exports.table_workbook(
            sheet=name, caption=f"{_unit_name(request, None)}{name}", headers=result.headers, kinds=result.kinds,
            rows=result.rows, notes=result.notes,
        )  # fmt: skip
        return xlsx_response(wb, f"{name}.xlsx")
    # Saving posts the name only; what is saved is the statistic the page's query (or saved one) runs.
    save_form = SaveStatisticForm(request.POST or None, initial={"name": saved.name if saved else ""})
    done = submit(
        request,
        save_form,
        lambda data: _statistic_save(request, name=data["name"], spec=spec),
        success=lambda kept: _("已保存统计“{name}”").format(name=kept.name),
        then=lambda kept: f"{reverse('reports:statistics')}?saved={kept.pk}",
        field="name",
    )
    if done:
        return done
    return render(
        request,
        "reports/statistics.html",
        {
            "form": form,
            "save_form": save_form,
            "result": result,
            "saved": saved,
            "saved_list": selectors.saved_statistics(user=request.user)[:200],
            "query": urlencode(
                [(k, v) for k in (data or {}) for v in _values(data, k) if k not in ("format", "saved")]
            ),
            "generated": timezone.localtime(),
        },
    )


def _statistic_save(request, *, name: str, spec):
    if spec is None:  # the page's query chose no rows or measures: there is nothing to keep
        raise ValidationError({NON_FIELD_ERRORS: _("请先选择行维度和统计指标")})
    return services.statistic_save(user=request.user, name=name, spec=spec)


def _values(data, key) -> list:
    if hasattr(data, "getlist"):
        return data.getlist(key)
    value = data[key]
    return [v for v in (value if isinstance(value, list) else [value]) if v not in (None, "")]


@require_POST
@login_required
def statistic_delete(request, pk: int):
    require_oversight(request.user)
    saved = selectors.saved_statistic_get(user=request.user, pk=pk)
    scope = scope_of(request.user)
    own = (
        scope.kind == ALL
        or (saved.county_id and saved.county_id == scope.county_id)
        or owns_region_record(request.user, saved.region_id)
    )
    if not own:
        raise PermissionDenied  # a county's statistics are its own to delete, not the offices' above
    services.statistic_delete(saved=saved)
    messages.success(request, _("已删除统计“{name}”").format(name=saved.name))
    return redirect("reports:statistics")
