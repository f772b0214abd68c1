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
