"""Forms of the bulk enrolment pages and of 换人 requests (kept apart from forms.py's record forms)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.bulk import BulkForm
from core.pickers import PickerField
from trainees.idcard import normalize_id_number
from trainees.models import Teacher


class NominateManyForm(BulkForm):
    none_selected = _("请至少勾选一名教师")


class WithdrawNominationsForm(BulkForm):
    reason = forms.CharField(label=_("撤回原因（可不填）"), max_length=200, required=False)


class RejectManyForm(BulkForm):
    reason = forms.CharField(label=_("不通过的原因（将通知每位教师）"), max_length=200)


class SubstitutionRequestForm(forms.Form):
    reason = forms.CharField(label=_("换人原因"), max_length=200)
    replacement = PickerField(
        label=_("建议替换教师（可不选，由县培训中心指定）"), kind="teachers", queryset=None, required=False
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replacement"].queryset = candidates


class SubstitutionDecisionForm(forms.Form):
    DECISIONS = [("approve", _("同意换人")), ("decline", _("不同意"))]

    decision = forms.ChoiceField(label=_("处理结果"), choices=DECISIONS, widget=forms.RadioSelect)
    replacement_id_number = forms.CharField(
        label=_("替换教师身份证号（不填则用学校建议的教师）"), max_length=18, required=False
    )
    note = forms.CharField(label=_("处理意见（不同意时必填）"), max_length=200, required=False)

    def __init__(self, *args, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.teachers = teachers

    def clean(self):
        data = super().clean()
        data["replacement"] = None
        number = normalize_id_number(data.get("replacement_id_number"))
        if number:
            try:
                data["replacement"] = self.teachers.get(id_number=number)
            except Teacher.DoesNotExist:
                self.add_error("replacement_id_number", _("在您的范围内找不到该身份证号的教师"))
        return data
