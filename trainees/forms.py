from django import forms
from django.utils.translation import gettext_lazy as _

from core.pickers import PickerField

from .idcard import normalize_id_number, parse_id_number
from .models import Region, School, Teacher


class RegionForm(forms.Form):
    name = forms.CharField(label=_("乡镇名称"), max_length=64)
    parent = forms.ModelChoiceField(label=_("所属县区"), queryset=Region.objects.none())
    code = forms.CharField(label=_("行政区划代码"), max_length=12, required=False)

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = counties


class SchoolForm(forms.ModelForm):
    class Meta:
        model = School
        fields = ["code", "name", "county", "township", "kind", "area", "has_resource_room"]

    def __init__(self, *args, counties, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
        self.fields["township"].queryset = townships


class TeacherForm(forms.ModelForm):
    school = PickerField(label=_("学校"), kind="schools", queryset=School.objects.none())

    class Meta:
        model = Teacher
        fields = [
            "name",
            "id_number",
            "phone",
            "school",
            "stage",
            "subject",
            "title",
            "post",
            "is_rural",
            "is_special_post",
            "entry_year",
            "education",
            "is_backbone",
            "is_master_teacher",
            "is_inclusive_teacher",
            "is_resource_teacher",
            "special_ed_direction",
            "special_ed_trained",
            "work_start_month",
            "school_start_month",
            "is_on_staff",
            "employment_form",
        ]

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        if self.instance.pk:
            # The ID number identifies the person; a wrong one is corrected by an administrator in admin.
            # It is not a field of the edit form at all: a disabled input would still carry the full
            # number in the page (the template shows the masked form instead).
            del self.fields["id_number"]

    def clean_id_number(self):
        number = normalize_id_number(self.cleaned_data["id_number"])
        parse_id_number(number)
        return number


class TeacherIdLookupForm(forms.Form):
    """A teacher by the full 身份证号, exact match; posted, so the number stays out of URLs and logs."""

    id_number = forms.CharField(label=_("按身份证号查找（完整的 18 位号码）"), max_length=18, min_length=18)

    def clean_id_number(self):
        return parse_id_number(self.cleaned_data["id_number"]).number


class TransferForm(forms.Form):
    to_school = PickerField(label=_("调入学校"), kind="schools", queryset=School.objects.none())
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_school"].queryset = schools
