from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.pickers import PickerField
from trainees.models import Region, School, Teacher

from .models import Category, Level, Notice, Program, Session, SubProject
from .notices import ERR_DECLINE_REASON
from .services import REGION_PROGRAM_LEVEL, SESSION_FIELDS, SUBPROJECT_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "sort_order", "is_active"]


class ProgramForm(forms.ModelForm):
    county = forms.ModelChoiceField(label=_("县区"), queryset=Region.objects.none())

    class Meta:
        model = Program
        fields = ["county", "year", "level", "category", "name", "issuer", "status"]

    def __init__(self, *args, counties, categories, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        # An office above the county: its programs are its own, at its level (市级 or 省级).
        self.region = region if not self.instance.pk else None
        owner_region = self.instance.region if self.instance.pk and self.instance.region_id else region
        if owner_region is not None:
            level = REGION_PROGRAM_LEVEL.get(owner_region.level)
            self.fields["level"].choices = [(v, label) for v, label in Level.choices if v == level]
            self.fields["level"].initial = level
        if self.instance.pk or region is not None:
            # A program stays with its county; moving it would move its enrolments' scope too.
            del self.fields["county"]
        else:
            self.fields["county"].queryset = counties
            only = list(counties[:2])
            if len(only) == 1:
                self.fields["county"].initial = only[0]


class SubProjectForm(forms.ModelForm):
    class Meta:
        model = SubProject
        fields = list(SUBPROJECT_FIELDS)
        widgets = {"start_date": DATE, "end_date": DATE}


class SessionForm(forms.ModelForm):
    host_school = PickerField(label=_("承办学校"), kind="schools", queryset=School.objects.none(), required=False)

    class Meta:
        model = Session
        fields = list(SESSION_FIELDS)
        widgets = {"date": DATE, "start_time": TIME, "end_time": TIME}

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host_school"].queryset = schools


class QuotaForm(forms.Form):
    """One number per school of the county; a blank leaves the school without a quota."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[f"school_{row.school.pk}"] = forms.IntegerField(
                label=row.school.name,
                min_value=0,
                required=False,
                initial=row.quota,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm js-quota", "min": 0}),
            )

    def table(self) -> list[tuple[Any, Any]]:
        """(row, bound field) per school, for the quota table."""
        return [(row, self[f"school_{row.school.pk}"]) for row in self.rows]

    def total(self) -> int:
        """The places the form now shows, as typed (the running total's starting value)."""
        values = (str(bound.value() or "").strip() for _row, bound in self.table())
        return sum(int(v) for v in values if v.isdigit())

    def changed_quotas(self) -> list[tuple[School, int]]:
        changed = []
        for row in self.rows:
            value = self.cleaned_data.get(f"school_{row.school.pk}")
            if value is not None and value != row.quota:
                changed.append((row.school, value))
        return changed


class CountyQuotaForm(forms.Form):
    """One number per county below a city's or province's program; a blank leaves it without places."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[f"county_{row.county.pk}"] = forms.IntegerField(
                label=row.county.name, min_value=0, required=False, initial=row.quota
            )

    def changed_quotas(self) -> list[tuple[Region, int]]:
        changed = []
        for row in self.rows:
            value = self.cleaned_data.get(f"county_{row.county.pk}")
            if value is not None and value != row.quota:
                changed.append((row.county, value))
        return changed


class NominateForm(forms.Form):
    teacher = PickerField(label=_("教师"), kind="teachers", queryset=Teacher.objects.none())

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = candidates


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


class SubstituteForm(forms.Form):
    replacement = PickerField(label=_("替换教师"), kind="teachers", queryset=Teacher.objects.none())
    reason = forms.CharField(label=_("换人原因"), max_length=200)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replacement"].queryset = candidates


class NoticeAnswerForm(forms.Form):
    response = forms.ChoiceField(label=_("回复"), choices=Notice.Response.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("无法参加的原因"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("选择“无法参加”时必填：原因会转给学校联络员和县培训中心，用于安排换人。"),
    )

    def clean(self):
        data = super().clean()
        if data.get("response") == Notice.Response.DECLINED and not (data.get("reason") or "").strip():
            self.add_error("reason", _(ERR_DECLINE_REASON))
        return data
