from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trainees.models import Region


class ExportForm(forms.Form):
    year_from = forms.IntegerField(label=_("起始年度"), min_value=2000, max_value=2100)
    year_to = forms.IntegerField(label=_("截止年度"), min_value=2000, max_value=2100)
    county = forms.ModelChoiceField(label=_("县区"), queryset=Region.objects.none(), required=False)
    not_trained_years = forms.IntegerField(
        label=_("未参训年限 N"), help_text=_("列出近 N 年未参训的教师"), min_value=1, max_value=10, initial=3
    )
    many_times = forms.IntegerField(
        label=_("多次参训阈值 M"), help_text=_("列出参训超过 M 次的教师"), min_value=1, max_value=100, initial=3
    )

    def __init__(self, *args, counties, choose_county: bool, **kwargs):
        super().__init__(*args, **kwargs)
        year = timezone.localdate().year
        self.fields["year_from"].initial = year - 4
        self.fields["year_to"].initial = year
        if choose_county:
            self.fields["county"].queryset = counties
            self.fields["county"].empty_label = _("全部县区")
        else:
            # County administrators export their own county; the service enforces it too.
            del self.fields["county"]


class ExportRegionForm(ExportForm):
    """A city's or province's administrator: the whole region (the roll-up) or one county below it."""

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, counties=counties, choose_county=True, **kwargs)
        self.fields["county"].empty_label = _("全部县区（汇总）")


def _blank(choices) -> list:
    return [("", "——"), *[(str(k), str(v)) for k, v in choices]]


class StatisticForm(forms.Form):
    """The builder's choices. Keys come from the builder's whitelists; the builder checks them again."""

    row_1 = forms.ChoiceField(label=_("行（第一层）"))
    row_2 = forms.ChoiceField(label=_("行（第二层）"), required=False)
    row_3 = forms.ChoiceField(label=_("行（第三层）"), required=False)
    columns = forms.MultipleChoiceField(label=_("统计指标"), widget=forms.CheckboxSelectMultiple)
    year_from = forms.IntegerField(label=_("起始年度"), min_value=2000, max_value=2100, required=False)
    year_to = forms.IntegerField(label=_("截止年度"), min_value=2000, max_value=2100, required=False)
    level = forms.ChoiceField(label=_("级别"), required=False)
    kind = forms.ChoiceField(label=_("子项目类型"), required=False)
    category = forms.ModelChoiceField(label=_("类别"), queryset=None, required=False)
    county = forms.ModelChoiceField(label=_("县区"), queryset=None, required=False)
    township = forms.ModelChoiceField(label=_("乡镇"), queryset=None, required=False)
    stage = forms.ChoiceField(label=_("学段"), required=False)
    area = forms.ChoiceField(label=_("城乡"), required=False)
    gender = forms.ChoiceField(label=_("性别"), required=False)

    FILTER_FIELDS = (
        "year_from",
        "year_to",
        "level",
        "kind",
        "category",
        "county",
        "township",
        "stage",
        "area",
        "gender",
    )

    def __init__(self, *args, categories, counties, townships, **kwargs):
        from .builder import DIMENSIONS, FILTERS, MEASURES

        super().__init__(*args, **kwargs)
        dims = [(key, str(d.label)) for key, d in DIMENSIONS.items()]
        self.fields["row_1"].choices = dims
        self.fields["row_2"].choices = _blank(dims)
        self.fields["row_3"].choices = _blank(dims)
        self.fields["columns"].choices = [(key, str(m.label)) for key, m in MEASURES.items()]
        for name in ("level", "kind", "stage", "area", "gender"):
            self.fields[name].choices = _blank(FILTERS[name].choices.items())
        self.fields["category"].queryset = categories
        self.fields["county"].queryset = counties
        self.fields["township"].queryset = townships
        if len(counties) <= 1:
            del self.fields["county"]

    def spec_arguments(self) -> dict:
        data = self.cleaned_data
        rows = [data[f"row_{i}"] for i in (1, 2, 3) if data.get(f"row_{i}")]
        filters = {}
        for name in self.FILTER_FIELDS:
            value = data.get(name)
            if value not in (None, ""):
                filters[name] = getattr(value, "pk", value)
        return {"rows": rows, "columns": data["columns"], "filters": filters}

    @staticmethod
    def initial_from(saved) -> dict:
        """The form's data for a saved statistic (its keys were checked when it was saved)."""
        rows = list(saved.rows) + ["", ""]
        return {"row_1": rows[0], "row_2": rows[1], "row_3": rows[2], "columns": saved.columns, **saved.filters}


class SaveStatisticForm(forms.Form):
    name = forms.CharField(label=_("统计名称"), max_length=60)
