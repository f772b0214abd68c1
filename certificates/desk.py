"""What waits for a user in certificates: county staff's batch jobs running or failed; a teacher's
certificates to download."""

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from core.scoping import SELF, is_county_level, scope_of
from desk.items import Figure, Section

from .models import Certificate, IssueJob
from .selectors import JOB_PATHS, my_certificates

OPEN = (IssueJob.Status.QUEUED, IssueJob.Status.RUNNING, IssueJob.Status.FAILED)
RECENT_DAYS = 7  # a failed batch stops being news after this long


def waiting(*, user: Any, today: dt.date) -> Section:
    url = reverse("certificates:list")
    if scope_of(user).kind == SELF:
        count = my_certificates(user=user).filter(status=Certificate.Status.VALID).count()
        figures = [Figure("certificates", _("份证书可下载"), count, url)] if count else []
        return Section("certificates", _("证书"), figures=figures)
    if not is_county_level(user):
        return Section("certificates", _("证书"))
    from core.scoping import visible

    count = (
        visible(IssueJob.objects.all(), user, **JOB_PATHS)
        .filter(status__in=OPEN, created_at__date__gte=today - dt.timedelta(days=RECENT_DAYS))
        .count()
    )
    figures = [Figure("certificate_batches", _("个发证任务正在生成或失败"), count, url)] if count else []
    return Section("certificates", _("证书"), figures=figures)
