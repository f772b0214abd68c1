"""The 待办 home page: every role's figures count only its own rows, link to the list behind them,
and cost a fixed number of queries."""

import pytest
from django.urls import reverse

HOME = reverse("home")


def _figures(response) -> dict[str, int]:
    return {f.key: f.count for section in response.context["desk"].sections for f in section.figures}


def _figure(response, key):
    return next(f for section in response.context["desk"].sections for f in section.figures if f.key == key)


def _lists(response) -> dict[str, list]:
    return {lst.key: lst.entries for section in response.context["desk"].sections for lst in section.lists}


def test_county_staff_see_their_countys_work_waiting(client_for, world, day):
    response = client_for(world.staff_x).get(HOME)
    assert response.status_code == 200
    assert _figures(response) == {
        "nominations": 3,  # two of school A, one of school B; county Y's two are not counted
        "substitutions": 0,
        "unacknowledged": 3,
        "sessions_today": 1,
        "untaken": 1,
        "submissions": 2,
        "resources": 1,
        "school_projects": 1,
        "registrations": 1,
        "exports": 1,
        "imports": 0,
        "claims_county": 0,  # 学分申报: tests/assessment/test_claims.py
    }


def test_the_other_countys_staff_see_only_theirs(client_for, world, day):
    figures = _figures(client_for(world.staff_y).get(HOME))
    assert (figures["nominations"], figures["unacknowledged"], figures["submissions"]) == (2, 2, 1)


def test_county_staff_see_their_countys_pending_substitution_requests(client_for, world, day):
    from programs import services
    from programs.models import Enrolment

    def ask(enrolment, actor):
        return services.substitution_request_create(enrolment=enrolment, source="coordinator", reason="生病住院", actor=actor)

    ours = list(Enrolment.objects.filter(subproject__program__county=world.county_x, status="confirmed")[:2])
    theirs = Enrolment.objects.filter(subproject__program__county=world.county_y, status="confirmed").first()
    decided = ask(ours[1], world.coord_a)
    ask(ours[0], world.coord_a)
    ask(theirs, world.staff_y)
    services.substitution_request_decide(request=decided, approve=False, replacement=None, note="不同意", actor=world.staff_x)
    response = client_for(world.staff_x).get(HOME)
    figure = _figure(response, "substitutions")
    assert figure.count == 1  # county Y's request and the decided one are not counted
    listed = client_for(world.staff_x).get(figure.url)
    assert listed.status_code == 200
    assert len(listed.context["pending"]) == figure.count
    assert _figures(client_for(world.staff_y).get(HOME))["substitutions"] == 1


def test_coordinators_see_their_schools_work_waiting(client_for, world, day):
    response = client_for(world.coord_a).get(HOME)
    assert _figures(response) == {
        "quotas": 1,  # 5 places, 3 held; school B's single place is taken
        "rejected": 1,
        "unacknowledged": 2,
        "sessions_today": 1,
        "untaken": 1,
        "overdue": 1,
        "registration": 0,  # last year's is submitted, this year has no tally yet
        "claims_school": 0,  # 学分申报: tests/assessment/test_claims.py
    }
    quota = _lists(response)["quotas"][0]
    assert "剩余 2 / 5" in quota.detail
    assert quota.url == reverse("enrolment_nominate_many", args=[day.soon.pk])
    assert _figures(client_for(world.coord_b).get(HOME))["quotas"] == 0


def test_teachers_see_their_next_sessions_notices_and_hours(client_for, world, day):
    response = client_for(world.teacher_user_a).get(HOME)
    figures = _figures(response)
    assert (figures["notices"], figures["tasks_due"], figures["surveys"]) == (1, 0, 0)
    hours = _figure(response, "hours")
    assert (hours.value, hours.total) == (0, 48)
    (next_session,) = _lists(response)["sessions"]
    assert next_session.when == day.soon.start_date
    assert "09:00–11:30 县教师发展中心" in next_session.detail
    assert "09:00–11:30 县教师发展中心" in response.content.decode()


def test_offices_above_the_county_see_their_counties_figures(client_for, world, day):
    response = client_for(world.city_admin).get(HOME)
    rows = {row.county.name: dict(row.figures) for row in response.context["desk"].counties}
    assert set(rows) == {"甲县"}
    assert rows["甲县"]["待县里确认的提名"] == 3
    assert rows["甲县"]["今天的培训活动"] == 1
    other = client_for(world.city_other).get(HOME)
    assert {row.county.name for row in other.context["desk"].counties} == {"乙县"}
    province = client_for(world.province_staff).get(HOME)
    assert {row.county.name for row in province.context["desk"].counties} == {"甲县", "乙县"}


@pytest.mark.parametrize(
    ("role", "key"),
    [
        ("staff_x", "nominations"),
        ("staff_x", "unacknowledged"),
        ("staff_x", "sessions_today"),
        ("staff_x", "untaken"),
        ("staff_x", "school_projects"),
        ("staff_x", "resources"),
        ("coord_a", "rejected"),
        ("coord_a", "unacknowledged"),
        ("coord_a", "sessions_today"),
        ("coord_a", "untaken"),
        ("coord_a", "overdue"),
    ],
)
def test_each_figure_links_to_a_list_of_as_many_rows(client_for, world, day, role, key):
    client = client_for(getattr(world, role))
    figure = _figure(client.get(HOME), key)
    listed = client.get(figure.url)
    assert listed.status_code == 200
    assert listed.context["page"].paginator.count == figure.count > 0


def test_figures_are_links_on_the_page(client_for, world, day):
    html = client_for(world.staff_x).get(HOME).content.decode()
    assert f'href="{reverse("nominations_decide")}" data-figure="nominations"' in html


# Expected queries: the session and the user (2), then one per kind of figure:
# county staff (12): enrolments (nominations and unanswered notices together), sessions (today and
#   never taken together), submissions grouped by task, resources, 校本研修, registrations by year,
#   学分申报 to review, exports, certificate batches, imports;
# coordinators (9): enrolments (refused and unanswered), quotas with places left, today's sessions,
#   recent sessions, overdue tasks, registration years, 学分申报 to review;
# teachers (11): next sessions, notices, tasks due, the cycles they review (team), surveys, the
#   schemes they tutor (workshops, cycles), this year's hours, certificates to download;
# offices above the county (6): their counties, enrolments by county, sessions by county, county names.
@pytest.mark.parametrize(
    ("role", "queries"), [("staff_x", 12), ("coord_a", 9), ("teacher_user_a", 11), ("city_admin", 6)]
)
def test_the_home_page_costs_one_query_per_kind(client_for, world, day, django_assert_num_queries, role, queries):
    client = client_for(getattr(world, role))
    client.get(HOME)  # the first request may refresh the session row
    with django_assert_num_queries(queries):
        assert client.get(HOME).status_code == 200
