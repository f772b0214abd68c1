"""The visiting team: pool members in roles, staffing and double-booking warnings."""

import datetime as dt

import factory
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from outreach import selectors, services
from outreach.models import TeamPool, VisitActivity
from tests.factories.outreach import make_cycle, make_team_member, make_visit
from tests.factories.programs import EnrolmentFactory
from tests.factories.registry import TeacherFactory


def test_a_pool_member_of_another_county_cannot_join_the_team(world):
    cycle = make_cycle(county=world.county_x)
    outsider = services.pool_member_create(county=world.county_y, name="外县专家")
    with pytest.raises(ValidationError) as exc:
        services.team_member_add(cycle=cycle, member=outsider, role="lead")
    assert services.ERR_POOL_OTHER_COUNTY in str(exc.value)


def test_a_teacher_can_be_in_the_pool(world):
    member = services.pool_member_create(county=world.county_x, name="", teacher=world.teacher_b)
    assert member.name == world.teacher_b.name


def _cycle_of(world, *, trainees: int, members: int, member_type: str = "frontline"):
    cycle = make_cycle(county=world.county_x)
    for i in range(members):
        pool = services.pool_member_create(county=world.county_x, name=f"成员{i}", member_type=member_type)
        make_team_member(cycle, pool=pool, role="demo")
    program_teachers = TeacherFactory.create_batch(trainees, school=world.school_a)
    EnrolmentFactory.create_batch(
        trainees, subproject=cycle.subproject, teacher=factory.Iterator(program_teachers), school=world.school_a
    )
    return cycle


def test_430_trainees_with_14_members_are_warned_that_15_are_needed(world):
    cycle = _cycle_of(world, trainees=430, members=14)
    assert selectors.cycle_page(cycle=cycle).warnings == [
        "学员 430 人，按每 30 名学员 1 名团队成员，至少需要 15 名送培团队成员（现有 14 名）"
    ]


def test_430_trainees_with_15_members_are_fine(world):
    cycle = _cycle_of(world, trainees=430, members=15)
    assert selectors.cycle_page(cycle=cycle).warnings == []


def test_fewer_than_half_practitioners_on_a_team_is_warned(world):
    cycle = _cycle_of(world, trainees=10, members=1)
    for i in range(2):
        pool = services.pool_member_create(county=world.county_x, name=f"教授{i}", member_type="university")
        make_team_member(cycle, pool=pool, role="lecturer")
    assert selectors.cycle_page(cycle=cycle).warnings == ["送培团队 3 人中一线教师和教研员仅 1 人，应不少于一半"]
    researcher = services.pool_member_create(county=world.county_x, name="教研员", member_type="researcher")
    make_team_member(cycle, pool=researcher, role="lecturer")
    assert selectors.cycle_page(cycle=cycle).warnings == []  # 2 of 4 is half


def test_a_day_with_too_few_members_booked_is_warned(world):
    cycle = _cycle_of(world, trainees=31, members=2)
    visit = make_visit(cycle, date=dt.date(2026, 9, 10), host_school=world.school_a)
    second = services.visit_day_add(
        visit=visit,
        date=dt.date(2026, 9, 11),
        start_time=dt.time(8, 30),
        end_time=dt.time(16, 30),
        host_school=world.school_a,
    )
    first = visit.days.get(session__date=dt.date(2026, 9, 10))
    for member in cycle.team.all():
        services.visit_book(day=first, member=member)
    services.visit_book(day=second, member=cycle.team.first())
    assert selectors.cycle_page(cycle=cycle).warnings == [
        "2026-09-11：当天学员 31 人，至少需要 2 名团队成员，已安排 1 名"
    ]


def test_a_member_booked_on_two_visits_the_same_day_is_warned_even_across_cycles(world):
    math = make_cycle(county=world.county_x, subject="数学")
    chinese = make_cycle(county=world.county_x, subject="语文")
    expert = services.pool_member_create(county=world.county_x, name="王专家")
    on_math = make_team_member(math, pool=expert)
    on_chinese = make_team_member(chinese, pool=expert, role="lecturer")
    day = dt.date(2026, 9, 10)
    v1 = make_visit(math, date=day, host_school=world.school_a)
    v2 = make_visit(chinese, date=day, host_school=world.school_b)
    services.activity_add(day=v1.days.first(), kind=VisitActivity.Kind.DEMO_LESSON, title="示范课", presenter=on_math)
    assert selectors.cycle_page(cycle=math).warnings == []
    services.visit_book(day=v2.days.first(), member=on_chinese)
    warnings = selectors.cycle_page(cycle=math).warnings
    assert warnings == ["王专家 在 2026-09-10 被安排了 2 场送教活动"]


def test_visits_on_different_days_are_no_conflict(world):
    cycle = make_cycle(county=world.county_x)
    member = make_team_member(cycle)
    for day in (dt.date(2026, 9, 10), dt.date(2026, 9, 11)):
        visit = make_visit(cycle, date=day, host_school=world.school_a)
        services.visit_book(day=visit.days.first(), member=member)
    assert list(selectors.double_bookings(cycle=cycle)) == []


def test_a_presenter_must_be_on_the_cycle_team(world):
    cycle = make_cycle(county=world.county_x)
    other = make_cycle(county=world.county_x, subject="语文")
    stranger = make_team_member(other)
    visit = make_visit(cycle, host_school=world.school_a)
    with pytest.raises(ValidationError) as exc:
        services.activity_add(day=visit.days.first(), kind="lecture", title="讲座", presenter=stranger)
    assert services.ERR_NOT_ON_TEAM in str(exc.value)


def test_presenting_books_the_member_on_the_visit(world):
    cycle = make_cycle(county=world.county_x)
    member = make_team_member(cycle)
    visit = make_visit(cycle, host_school=world.school_a)
    services.activity_add(day=visit.days.first(), kind="seminar", title="研讨", presenter=member, class_grade="三年级")
    assert list(selectors.visit_team(visit=visit)) == [member]


def test_staff_book_a_member_on_a_visit_through_the_page(world, client_for):
    cycle = make_cycle(county=world.county_x)
    member = make_team_member(cycle)
    visit = make_visit(cycle, host_school=world.school_a)
    url = reverse("outreach_visit_book", args=[visit.pk])
    data = {"member": member.pk, "day": visit.days.get().pk}
    assert client_for(world.coord_a).post(url, data).status_code == 403
    assert client_for(world.staff_y).post(url, data).status_code == 404
    assert client_for(world.staff_x).post(url, data).status_code == 302
    assert list(selectors.visit_team(visit=visit)) == [member]


def test_staff_add_an_activity_through_the_visit_page(world, client_for):
    cycle = make_cycle(county=world.county_x)
    member = make_team_member(cycle)
    visit = make_visit(cycle, host_school=world.school_a)
    data = {
        "day": visit.days.get().pk,
        "kind": "demo_lesson",
        "title": "分数的初步认识",
        "presenter": member.pk,
        "class_grade": "三(2)班",
        "hours": "1",
    }
    assert client_for(world.coord_a).post(reverse("outreach_visit_detail", args=[visit.pk]), data).status_code == 403
    response = client_for(world.staff_x).post(reverse("outreach_visit_detail", args=[visit.pk]), data)
    assert response.status_code == 302
    assert visit.days.get().activities.get().title == "分数的初步认识"


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
