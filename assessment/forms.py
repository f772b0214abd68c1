from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import CreditCategory as SubProjectCategory

from .models import SURVEY_QUESTIONS, AssessmentScheme, Component, CountyCreditSettings, CreditRequirement, Unit
from .scoring import ScoreRow

RATING_CHOICES = [(i, str(i)) for i in range(5, 0, -1)]


class SchemeForm(forms.ModelForm):
    class Meta:
        model = AssessmentScheme
        fields = ["name", "pass_mark", "excellent_threshold", "excellent_share"]


class ComponentForm(forms.Form):
    label = forms.CharField(label=_("考核项"), max_length=32)
    weight = forms.IntegerField(label=_("权重（%）"), min_value=0, max_value=100)
    source = forms.ChoiceField(label=_("来源"), choices=Component.Source.choices)
    target_hours = forms.DecimalField(label=_("目标学时"), required=False, min_value=0, max_digits=6, decimal_places=1)


ComponentFormSet = forms.formset_factory(ComponentForm, extra=2, can_delete=True, max_num=12)


class CopyTemplateForm(forms.Form):
    template = forms.ModelChoiceField(label=_("从模板复制"), queryset=AssessmentScheme.objects.none())

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates


class SurveyForm(forms.Form):
    comment = forms.CharField(
        label=_("意见建议"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in SURVEY_QUESTIONS:
            self.fields[name] = forms.TypedChoiceField(
                label=label, choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect
            )
        self.order_fields([name for name, _label in SURVEY_QUESTIONS] + ["comment"])

    def ratings(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name, _label in SURVEY_QUESTIONS}


class CreditSettingsForm(forms.ModelForm):
    class Meta:
        model = CountyCreditSettings
        fields = ["hours_per_credit", "mode", "claim_publicity_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claim_publicity_days"].required = False
        self.fields["claim_publicity_days"].help_text = _("复核通过的学分申报公示的天数；0 或不填表示不公示、立即计入")

    def clean_claim_publicity_days(self):
        # A post without the field (an older form) leaves the county's setting as it is.
        if "claim_publicity_days" not in self.data:
            return None
        return self.cleaned_data["claim_publicity_days"] or 0


class RequirementForm(forms.Form):
    """A year's requirement (for a group): total and one minimum per county category, in one unit."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    group = forms.ChoiceField(label=_("适用对象"), choices=CreditRequirement.Group.choices)
    new_within_years = forms.IntegerField(label=_("新教师入职年限"), min_value=0, max_value=10, initial=3)
    unit = forms.ChoiceField(label=_("单位"), choices=Unit.choices)
    total = forms.DecimalField(label=_("年度总要求"), min_value=0, max_digits=6, decimal_places=1)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = list(categories)
        for category in self.categories:
            self.fields[f"min_{category.pk}"] = forms.DecimalField(
                label=_("%(name)s最低") % {"name": category.name},
                min_value=0,
                max_digits=6,
                decimal_places=1,
                required=False,
            )

    def minimums(self) -> dict[Any, Any]:
        return {c: self.cleaned_data[f"min_{c.pk}"] for c in self.categories if self.cleaned_data.get(f"min_{c.pk}")}

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "year": data["year"],
            "group": data["group"],
            "new_within_years": data["new_within_years"],
            "unit": data["unit"],
            "total": data["total"],
            "minimums": self.minimums(),
        }


class CategoryForm(forms.Form):
    code = forms.SlugField(label=_("代码"), max_length=32)
    name = forms.CharField(label=_("类别名称"), max_length=32)
    hours_per_credit = forms.DecimalField(label=_("每学分学时数"), min_value=0.1, max_digits=5, decimal_places=1)
    subproject_category = forms.ChoiceField(
        label=_("对应子项目学分类别"), choices=[("", "—"), *SubProjectCategory.choices], required=False
    )


class CycleForm(forms.Form):
    start_year = forms.IntegerField(label=_("起始年度"), min_value=2000, max_value=2100)
    years = forms.IntegerField(label=_("周期年数"), min_value=1, max_value=10, initial=5)
    unit = forms.ChoiceField(label=_("单位"), choices=Unit.choices)
    total = forms.DecimalField(label=_("周期总要求"), min_value=0, max_digits=7, decimal_places=1, initial=360)


class SchoolProjectForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("项目名称"), max_length=128)
    plan = forms.CharField(label=_("实施方案"), widget=forms.Textarea(attrs={"rows": 5}))
    planned_hours = forms.DecimalField(label=_("计划学时"), min_value=0.5, max_digits=5, decimal_places=1)


class SchoolSessionForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(label=_("主题"), max_length=128)
    hours = forms.DecimalField(label=_("学时"), min_value=0.5, max_digits=4, decimal_places=1)
    teachers = forms.ModelMultipleChoiceField(
        label=_("出勤教师"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, teachers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teachers"].queryset = teachers


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


class CorrectionForm(forms.Form):
    """The corrected hours per category (initially the ledger's sums) and the reason."""

    reason = forms.CharField(label=_("更正原因"), max_length=200)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = list(categories)
        for category in self.categories:
            self.fields[f"hours_{category.pk}"] = forms.DecimalField(
                label=_("%(name)s学时") % {"name": category.name},
                min_value=0,
                max_digits=7,
                decimal_places=1,
                required=False,
            )
        self.order_fields([f"hours_{c.pk}" for c in self.categories] + ["reason"])

    def hours(self) -> dict[Any, Any]:
        """The categories given a value (a blank one keeps its hours)."""
        return {
            c: self.cleaned_data[f"hours_{c.pk}"]
            for c in self.categories
            if self.cleaned_data.get(f"hours_{c.pk}") is not None
        }


class TallyRunForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    changed_only = forms.BooleanField(label=_("仅计算有变动的教师"), required=False)


def grid_rows_from_post(post: Any, components: list[Component]) -> list[ScoreRow]:
    """Read the score grid: `v-<enrolment>` is the version shown, `s-<enrolment>-<component>` a score."""
    manual = [c for c in components if c.source == Component.Source.MANUAL]
    rows = []
    for key in post:
        if not key.startswith("v-"):
            continue
        try:
            enrolment_id, version = int(key[2:]), int(post[key])
        except ValueError:
            continue
        values = {c.pk: post.get(f"s-{enrolment_id}-{c.pk}", "").strip() or None for c in manual}
        rows.append(ScoreRow(enrolment_id, values, version))
    return rows


# Cycle reviews 周期核定 (views_cycles.py)


class CycleReviewForm(forms.Form):
    """What the county decides when it reviews a cycle; the cycle is chosen from the county's own."""

    start_year = forms.TypedChoiceField(label=_("周期"), coerce=int)
    carry_cap = forms.DecimalField(
        label=_("超额结转上限"),
        min_value=0,
        max_digits=7,
        decimal_places=1,
        initial=0,
        help_text=_("超出周期要求的部分，最多结转这么多（单位与周期要求相同）到下一周期的第一年；0 表示不结转"),
    )
    carry_category = forms.ModelChoiceField(
        label=_("结转计入类别"), queryset=None, required=False, empty_label=_("（默认：第一个类别）")
    )
    grace_until = forms.DateField(
        label=_("宽限补修截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("未达标的教师可在此日期前补修；不填则不给宽限"),
    )

    def __init__(
        self, *args: Any, cycles: Any = (), categories: Any = None, statuses: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.cycles = {c.start_year: c for c in cycles}
        statuses = statuses or {}
        self.fields["start_year"].choices = [
            (c.start_year, _("%(start)s–%(end)s（%(years)s 年，要求 %(total)s %(unit)s）")
             % {"start": c.start_year, "end": c.end_year, "years": c.years, "total": c.total,
                "unit": c.get_unit_display()}
             + (f" · {statuses[c.start_year]}" if c.start_year in statuses else ""))
            for c in cycles
        ]  # fmt: skip
        self.fields["carry_category"].queryset = categories

    def cycle(self) -> Any:
        return self.cycles[self.cleaned_data["start_year"]]


class CycleReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("重新开放原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
