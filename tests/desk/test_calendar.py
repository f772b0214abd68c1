"""The calendar (month and week) and the private iCal feed: each user sees the sessions they are
involved in, and the feed is parsed back by the icalendar library."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from desk.services import feed_reset, feed_revoke
from programs import services
from tests.factories import CategoryFactory, TeacherFactory

DAY = dt.date(2026, 9, 15)  # a Tuesday


def _sub(county, name):
    program = services.program_create(county=county, year=2026, level="county", category=CategoryFactory(), name=name)
    # Undated: the tests add sessions around today and DAY (a session must fall within its sub-project's dates).
    return services.subproject_create(program=program, name=name)


def _session(sub, date=DAY, title="", **fields):
    return services.session_create(
        subproject=sub, date=date, start_time=dt.time(14), end_time=dt.time(16, 30), title=title, **fields
    )


def _confirm(sub, teacher, actor):
    enrolment = services.enrolment_nominate(subproject=sub, teacher=teacher, actor=actor)
    return services.enrolment_confirm(enrolment=enrolment, actor=actor)


@pytest.fixture
def sessions(world):
    a_sub, b_sub, y_sub = (
        _sub(world.county_x, "语文研修"),
        _sub(world.county_x, "数学研修"),
        _sub(world.county_y, "乙县研修"),
    )
    _confirm(a_sub, world.teacher_a, world.staff_x)
    _confirm(b_sub, world.teacher_b, world.staff_x)
    _confirm(y_sub, world.teacher_c, world.staff_y)
    return {
        "a": _session(a_sub, title="开班讲座", place="县教师发展中心三楼"),
        "b": _session(b_sub, date=DAY + dt.timedelta(days=1)),
        "y": _session(y_sub),
    }


def _shown(client, name="desk_calendar", **query):
    response = client.get(reverse(name), query)
    assert response.status_code == 200
    if name == "desk_calendar":
        cells = [s for week in response.context["weeks"] for _day, ss in week for s in ss]
    else:
        cells = [s for _day, _name, ss in response.context["days"] for s in ss]
    return {s.pk for s in cells}


@pytest.mark.parametrize("view", ["desk_calendar", "desk_calendar_week"])
def test_each_role_sees_the_sessions_it_is_involved_in(client_for, world, sessions, view):
    query = {"month": "2026-09"} if view == "desk_calendar" else {"week": DAY.isoformat()}
    ids = {key: s.pk for key, s in sessions.items()}
    assert _shown(client_for(world.staff_x), view, **query) == {ids["a"], ids["b"]}
    assert _shown(client_for(world.staff_y), view, **query) == {ids["y"]}
    assert _shown(client_for(world.coord_a), view, **query) == {ids["a"]}  # school B's trainees only in b
    assert _shown(client_for(world.teacher_user_a), view, **query) == {ids["a"]}
    assert _shown(client_for(world.city_admin), view, **query) == {ids["a"], ids["b"]}
    assert _shown(client_for(world.city_other), view, **query) == {ids["y"]}


def test_the_week_starts_on_monday_and_shows_time_and_place(client_for, world, sessions):
    response = client_for(world.teacher_user_a).get(reverse("desk_calendar_week"), {"week": "2026-09-17"})
    assert response.context["monday"] == dt.date(2026, 9, 14)
    html = response.content.decode()
    assert "14:00–16:30" in html and "县教师发展中心三楼" in html and "开班讲座" in html


# (NUL never reaches a view: core.middleware answers 400 to it.)
@pytest.mark.parametrize("value", ["abc", "2026-13", "99999-01", "-1", "2026-09-31", "2026-00"])
def test_bad_dates_show_the_current_period(client_for, world, value):
    client = client_for(world.staff_x)
    assert client.get(reverse("desk_calendar"), {"month": value}).status_code == 200
    response = client.get(reverse("desk_calendar_week"), {"week": value})
    assert response.status_code == 200
    today = timezone.localdate()
    assert response.context["monday"] == today - dt.timedelta(days=today.weekday())


def test_the_month_costs_the_same_queries_for_many_sessions(client_for, world, sessions, django_assert_num_queries):
    client = client_for(world.staff_x)
    client.get(reverse("desk_calendar"), {"month": "2026-09"})
    # session + user, then the sessions of the six weeks shown with sub-project, program, host school
    with django_assert_num_queries(3):
        client.get(reverse("desk_calendar"), {"month": "2026-09"})
    sub = sessions["a"].subproject
    for i in range(10):
        _session(sub, date=DAY + dt.timedelta(days=i % 5), title=f"活动{i}")
    with django_assert_num_queries(3):
        response = client.get(reverse("desk_calendar"), {"month": "2026-09"})
    assert len([s for week in response.context["weeks"] for _d, ss in week for s in ss]) == 12


def _feed(client, token):
    return client.get(reverse("desk_feed_ics", args=[token]))


def _events(response):
    return {str(e["uid"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}


def test_the_feed_lists_the_teachers_own_sessions_as_ical(client, world, sessions, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    today = timezone.localdate()
    near = _session(sessions["a"].subproject, date=today + dt.timedelta(days=3), title="近期活动", place="一小礼堂")
    old = _session(sessions["a"].subproject, date=today - dt.timedelta(days=200), title="往年活动")
    token = feed_reset(user=world.teacher_user_a).token
    response = _feed(client, token)  # no login: the calendar app only has the address
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = _events(response)
    assert f"session-{old.pk}@testserver" not in events  # sessions long past are left out
    assert f"session-{sessions['b'].pk}@testserver" not in events  # teacher B's
    event = events[f"session-{near.pk}@testserver"]
    start = event.decoded("dtstart")
    assert start == dt.datetime.combine(near.date, dt.time(14), tzinfo=timezone.get_current_timezone())
    assert start.utcoffset() == dt.timedelta(hours=8)
    assert event.decoded("dtend").time() == dt.time(16, 30)
    assert str(event["summary"]) == "语文研修 · 近期活动"
    assert str(event["location"]) == "一小礼堂"


def test_the_feed_follows_the_users_scope(client, world, sessions):
    today = timezone.localdate()
    ours = _session(sessions["b"].subproject, date=today, title="本县")
    theirs = _session(sessions["y"].subproject, date=today, title="外县")
    events = _events(_feed(client, feed_reset(user=world.staff_x).token))
    assert f"session-{ours.pk}@testserver" in events
    assert f"session-{theirs.pk}@testserver" not in events


def test_resetting_the_address_stops_the_old_one_and_revoking_stops_all(client, client_for, world):
    old = feed_reset(user=world.teacher_user_a).token
    response = client_for(world.teacher_user_a).post(reverse("desk_feed_change"), {"action": "reset"})
    assert response.status_code == 302
    new = world.teacher_user_a.calendar_feed.__class__.objects.get(user=world.teacher_user_a).token
    assert new != old
    client.logout()
    assert _feed(client, old).status_code == 404
    assert _feed(client, new).status_code == 200
    feed_revoke(user=world.teacher_user_a)
    assert _feed(client, new).status_code == 404


def test_a_deactivated_accounts_feed_answers_404(client, world):
    token = feed_reset(user=world.coord_a).token
    world.coord_a.is_active = False
    world.coord_a.save(update_fields=["is_active"])
    assert _feed(client, token).status_code == 404
    assert _feed(client, "not-a-token").status_code == 404


def test_the_feed_page_shows_the_address_only_to_its_owner(client_for, world):
    token = feed_reset(user=world.teacher_user_a).token
    assert token in client_for(world.teacher_user_a).get(reverse("desk_feed")).content.decode()
    assert token not in client_for(world.coord_a).get(reverse("desk_feed")).content.decode()


def test_teacher_b_is_not_in_teacher_as_calendar(client_for, world, sessions):
    TeacherFactory(school=world.school_a)
    assert sessions["b"].pk not in _shown(client_for(world.teacher_user_a), month="2026-09")
