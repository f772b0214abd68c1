import calendar
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .ical import calendar_bytes

# Whole names, so each language words a weekday its own way (not "周" + a Chinese numeral).
WEEKDAYS = tuple(gettext_lazy(d) for d in ("周一", "周二", "周三", "周四", "周五", "周六", "周日"))
# What the iCal feed covers around today.
FEED_PAST_DAYS = 90
FEED_FUTURE_DAYS = 400


@login_required
def home(request):
    today = timezone.localdate()
    desk = selectors.desk_for(user=request.user, today=today)
    return render(request, "desk/home.html", {"desk": desk, "today": today})


def _month(value: str, today: dt.date) -> dt.date:
    """The first day of `?month=YYYY-MM`, or of this month when it is missing or not a month."""
    try:
        year, month = (int(part) for part in value.split("-"))
        if 2000 <= year <= 2100:
            return dt.date(year, month, 1)
    except (ValueError, TypeError):
        pass
    return today.replace(day=1)


def _week(value: str, today: dt.date) -> dt.date:
    """The Monday of the week holding `?week=YYYY-MM-DD` (this week when missing or not a date)."""
    try:
        day = dt.date.fromisoformat(value)
        if not 2000 <= day.year <= 2100:
            day = today
    except (ValueError, TypeError):
        day = today
    return day - dt.timedelta(days=day.weekday())


def _nav(name: str, param: str, value: str) -> str:
    return f"{reverse(name)}?{param}={value}"


def _by_day(sessions) -> dict[dt.date, list]:
    days: dict[dt.date, list] = {}
    for s in sessions:
        days.setdefault(s.date, []).append(s)
    return days


@login_required
def calendar_month(request):
    today = timezone.localdate()
    first = _month(request.GET.get("month", ""), today)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    by_day = _by_day(selectors.calendar_sessions(user=request.user, start=weeks[0][0], end=weeks[-1][-1]))
    context = {
        "first": first,
        "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
        "weekdays": WEEKDAYS,
        "today": today,
        "previous_url": _nav("desk_calendar", "month", (first - dt.timedelta(days=1)).strftime("%Y-%m")),
        "next_url": _nav("desk_calendar", "month", (first + dt.timedelta(days=32)).strftime("%Y-%m")),
        "today_url": reverse("desk_calendar"),
        "has_sessions": bool(by_day),
    }
    return render(request, "desk/calendar_month.html", context)


@login_required
def calendar_week(request):
    today = timezone.localdate()
    monday = _week(request.GET.get("week", ""), today)
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    by_day = _by_day(selectors.calendar_sessions(user=request.user, start=days[0], end=days[-1]))
    context = {
        "monday": monday,
        "days": [(day, WEEKDAYS[i], by_day.get(day, [])) for i, day in enumerate(days)],
        "today": today,
        "previous_url": _nav("desk_calendar_week", "week", f"{monday - dt.timedelta(days=7):%Y-%m-%d}"),
        "next_url": _nav("desk_calendar_week", "week", f"{monday + dt.timedelta(days=7):%Y-%m-%d}"),
        "today_url": reverse("desk_calendar_week"),
    }
    return render(request, "desk/calendar_week.html", context)


@login_required
def feed_settings(request):
    feed = selectors.feed_for(user=request.user)
    url = request.build_absolute_uri(reverse("desk_feed_ics", args=[feed.token])) if feed else ""
    return render(request, "desk/feed_settings.html", {"feed": feed, "feed_url": url})


@login_required
@require_POST
def feed_change(request):
    if request.POST.get("action") == "revoke":
        services.feed_revoke(user=request.user)
        messages.success(request, _("日历订阅地址已停用"))
    else:
        services.feed_reset(user=request.user)
        messages.success(request, _("已生成新的日历订阅地址，旧地址立即失效"))
    return redirect("desk_feed")


@require_GET
def feed_ics(request, token: str):
    """The calendar file a calendar app fetches: no login, the token in the address is the key."""
    user = selectors.feed_user(token=token)
    if user is None:
        raise Http404
    today = timezone.localdate()
    sessions = selectors.calendar_sessions(
        user=user, start=today - dt.timedelta(days=FEED_PAST_DAYS), end=today + dt.timedelta(days=FEED_FUTURE_DAYS)
    )
    body = calendar_bytes(sessions=sessions, host=request.get_host().split(":")[0], name=_("培训日历"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="peixun.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
