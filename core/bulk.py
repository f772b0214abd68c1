"""Shared pieces of the bulk pages (checkbox lists acted on at once).

Every bulk post names rows by id; each id must be one of the rows the page's scoped queryset holds.
One id outside it (another school's, another county's, a made-up one) and the whole post is refused
with 404 before anything is written: an outsider learns nothing, and nothing is half-done.
"""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.utils.translation import gettext_lazy

from .forms_util import run as run  # bulk pages call it as bulk.run

ERR_NONE_SELECTED = "请至少勾选一行"
# A generous bound on one post: the largest school has about 200 teachers, a county 2,000 accounts.
MAX_ROWS = 3000


MAX_ID = 2**63 - 1  # BigAutoField


def query_id(params: QueryDict, name: str) -> int | None:
    """An optional id from the query string (a filter); anything else reads as no filter."""
    value = params.get(name, "")
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_ID:
        return None
    return int(value)


def posted_ids(data: QueryDict, name: str = "ids") -> list[int]:
    """The distinct ids a form posted under `name`, in order; anything that is not an id is a 404."""
    values = data.getlist(name)
    if len(values) > MAX_ROWS:
        raise Http404
    ids: list[int] = []
    for value in values:
        try:
            pk = int(value)
        except (TypeError, ValueError) as exc:
            raise Http404 from exc
        if not 0 < pk <= MAX_ID:
            raise Http404
        if pk not in ids:
            ids.append(pk)
    return ids


def scoped_rows_or_404(qs: QuerySet, ids: Sequence[int]) -> list[Any]:
    """The rows of the scoped `qs` with these ids, in the posted order; 404 unless every id is found."""
    found = {row.pk: row for row in qs.filter(pk__in=list(ids))}
    if len(found) != len(set(ids)):
        raise Http404
    return [found[pk] for pk in ids]


def posted_texts(data: QueryDict, ids: Sequence[int], prefix: str, *, max_length: int) -> dict[int, str]:
    """One text per row (`<prefix><id>` fields), trimmed and cut to the model's length."""
    return {pk: data.get(f"{prefix}{pk}", "").strip()[:max_length] for pk in ids}


class BulkForm(forms.Form):
    """The checked ids of a bulk page; a page adds its own fields (a reason, a comment)."""

    none_selected = gettext_lazy(ERR_NONE_SELECTED)

    def __init__(self, data=None, *, rows: Sequence[Any] = (), **kwargs):
        super().__init__(data, **kwargs)
        self.rows = list(rows)

    def clean(self):
        data = super().clean()
        if self.is_bound and not self.rows:
            raise ValidationError(self.none_selected)
        return data


def selected(data: QueryDict | None, qs: QuerySet, name: str = "ids") -> list[Any]:
    """The scoped rows a bulk post checked (404 on a foreign id); nothing for a GET."""
    if data is None:
        return []
    return scoped_rows_or_404(qs, posted_ids(data, name))
