"""Forms of the bulk review page (kept apart from forms.py's record forms)."""

from django import forms
from django.utils.translation import gettext_lazy

from core import bulk

from .models import TaskSubmission


class ReviewManyForm(bulk.BulkForm):
    none_selected = gettext_lazy("请至少勾选一份提交")
    status = forms.ChoiceField(
        label=gettext_lazy("批阅结果"),
        choices=[
            (TaskSubmission.Status.DONE, gettext_lazy("合格")),
            (TaskSubmission.Status.REDO, gettext_lazy("需重做")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("统一评语（某行另填评语时以该行为准）"), max_length=500, required=False
    )
