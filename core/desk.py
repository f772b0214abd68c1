"""What waits for a user among their own imports: files previewed but not confirmed, or refused."""

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from desk.items import Figure, Section

from .models import ImportUpload

# An unconfirmed upload older than this is taken as abandoned.
OPEN_IMPORT_DAYS = 7


def open_imports(*, user: Any):
    """The user's own uploads of the last week that are waiting for confirmation or were refused."""
    since = timezone.now() - dt.timedelta(days=OPEN_IMPORT_DAYS)
    return ImportUpload.objects.filter(
        uploaded_by_id=user.pk,
        created_at__gte=since,
        status__in=(ImportUpload.Status.PENDING, ImportUpload.Status.FAILED),
    )


def waiting(*, user: Any, today: dt.date) -> Section:
    count = open_imports(user=user).count()
    url = f"{reverse('import_list')}?open=1"
    return Section("imports", _("导入"), figures=[Figure("imports", _("个导入待确认或有错误"), count, url)])
