"""Writes shared by every app: storing an import file, checking it once, confirming it, expiring it."""

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from . import import_files
from .importing import REGISTRY, ImportFileError, ImportResult, RowError, Table, read_table, run_import
from .models import ImportUpload
from .scoping import ALL, scope_of
from .spreadsheet import cell_text

logger = logging.getLogger(__name__)

STORED_ERRORS = 1000  # errors kept for the preview page; the error workbook recomputes all of them


def import_upload_create(*, kind: str, upload: UploadedFile, actor: Any, sheet: str = "") -> ImportUpload:
    """Store the upload and check it: in the request when small, else in a Celery task with progress."""
    scope = scope_of(actor)
    record = ImportUpload(
        kind=kind,
        original_name=upload.name[:255],
        size=upload.size,
        uploaded_by=actor,
        county_id=None if scope.kind == ALL else scope.county_id,
        status=ImportUpload.Status.PARSING,
        sheet=sheet[:100],
    )
    # The stored name is ours, never the user's: no path tricks, no clashes.
    record.file.save("upload.bin", upload, save=False)
    record.full_clean()
    record.save()
    if record.size <= settings.IMPORT_INLINE_BYTES:
        import_upload_check(record_id=record.pk)
        record.refresh_from_db()
    else:
        from .tasks import check_import

        transaction.on_commit(lambda: check_import.delay(record.pk))
    return record


def import_upload_check(*, record_id: int, sheet: str | None = None) -> ImportUpload | None:
    """Read the file once, keep its rows, and run every check without writing (the preview)."""
    record = ImportUpload.objects.filter(pk=record_id).select_related("uploaded_by").first()
    if record is None or record.status == ImportUpload.Status.DONE or not record.file_kept:
        return record
    importer = REGISTRY[record.kind].for_user(record.uploaded_by)
    chosen = sheet if sheet is not None else (record.sheet or None)
    ImportUpload.objects.filter(pk=record.pk).update(progress=1)

    def progress(pct: int) -> None:
        # Autocommit: a browser polling the status sees it at once.
        ImportUpload.objects.filter(pk=record.pk).update(progress=max(1, min(pct, 99)))

    table: Table | None = None
    try:
        with record.file.open("rb") as stream:
            read, _book = read_table(stream, size=record.size, name=record.original_name, sheet=chosen)
            table = Table(sheet=read.sheet, sheets=read.sheets, first_row=read.first_row, rows=list(read.rows))
    except ImportFileError as exc:
        result = ImportResult(errors=[RowError(0, "", str(exc))])
    else:
        result = run_import(importer, None, dry_run=True, table=table, progress=progress)
    if table is not None:
        if record.parsed:
            record.parsed.delete(save=False)
        record.parsed.save("parsed.json.gz", ContentFile(import_files.table_dump(table)), save=False)
    record.sheet = result.sheet or (chosen or "")
    record.result = _summary(result)
    record.total_rows = result.total_rows
    record.error_count = len(result.errors)
    record.created_count, record.updated_count = result.created, result.updated
    record.status = ImportUpload.Status.PENDING if result.ok else ImportUpload.Status.FAILED
    record.progress = 100
    record.checked_at = timezone.now()
    record.save(
        update_fields=[
            "parsed",
            "sheet",
            "result",
            "total_rows",
            "error_count",
            "created_count",
            "updated_count",
            "status",
            "progress",
            "checked_at",
        ]  # fmt: skip
    )
    return record


def _summary(result: ImportResult) -> dict[str, Any]:
    return {
        "errors": [[e.row, e.column, e.message, e.value] for e in result.errors[:STORED_ERRORS]],
        "error_total": len(result.errors),
        "notes": list(result.notes),
        "preview": [{str(k): cell_text(v) for k, v in row.items()} for row in result.preview],
        "sheets": list(result.sheets),
        "sheet": result.sheet,
    }


def import_upload_result(*, record: ImportUpload) -> ImportResult:
    """The stored outcome of the check, as the preview page shows it (nothing is read or parsed)."""
    data = record.result or {}
    result = ImportResult(
        total_rows=record.total_rows,
        created=record.created_count,
        updated=record.updated_count,
        errors=[RowError(*e) for e in data.get("errors", [])],
        preview=data.get("preview", []),
        notes=data.get("notes", []),
        sheet=data.get("sheet", ""),
        sheets=data.get("sheets", []),
        written=record.status == ImportUpload.Status.DONE,
    )
    result.total_errors = data.get("error_total", len(result.errors))
    return result


def _stored_table(record: ImportUpload) -> Table | None:
    if not record.parsed:
        return None
    with record.parsed.open("rb") as stream:
        return import_files.table_load(stream.read())


def import_upload_confirm(*, record: ImportUpload) -> ImportResult:
    """Run the checks again on the kept rows (the database may have changed) and write them all."""
    importer = REGISTRY[record.kind].for_user(record.uploaded_by)
    with transaction.atomic():
        locked = ImportUpload.objects.select_for_update().get(pk=record.pk)
        if locked.status == ImportUpload.Status.DONE:
            return ImportResult(written=False)
        table = _stored_table(locked)
        if table is None:
            return import_upload_result(record=locked)
        result = run_import(importer, None, table=table)
        locked.status = ImportUpload.Status.DONE if result.written else ImportUpload.Status.FAILED
        locked.created_count, locked.updated_count = result.created, result.updated
        locked.error_count = len(result.errors)
        locked.result = {**_summary(result), "preview": (locked.result or {}).get("preview", [])}
        locked.imported_at = timezone.now() if result.written else None
        locked.save(update_fields=["status", "created_count", "updated_count", "error_count", "result", "imported_at"])
    return result


def import_upload_error_workbook(*, record: ImportUpload) -> Any:
    """The uploaded rows with an 错误 column, from the kept rows (every error, not only those shown)."""
    table = _stored_table(record)
    importer = REGISTRY[record.kind].for_user(record.uploaded_by)
    if table is None:
        result = import_upload_result(record=record)
        return import_files.error_workbook(header=[], header_row=0, rows=[], errors=result.errors)
    table.rows = list(table.rows)
    result = run_import(importer, None, dry_run=True, table=table)
    header, header_row, rows = import_files.header_and_rows(table, importer)
    return import_files.error_workbook(header=header, header_row=header_row, rows=rows, errors=result.errors)


def import_files_expire(*, now: dt.datetime | None = None) -> int:
    """Delete uploaded files (and their parsed rows) older than IMPORT_KEEP_DAYS; the history stays."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.IMPORT_KEEP_DAYS)
    expired = ImportUpload.objects.filter(created_at__lt=cutoff, file_deleted_at__isnull=True)
    count = 0
    for record in expired.iterator():
        for stored in (record.file, record.parsed):
            if stored:
                stored.delete(save=False)
        record.file_deleted_at = now
        record.save(update_fields=["file", "parsed", "file_deleted_at"])
        count += 1
    return count
