"""Searchable pickers (teachers, schools, team members) in place of selects that can run to
thousands of options.

A `PickerField` renders a plain text input. Without JavaScript the user types what identifies the
record (a teacher's name, ID number or phone; a school's name or code) and the field resolves it
within its own queryset, the same scoped set a select would have listed. With JavaScript,
static/js/pickers.js turns the input into a Tom Select box fed by the kind's JSON search endpoint
(one per kind, each going through core.scoping), and the input then carries the record's id.
"""

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.forms.boundfield import BoundField
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The ceiling for a plain <select>: beyond it a page uses a picker (tests/core/test_pickers.py).
MAX_SELECT_OPTIONS = 200
RESULTS = 20
MAX_QUERY = 64
# An id as the JavaScript picker posts it; longer digit strings are phone or ID numbers typed by hand.
_PK = re.compile(r"^\d{1,10}$")
_SEPARATORS = re.compile(r"[,，、;；\s]+")

ERR_NOT_FOUND = "未找到“{value}”，请输入完整的姓名、身份证号或手机号"
ERR_AMBIGUOUS = "“{value}”对应多条记录，请输入身份证号、手机号或代码以区分"
ERR_NOT_ALLOWED = "所选记录不在可选范围内"


def is_picked_id(value: str) -> bool:
    """The value is a record's id as the enhanced picker posts it (not a phone or ID number typed)."""
    return bool(_PK.match(value or ""))


@dataclass(frozen=True)
class PickerKind:
    url_name: str
    # Exact-match fields a person may type when JavaScript is off.
    lookups: tuple[str, ...]
    placeholder: str
    label: Callable[[Any], str]


def _teacher_label(t: Any) -> str:
    return f"{t.school.name} · {t.name}（{t.masked_id_number}）"


def _school_label(s: Any) -> str:
    return f"{s.name}（{s.code}）" if s.code else s.name


def _member_label(m: Any) -> str:
    detail = " · ".join(part for part in (m.subject, m.title) if part)
    return f"{m.name}（{detail}）" if detail else m.name


KINDS = {
    "teachers": PickerKind(
        "picker_teachers", ("name", "id_number", "phone"), _("输入姓名、身份证号或手机号"), _teacher_label
    ),
    "schools": PickerKind("picker_schools", ("name", "code"), _("输入学校名称或代码"), _school_label),
    "members": PickerKind("picker_members", ("name", "phone", "id_number"), _("输入姓名或手机号"), _member_label),
}


class PickerInput(forms.TextInput):
    """The no-JavaScript form of the picker; pickers.js enhances it."""

    def __init__(self, kind: str, *, multiple: bool = False, params: dict[str, Any] | None = None, attrs=None):
        super().__init__(attrs)
        self.kind, self.multiple, self.params = kind, multiple, params or {}

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, list | tuple):
            return ",".join(str(v) for v in value if v not in (None, "")) or None
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        kind = KINDS[self.kind]
        url = reverse(kind.url_name)
        if self.params:
            url += "?" + "&".join(f"{k}={v}" for k, v in self.params.items())
        widget_attrs = context["widget"]["attrs"]
        widget_attrs.setdefault("placeholder", str(kind.placeholder))
        widget_attrs.update(
            {
                "class": (widget_attrs.get("class", "") + " js-picker").strip(),
                "autocomplete": "off",
                "data-picker-url": url,
                "data-picker-multiple": "1" if self.multiple else "0",
                "data-picker-empty": str(_("未找到匹配的记录")),
            }
        )
        return context


class _PickerBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        # The chosen records' labels, so the enhanced picker shows names rather than ids.
        attrs["data-picker-initial"] = json.dumps(self.field.initial_options(self.value()), ensure_ascii=False)
        return attrs


class _PickerMixin:
    kind: str

    def get_bound_field(self, form, field_name):
        return _PickerBoundField(form, self, field_name)

    def _resolve(self, token: str) -> Model:
        token = token.strip()[:MAX_QUERY]
        qs = self.queryset
        if _PK.match(token):
            found = qs.filter(pk=int(token)).first()
            if found is not None:
                return found
        query = Q()
        for field in KINDS[self.kind].lookups:
            query |= Q(**{field: token.upper() if field == "id_number" else token})
        matches = list(qs.filter(query)[:2])
        if not matches:
            if _PK.match(token) and self._exists_outside_scope(int(token)):
                raise ValidationError(_(ERR_NOT_ALLOWED), code="invalid_choice")
            raise ValidationError(_(ERR_NOT_FOUND).format(value=token), code="invalid_choice")
        if len(matches) > 1:
            raise ValidationError(_(ERR_AMBIGUOUS).format(value=token), code="invalid_choice")
        return matches[0]

    def _exists_outside_scope(self, pk: int) -> bool:
        return self.queryset.model._default_manager.filter(pk=pk).exists()

    def _label(self, obj: Model) -> str:
        return KINDS[self.kind].label(obj)

    def initial_options(self, value: Any) -> list[dict[str, str]]:
        if value in (None, "", [], ()):
            return []
        values = value if isinstance(value, list | tuple) else _SEPARATORS.split(str(value))
        ids = [int(v) for v in (getattr(v, "pk", v) for v in values) if _PK.match(str(v))]
        if not ids:
            return []
        rows = self.queryset.filter(pk__in=ids)
        return [{"value": str(row.pk), "text": self._label(row)} for row in rows]


class PickerField(_PickerMixin, forms.ModelChoiceField):
    """A ModelChoiceField entered through a picker: `queryset` is still what may be chosen."""

    def __init__(self, *, kind: str, queryset: QuerySet | None = None, params: dict | None = None, **kwargs):
        self.kind = kind
        kwargs.setdefault("widget", PickerInput(kind, params=params))
        super().__init__(queryset=queryset, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Model):
            value = value.pk
        return self._resolve(str(value))


class PickerMultipleField(_PickerMixin, forms.ModelMultipleChoiceField):
    def __init__(self, *, kind: str, queryset: QuerySet | None = None, params: dict | None = None, **kwargs):
        self.kind = kind
        kwargs.setdefault("widget", PickerInput(kind, multiple=True, params=params))
        super().__init__(queryset=queryset, **kwargs)

    def clean(self, value):
        if isinstance(value, str):
            value = [token for token in _SEPARATORS.split(value) if token]
        if not value:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return self.queryset.none()
        chosen, errors = [], []
        for token in value[:MAX_SELECT_OPTIONS]:
            try:
                chosen.append(self._resolve(str(getattr(token, "pk", token))).pk)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
        return self.queryset.filter(pk__in=chosen)


def search_term(request: HttpRequest) -> str:
    return (request.GET.get("q") or "").strip()[:MAX_QUERY]


def matching(qs: QuerySet, term: str, fields: Sequence[str]) -> QuerySet:
    """Rows of the (already scoped) `qs` with `term` in one of `fields`."""
    if not term:
        return qs
    query = Q()
    for field in fields:
        query |= Q(**{f"{field}__icontains": term})
    return qs.filter(query)


def search_response(rows: QuerySet, *, kind: str) -> JsonResponse:
    """The JSON a search endpoint answers: the first RESULTS rows, as the picker shows them."""
    label = KINDS[kind].label
    return JsonResponse({"results": [{"value": str(row.pk), "text": label(row)} for row in rows[:RESULTS]]})


class PickerFilter(django_filters.ModelChoiceFilter):
    """A list page's filter by teacher or school, entered through a picker (`kind=` as for the field)."""

    field_class = PickerField


class SchoolFilterForm(forms.Form):
    """A list's 学校 filter (a GET form) through the school picker; `chosen()` is None for all schools."""

    school = PickerField(label=_("学校"), kind="schools", queryset=None, required=False)

    def __init__(self, *args: Any, schools: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["school"].widget.attrs.update({"class": "form-control form-control-sm", "aria-label": _("学校")})

    def chosen(self, request: Any = None) -> Any:
        """The school picked, or None; a value given that names no school of the list is ignored, and
        the user told so (as `core.params.query_int` does)."""
        if self.is_valid():
            return self.cleaned_data.get("school")
        if request is not None and self.data.get("school"):
            from django.contrib import messages

            from core.params import ERR_IGNORED

            messages.warning(request, _(ERR_IGNORED).format(name="school"))
        return None
