from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms_util import apply_validation_error
from core.scoping import ALL, is_admin, require_admin, require_county_level, scope_of
from trainees.selectors import county_choices

from . import dashboard, selectors, services
from .forms import ExportForm
from .models import ExportJob


@login_required
def export_list(request):
    require_county_level(request.user)
    if request.method == "POST":
        require_admin(request.user)
    choose_county = scope_of(request.user).kind == ALL
    form = ExportForm(request.POST or None, counties=county_choices(user=request.user), choose_county=choose_county)
    if request.method == "POST" and form.is_valid():
        try:
            services.export_request(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已提交导出请求，完成后可在下方下载"))
            return redirect("reports:export_list")
    jobs = selectors.export_jobs(user=request.user)[:100]
    return render(
        request, "reports/export_list.html", {"form": form, "jobs": jobs, "can_export": is_admin(request.user)}
    )


@login_required
def export_status(request, pk: int):
    require_county_level(request.user)
    job = selectors.export_job_get(user=request.user, pk=pk)
    done = job.status == ExportJob.Status.DONE
    return JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "progress": job.progress,
            "download": reverse("reports:export_download", args=[job.pk]) if done else None,
            "error": job.error if job.status == ExportJob.Status.FAILED else "",
        }
    )


@login_required
def export_download(request, pk: int):
    require_county_level(request.user)
    job = selectors.export_job_get(user=request.user, pk=pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.download_name)


@require_POST
@login_required
def export_delete(request, pk: int):
    require_county_level(request.user)
    job = selectors.export_job_get(user=request.user, pk=pk)
    require_admin(request.user)
    services.export_delete(job=job)
    messages.success(request, _("导出文件已删除"))
    return redirect("reports:export_list")


@login_required
def dashboard_view(request):
    require_county_level(request.user)
    data = dashboard.dashboard_data(user=request.user, year=request.GET.get("year"))
    return render(request, "reports/dashboard.html", {"data": data, "charts": dashboard.chart_cards(data)})


@login_required
def dashboard_table(request, slug: str):
    require_county_level(request.user)
    if slug not in dashboard.CHARTS:
        raise Http404
    data = dashboard.dashboard_data(user=request.user, year=request.GET.get("year"))
    return render(
        request, "reports/dashboard_table.html", {"data": data, "chart": dashboard.CHARTS[slug], "table": data[slug]}
    )
