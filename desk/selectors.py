"""The home page and the calendar, composed from each app's own selectors: nothing here reads
another app's tables."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

import assessment.desk
import attendance.desk
import certificates.desk
import core.desk
import outreach.desk
import programs.desk
import reports.desk
from core.scoping import ALL, COUNTY, REGION, SCHOOL, SELF, scope_of
from programs.models import Session
from trainees.selectors import county_choices

from .items import Section
from .models import CalendarFeed

# Which apps speak on whose home page, in the order they are shown.
SOURCES = {
    ALL: (programs.desk, attendance.desk, outreach.desk, assessment.desk, reports.desk, certificates.desk, core.desk),
    COUNTY: (
        programs.desk,
        attendance.desk,
        outreach.desk,
        assessment.desk,
        reports.desk,
        certificates.desk,
        core.desk,
    ),
    SCHOOL: (programs.desk, attendance.desk, outreach.desk, assessment.desk),
    SELF: (programs.desk, outreach.desk, assessment.desk, certificates.desk),
    REGION: (programs.desk, attendance.desk),
}


@dataclass
class CountyRow:
    county: Any
    figures: list[tuple[str, int]]


@dataclass
class Desk:
    kind: str
    sections: list[Section]
    # Offices above the county: one row per county below, one column per figure.
    columns: list[str]
    counties: list[CountyRow]


def desk_for(*, user: Any, today: dt.date) -> Desk:
    kind = scope_of(user).kind
    sections = [app.waiting(user=user, today=today) for app in SOURCES.get(kind, ())]
    sections = [section for section in sections if section]
    columns, rows = [], []
    if kind == REGION:
        figures = [figure for section in sections for figure in section.figures]
        columns = [figure.label for figure in figures]
        rows = [
            CountyRow(county, [(figure.label, figure.per_county.get(county.pk, 0)) for figure in figures])
            for county in county_choices(user=user)
        ]
    return Desk(kind=kind, sections=sections, columns=columns, counties=rows)


def calendar_sessions(*, user: Any, start: dt.date, end: dt.date) -> QuerySet[Session]:
    return programs.desk.calendar_sessions(user=user, start=start, end=end)


def feed_for(*, user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def feed_user(*, token: str) -> Any | None:
    """The active account a feed token belongs to, or None (unknown, reset or deactivated)."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()
    return feed.user if feed else None
