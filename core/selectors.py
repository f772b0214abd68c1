"""Reads of the import history, scoped to the user (a county sees its own uploads)."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import ImportUpload
from .scoping import ALL, COUNTY, REGION, scope_of


def import_uploads(*, user: Any, kind: str | None = None) -> QuerySet[ImportUpload]:
    qs = ImportUpload.objects.select_related("uploaded_by", "county").order_by("-created_at", "-pk")
    scope = scope_of(user)
    if scope.kind == COUNTY:
        qs = qs.filter(county_id=scope.county_id)
    elif scope.kind == REGION:
        qs = qs.filter(county_id__in=scope.county_ids)  # offices above read; the views refuse them changes
    elif scope.kind != ALL:
        qs = qs.none()
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def import_upload_get(*, user: Any, pk: int) -> ImportUpload:
    return get_object_or_404(import_uploads(user=user), pk=pk)
