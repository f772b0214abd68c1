"""Writes shared by every app: storing an import file, previewing it and confirming it."""

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from .importing import REGISTRY, ImportResult, run_import
from .models import ImportUpload


def import_upload_create(*, kind: str, upload: UploadedFile, actor: Any) -> ImportUpload:
    record = ImportUpload(kind=kind, original_name=upload.name[:255], size=upload.size, uploaded_by=actor)
    # The stored name is ours, never the user's: no path tricks, no clashes.
    record.file.save("upload.xlsx", upload, save=False)
    record.full_clean()
    record.save()
    return record


def import_upload_preview(*, record: ImportUpload) -> ImportResult:
    importer = REGISTRY[record.kind].for_user(record.uploaded_by)
    with record.file.open("rb") as stream:
        return run_import(importer, stream, dry_run=True, size=record.size)


def import_upload_confirm(*, record: ImportUpload) -> ImportResult:
    importer = REGISTRY[record.kind].for_user(record.uploaded_by)
    with transaction.atomic():
        locked = ImportUpload.objects.select_for_update().get(pk=record.pk)
        if locked.status == ImportUpload.Status.DONE:
            return ImportResult(written=False)
        with locked.file.open("rb") as stream:
            result = run_import(importer, stream, size=locked.size)
        locked.status = ImportUpload.Status.DONE if result.written else ImportUpload.Status.FAILED
        locked.created_count, locked.updated_count = result.created, result.updated
        locked.save(update_fields=["status", "created_count", "updated_count"])
    return result
