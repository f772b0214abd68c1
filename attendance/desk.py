"""What waits for a user in attendance: today's sessions and attendance never taken."""

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from core.scoping import ALL, COUNTY, REGION, SCHOOL, scope_of
from desk.items import Figure, Section

from . import selectors
from .selectors import WHEN_TODAY, WHEN_TODO_TODAY, WHEN_UNTAKEN


def _url(when: str) -> str:
    return f"{reverse('attendance_sessions')}?when={when}"


def waiting(*, user: Any, today: dt.date) -> Section:
    kind = scope_of(user).kind
    title = _("考勤")
    sessions = selectors.session_queryset(user=user)
    if kind in (ALL, COUNTY):
        counts = sessions.aggregate(
            today=Count("pk", filter=Q(date=today)),
            untaken=Count("pk", filter=Q(selectors.never_taken(), date__lt=today)),
        )
        return Section(
            "attendance",
            title,
            figures=[
                Figure("sessions_today", _("场培训活动今天举行"), counts["today"], _url(WHEN_TODAY)),
                Figure("untaken", _("场已结束的活动从未考勤"), counts["untaken"], _url(WHEN_UNTAKEN)),
            ],
        )
    if kind == SCHOOL:
        todo = selectors.sessions_when(sessions, user=user, when=WHEN_TODO_TODAY, today=today).count()
        untaken = selectors.sessions_when(sessions, user=user, when=WHEN_UNTAKEN, today=today).count()
        return Section(
            "attendance",
            title,
            figures=[
                Figure("sessions_today", _("场今天的活动待考勤"), todo, _url(WHEN_TODO_TODAY)),
                Figure("untaken", _("场近期活动有本校学员未考勤"), untaken, _url(WHEN_UNTAKEN)),
            ],
        )
    if kind == REGION:
        rows = (
            sessions.values("subproject__program__county_id")
            .annotate(
                today=Count("pk", filter=Q(date=today)),
                untaken=Count("pk", filter=Q(selectors.never_taken(), date__lt=today)),
            )
            .order_by()
        )
        today_by = {r["subproject__program__county_id"]: r["today"] for r in rows}
        untaken_by = {r["subproject__program__county_id"]: r["untaken"] for r in rows}
        url = "#desk-counties"  # the table of counties on the home page
        return Section(
            "attendance",
            title,
            figures=[
                Figure("sessions_today", _("今天的培训活动"), sum(today_by.values()), url, per_county=today_by),
                Figure("untaken", _("从未考勤的已结束活动"), sum(untaken_by.values()), url, per_county=untaken_by),
            ],
        )
    return Section("attendance", title)
