"""What waits for a user in reports: annual-summary exports still running, or failed."""

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from desk.items import Figure, Section

from . import selectors
from .models import ExportJob

OPEN = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING, ExportJob.Status.FAILED)
# A failed export stops being news after this long.
RECENT_DAYS = 7


def waiting(*, user: Any, today: dt.date) -> Section:
    count = (
        selectors.export_jobs(user=user)
        .filter(status__in=OPEN, created_at__date__gte=today - dt.timedelta(days=RECENT_DAYS))
        .count()
    )
    figure = Figure("exports", _("个导出正在生成或失败"), count, reverse("reports:export_list"))
    return Section("reports", _("统计报表"), figures=[figure])
