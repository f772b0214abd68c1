"""The iCal (RFC 5545) file of a user's sessions, written with the icalendar library."""

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from icalendar import Calendar, Event

from programs.models import Session

PRODID = "-//Peixun//培训日历//ZH"


def _at(date: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(date, time, tzinfo=timezone.get_current_timezone())


def calendar_bytes(*, sessions: Iterable[Session], host: str, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for s in sessions:
        event = Event()
        event.add("uid", f"session-{s.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", _at(s.date, s.start_time))
        event.add("dtend", _at(s.date, s.end_time))
        title = s.subproject.name + (f" · {s.title}" if s.title else "")
        event.add("summary", title)
        if s.place:
            event.add("location", s.place)
        event.add("description", f"{s.subproject.program.year} {s.subproject.program.name}")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
