from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import health, services
from .excel import xlsx_response
from .forms import ImportUploadForm
from .importing import REGISTRY, template_workbook
from .models import ImportUpload
from .pagination import paginate


def _importer_for(kind: str, user):
    importer = REGISTRY.get(kind)
    if importer is None:
        raise Http404
    if not importer.allowed(user):
        raise PermissionDenied
    return importer


@login_required
def import_list(request):
    """The user's own uploads; `?open=1`: the last week's, waiting for confirmation or refused."""
    from .desk import open_imports

    only_open = request.GET.get("open") == "1"
    qs = open_imports(user=request.user) if only_open else ImportUpload.objects.filter(uploaded_by=request.user)
    page = paginate(request, qs.order_by("-created_at", "-pk"))
    return render(request, "core/import_list.html", {"page": page, "only_open": only_open})


@login_required
def import_upload(request, kind: str):
    importer = _importer_for(kind, request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        record = services.import_upload_create(kind=kind, upload=form.cleaned_data["file"], actor=request.user)
        return redirect("import_preview", kind=kind, pk=record.pk)
    return render(request, "core/import_upload.html", {"form": form, "importer": importer, "kind": kind})


def _own_upload(request, kind: str, pk: int) -> ImportUpload:
    _importer_for(kind, request.user)
    return get_object_or_404(ImportUpload, pk=pk, kind=kind, uploaded_by=request.user)


@login_required
def import_preview(request, kind: str, pk: int):
    record = _own_upload(request, kind, pk)
    result = services.import_upload_preview(record=record)
    return render(
        request,
        "core/import_preview.html",
        {"record": record, "result": result, "importer": REGISTRY[kind], "kind": kind},
    )


@login_required
@require_POST
def import_confirm(request, kind: str, pk: int):
    record = _own_upload(request, kind, pk)
    result = services.import_upload_confirm(record=record)
    return render(
        request,
        "core/import_done.html",
        {"record": record, "result": result, "importer": REGISTRY[kind], "kind": kind, "message": _("导入完成")},
    )


@login_required
def import_template(request, kind: str):
    importer = _importer_for(kind, request.user)
    return xlsx_response(template_workbook(importer), f"{importer.title}模板.xlsx")


@never_cache
@require_GET
def healthz(request):
    """For monitors and load balancers: no login, 200 when every check passes, 503 otherwise."""
    result = health.health()
    return JsonResponse(result, status=200 if result["status"] == "ok" else 503)
