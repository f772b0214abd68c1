"""Forms of the 学分申报 pages (kept apart from forms.py's scheme and credit forms)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import bulk
from outreach.forms import MultipleFileField

from .models import ClaimItem

DECISIONS = [("approve", _("通过")), ("reject", _("不通过"))]


def _year_choices() -> list[tuple[int, int]]:
    # A claim is for this year or the year before (an award announced in January).
    year = timezone.localdate().year
    return [(year, year), (year - 1, year - 1)]


class ItemSelect(forms.Select):
    """The item picker: each option also says what the item earns, so the teacher sees it while choosing."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["label"] = f"{instance.name}（{instance.rate_label}）"
        return option


class ClaimForm(forms.Form):
    item = forms.ModelChoiceField(label=_("申报项目"), queryset=ClaimItem.objects.none(), widget=ItemSelect)
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=())
    quantity = forms.DecimalField(
        label=_("数量"), min_value=0.1, max_digits=6, decimal_places=1, initial=1, help_text=_("如论文篇数、授课节数；按一次计的填 1")
    )
    description = forms.CharField(
        label=_("说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}), help_text=_("如论文题目与刊物、获奖名称与级别")
    )
    files = MultipleFileField(label=_("证明材料"), help_text=_("PDF、Word、图片等，最多 5 个"))

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items if items is not None else ClaimItem.objects.none()
        self.fields["year"].choices = _year_choices()
        self.fields["year"].initial = _year_choices()[0][0]


class ClaimItemForm(forms.ModelForm):
    class Meta:
        model = ClaimItem
        fields = ["name", "kind", "category", "unit", "amount", "per", "max_per_year", "active"]

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories


class ClaimDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核结果"), choices=DECISIONS, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("意见（不通过时必填）"), max_length=200, required=False)


class ClaimRevokeForm(forms.Form):
    comment = forms.CharField(label=_("撤销原因"), max_length=200)


class ClaimReviewManyForm(bulk.BulkForm):
    none_selected = _("请至少勾选一份申报")
    decision = forms.ChoiceField(label=_("审核结果"), choices=DECISIONS, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("意见（不通过时必填）"), max_length=200, required=False)


class ClaimObjectionForm(forms.Form):
    reason = forms.CharField(
        label=_("异议内容"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("请写明您认为该申报不实的理由（如成果不属本人、级别或数量不符），县教师发展中心将核实处理"),
    )


OBJECTION_DECISIONS = [("dismiss", _("异议不成立，申报照常计入")), ("uphold", _("异议成立，撤销该申报"))]


class ClaimObjectionDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("处理结果"), choices=OBJECTION_DECISIONS, widget=forms.RadioSelect)
    handling_note = forms.CharField(label=_("处理意见"), max_length=200)
