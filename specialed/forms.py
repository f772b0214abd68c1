from django import forms
from django.utils.translation import gettext_lazy as _

from core.pickers import PickerField, PickerMultipleField

from .models import Participant, SupportVisit


class SupportVisitForm(forms.Form):
    school = PickerField(label=_("派出学校"), kind="schools", queryset=None)
    kind = forms.ChoiceField(label=_("类型"), choices=SupportVisit.Kind.choices)
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    teachers = PickerMultipleField(label=_("参加教师"), kind="teachers", queryset=None)
    township = forms.ModelChoiceField(label=_("乡镇（送教上门）"), queryset=None, required=False)
    child_code = forms.CharField(
        label=_("儿童编号（送教上门）"),
        max_length=16,
        required=False,
        help_text=_("只填编号，如 QS-2026-07；不得填写儿童姓名、身份证号或诊断"),
    )
    target_school = PickerField(label=_("指导学校（巡回指导）"), kind="schools", queryset=None, required=False)
    class_name = forms.CharField(label=_("班级（巡回指导）"), max_length=32, required=False)
    hours = forms.DecimalField(label=_("学时"), max_digits=4, decimal_places=1, min_value=0.1, max_value=24)
    contents = forms.MultipleChoiceField(
        label=_("内容"), choices=SupportVisit.Content.choices, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(
        label=_("备注"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("记录指导情况；不得填写儿童姓名、身份证号或诊断"),
    )

    def __init__(self, *args, schools, target_schools, teachers, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["target_school"].queryset = target_schools
        self.fields["teachers"].queryset = teachers
        self.fields["township"].queryset = townships


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("全部")), *SupportVisit.Kind.choices], required=False)


class ReportYearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)


class ParticipantForm(forms.Form):
    subproject = forms.ModelChoiceField(label=_("子项目"), queryset=None)
    name = forms.CharField(label=_("姓名"), max_length=64)
    kind = forms.ChoiceField(label=_("身份"), choices=Participant.Kind.choices)
    organisation = forms.CharField(label=_("单位"), max_length=128, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)

    def __init__(self, *args, subprojects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subproject"].queryset = subprojects
        self.fields["subproject"].label_from_instance = lambda s: f"{s.program.year} {s.program.name} / {s.name}"
