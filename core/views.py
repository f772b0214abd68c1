from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import health, selectors, services
from .excel import xlsx_response
from .forms import ImportSheetForm, ImportUploadForm
from .importing import REGISTRY, template_workbook
from .models import ImportUpload
from .pagination import paginate
from .scoping import is_admin, is_region_level, require_admin, require_county_level


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
    """The stored outcome of the file's one check; while a large file is still checked, its progress."""
    record = _own_upload(request, kind, pk)
    context = {"record": record, "importer": REGISTRY[kind], "kind": kind}
    if record.status == ImportUpload.Status.PARSING:
        return render(request, "core/import_progress.html", context)
    result = services.import_upload_result(record=record)
    sheet_form = (
        ImportSheetForm(sheets=result.sheets, initial={"sheet": result.sheet}) if len(result.sheets) > 1 else None
    )
    return render(request, "core/import_preview.html", {**context, "result": result, "sheet_form": sheet_form})


@login_required
def import_status(request, kind: str, pk: int):
    record = _own_upload(request, kind, pk)
    return JsonResponse(
        {
            "status": record.status,
            "label": record.get_status_display(),
            "progress": record.progress,
            "preview": reverse("import_preview", args=[kind, record.pk]),
        }
    )


@login_required
@require_POST
def import_sheet(request, kind: str, pk: int):
    record = _own_upload(request, kind, pk)
    result = services.import_upload_result(record=record)
    form = ImportSheetForm(request.POST, sheets=result.sheets)
    if form.is_valid() and record.status != ImportUpload.Status.DONE:
        services.import_upload_check(record_id=record.pk, sheet=form.cleaned_data["sheet"])
    return redirect("import_preview", kind=kind, pk=record.pk)


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
def import_errors(request, kind: str, pk: int):
    record = _own_upload(request, kind, pk)
    if record.status == ImportUpload.Status.PARSING:
        raise Http404
    workbook = services.import_upload_error_workbook(record=record)
    stem = record.original_name.rsplit(".", 1)[0]
    return xlsx_response(workbook, f"{stem}-错误.xlsx")


@login_required
def import_template(request, kind: str):
    importer = _importer_for(kind, request.user)
    return xlsx_response(template_workbook(importer), f"{importer.title}模板.xlsx")


@login_required
def import_history(request):
    require_county_level(request.user)
    uploads = selectors.import_uploads(user=request.user, kind=request.GET.get("kind") or None)
    page = paginate(request, uploads)
    titles = {kind: cls.title for kind, cls in REGISTRY.items()}
    for record in page:
        record.title = titles.get(record.kind, record.kind)
    return render(
        request, "core/import_history.html", {"page": page, "titles": titles, "is_admin": is_admin(request.user)}
    )


@login_required
def import_history_file(request, pk: int):
    """An administrator downloads an uploaded file again, while it is kept."""
    if not is_region_level(request.user):
        require_county_level(request.user)
    # An office above is refused (403) only for files of its own counties; another city's finds nothing.
    record = selectors.import_upload_get(user=request.user, pk=pk)
    require_county_level(request.user)
    require_admin(request.user)
    if not record.file_kept:
        raise Http404
    return FileResponse(record.file.open("rb"), as_attachment=True, filename=record.original_name)


@never_cache
@require_GET
def healthz(request):
    """For monitors and load balancers: no login, 200 when every check passes, 503 otherwise."""
    result = health.health()
    return JsonResponse(result, status=200 if result["status"] == "ok" else 503)
