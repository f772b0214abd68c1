from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DEFAULT_MIN_ATTENDANCE, DEFAULT_SERIAL_TEMPLATE, Layout


class SettingsForm(forms.Form):
    issuing_unit = forms.CharField(label=_("发证单位"), max_length=128)
    signatory = forms.CharField(label=_("签发人"), max_length=64, required=False)
    serial_template = forms.CharField(
        label=_("证书编号模板"),
        max_length=64,
        initial=DEFAULT_SERIAL_TEMPLATE,
        help_text=_("可用 {县区代码}、{年度}、{序号:05d}"),
    )
    layout = forms.ChoiceField(label=_("版式"), choices=Layout.choices)
    seal = forms.FileField(label=_("公章图片（PNG/JPG）"), required=False)
    signature = forms.FileField(label=_("签名图片（PNG/JPG）"), required=False)


class RuleForm(forms.Form):
    min_attendance = forms.DecimalField(
        label=_("最低出勤率（%）"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=1,
        initial=DEFAULT_MIN_ATTENDANCE,
    )
    require_pass = forms.BooleanField(label=_("须考核合格（有考核方案时）"), required=False, initial=True)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200)


class LookupForm(forms.Form):
    serial = forms.CharField(label=_("证书编号"), max_length=80)
