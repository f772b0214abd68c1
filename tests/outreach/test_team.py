"""The visiting team: pool members in roles, staffing and double-booking warnings."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from outreach import selectors, services
from outreach.models import TeamPool, VisitActivity
from tests.factories.outreach import enrol, make_cycle, make_team_member, make_visit


def test_a_pool_member_of_another_county_cannot_join_the_team(world):
    cycle = make_cycle(county=world.county_x)
    outsider = services.pool_member_create(county=world.county_y, name="外县专家")
    with pytest.raises(ValidationError) as exc:
        services.team_member_add(cycle=cycle, member=outsider, role="lead")
    assert services.ERR_POOL_OTHER_COUNTY in str(exc.value)


def test_a_teacher_can_be_in_the_pool(world):
    member = services.pool_member_create(county=world.county_x, name="", teacher=world.teacher_b)
    assert member.name == world.teacher_b.name


def test_more_than_thirty_trainees_per_member_is_warned(world):
    cycle = make_cycle(county=world.county_x)
    make_team_member(cycle, name="甲")
    for _ in range(31):
        enrol(cycle)
    warnings = selectors.cycle_page(cycle=cycle).warnings
    assert any("超过 30" in w for w in warnings)


def test_thirty_trainees_per_member_is_fine(world):
    cycle = make_cycle(county=world.county_x)
    make_team_member(cycle, name="甲")
    make_team_member(cycle, name="乙", role="demo")
    for _ in range(60):
        enrol(cycle)
    assert selectors.cycle_page(cycle=cycle).warnings == []


def test_a_member_booked_on_two_visits_the_same_day_is_warned_even_across_cycles(world):
    math = make_cycle(county=world.county_x, subject="数学")
    chinese = make_cycle(county=world.county_x, subject="语文")
    expert = services.pool_member_create(county=world.county_x, name="王专家")
    on_math = make_team_member(math, pool=expert)
    on_chinese = make_team_member(chinese, pool=expert, role="lecturer")
    day = dt.date(2026, 9, 10)
    v1 = make_visit(math, date=day, host_school=world.school_a)
    v2 = make_visit(chinese, date=day, host_school=world.school_b)
    services.activity_add(visit=v1, kind=VisitActivity.Kind.DEMO_LESSON, title="示范课", presenter=on_math)
    assert selectors.cycle_page(cycle=math).warnings == []
    services.visit_book(visit=v2, member=on_chinese)
    warnings = selectors.cycle_page(cycle=math).warnings
    assert warnings == ["王专家 在 2026-09-10 被安排了 2 场送教活动"]


def test_visits_on_different_days_are_no_conflict(world):
    cycle = make_cycle(county=world.county_x)
    member = make_team_member(cycle)
    for day in (dt.date(2026, 9, 10), dt.date(2026, 9, 11)):
        visit = make_visit(cycle, date=day, host_school=world.school_a)
        services.visit_book(visit=visit, member=member)
    assert list(selectors.double_bookings(cycle=cycle)) == []


def test_a_presenter_must_be_on_the_cycle_team(world):
    cycle = make_cycle(county=world.county_x)
    other = make_cycle(county=world.county_x, subject="语文")
    stranger = make_team_member(other)
    visit = make_visit(cycle, host_school=world.school_a)
    with pytest.raises(ValidationError) as exc:
        services.activity_add(visit=visit, kind="lecture", title="讲座", presenter=stranger)
    assert services.ERR_NOT_ON_TEAM in str(exc.value)


def test_presenting_books_the_member_on_the_visit(world):
    cycle = make_cycle(county=world.county_x)
    member = make_team_member(cycle)
    visit = make_visit(cycle, host_school=world.school_a)
    services.activity_add(visit=visit, kind="seminar", title="研讨", presenter=member, class_grade="三年级")
    assert list(selectors.visit_team(visit=visit)) == [member]


def test_staff_book_a_member_on_a_visit_through_the_page(world, client_for):
    cycle = make_cycle(county=world.county_x)
    member = make_team_member(cycle)
    visit = make_visit(cycle, host_school=world.school_a)
    url = reverse("outreach_visit_book", args=[visit.pk])
    assert client_for(world.coord_a).post(url, {"member": member.pk}).status_code == 403
    assert client_for(world.staff_y).post(url, {"member": member.pk}).status_code == 404
    assert client_for(world.staff_x).post(url, {"member": member.pk}).status_code == 302
    assert list(selectors.visit_team(visit=visit)) == [member]


def test_staff_add_an_activity_through_the_visit_page(world, client_for):
    cycle = make_cycle(county=world.county_x)
    member = make_team_member(cycle)
    visit = make_visit(cycle, host_school=world.school_a)
    data = {
        "kind": "demo_lesson",
        "title": "分数的初步认识",
        "presenter": member.pk,
        "class_grade": "三(2)班",
        "hours": "1",
    }
    assert client_for(world.coord_a).post(reverse("outreach_visit_detail", args=[visit.pk]), data).status_code == 403
    response = client_for(world.staff_x).post(reverse("outreach_visit_detail", args=[visit.pk]), data)
    assert response.status_code == 302
    assert visit.activities.get().title == "分数的初步认识"


def test_staff_add_to_the_pool_and_then_to_a_cycle_team(world, client_for):
    cycle = make_cycle(county=world.county_x)
    client = client_for(world.staff_x)
    response = client.post(reverse("outreach_pool_list"), {"teacher": world.teacher_a.pk, "subject": "数学"})
    assert response.status_code == 302
    pool = TeamPool.objects.get()
    assert (pool.county, pool.name) == (world.county_x, world.teacher_a.name)
    response = client.post(reverse("outreach_team_add", args=[cycle.pk]), {"member": pool.pk, "role": "demo"})
    assert response.status_code == 302
    assert cycle.team.get().get_role_display() == "示范教师"


def test_a_teacher_of_another_county_cannot_enter_the_pool(world):
    with pytest.raises(ValidationError):
        services.pool_member_create(county=world.county_x, name="", teacher=world.teacher_c)
