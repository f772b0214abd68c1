"""Workshops: capacity, members from the sub-project, and the weighted evaluation of tutors and
group leaders."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from attendance.models import Status
from outreach import selectors, services
from outreach.models import OnlineStudy, Workshop
from programs.models import Session
from tests.factories import TeacherFactory
from tests.factories.outreach import make_workshop
from tests.factories.programs import AttendanceFactory, EnrolmentFactory, SessionFactory


def _member(workshop, *, group=None, hours=None, school=None):
    teacher = TeacherFactory(school=school) if school else TeacherFactory()
    enrolment = EnrolmentFactory(subproject=workshop.subproject, teacher=teacher)
    if hours is not None:
        OnlineStudy.objects.create(enrolment=enrolment, online_hours=Decimal(hours), tasks_done=2)
    return services.workshop_member_add(workshop=workshop, enrolment=enrolment, group=group)


def test_members_beyond_the_capacity_are_refused(world):
    workshop = make_workshop(county=world.county_x, capacity=2)
    _member(workshop)
    _member(workshop)
    with pytest.raises(ValidationError) as exc:
        _member(workshop)
    assert exc.value.messages == [services.ERR_WORKSHOP_FULL.format(capacity=2)]
    assert workshop.members.count() == 2


def test_the_page_refuses_a_member_beyond_the_capacity(world, client_for):
    workshop = make_workshop(county=world.county_x, capacity=1)
    _member(workshop)
    extra = EnrolmentFactory(subproject=workshop.subproject, teacher=world.teacher_a)
    response = client_for(world.staff_x).post(
        reverse("outreach_workshop_member_add", args=[workshop.pk]), {"enrolment": extra.pk}
    )
    assert response.status_code == 200 and "工作坊已满" in response.text


def test_only_enrolments_of_the_workshop_sub_project_can_join(world):
    workshop = make_workshop(county=world.county_x)
    elsewhere = EnrolmentFactory(teacher=world.teacher_a)
    with pytest.raises(ValidationError):
        services.workshop_member_add(workshop=workshop, enrolment=elsewhere)


def test_weights_must_sum_to_a_hundred(world):
    with pytest.raises(ValidationError):
        make_workshop(county=world.county_x, members_weight=70, own_weight=40)
    workshop = make_workshop(county=world.county_x)
    with pytest.raises(ValidationError):
        services.workshop_set_weights(workshop=workshop, members_weight=50, own_weight=20)
    with pytest.raises(IntegrityError), transaction.atomic():
        Workshop.objects.filter(pk=workshop.pk).update(own_weight=10)


def _online_only(workshop, *, members_weight=60, own_weight=40, required=Decimal(50)):
    """Members judged on online hours alone, so the figures below read simply."""
    return services.workshop_set_evaluation(
        workshop=workshop,
        members_weight=members_weight,
        own_weight=own_weight,
        required_online_hours=required,
        online_weight=100,
        offline_weight=0,
        tasks_weight=0,
        required_tasks=10,
    )


@pytest.fixture
def evaluated(world):
    workshop = _online_only(make_workshop(county=world.county_x))
    tutor = services.workshop_staff_add(workshop=workshop, teacher=TeacherFactory(name="辅导甲"), role="tutor")
    services.workshop_staff_score(staff=tutor, own_score=Decimal(90))
    group = services.research_group_create(
        workshop=workshop,
        name="第一组",
        leader=TeacherFactory(name="组长乙"),
        tutor=tutor,
        leader_own_score=Decimal(70),
    )
    _member(workshop, group=group, hours=60)  # over the requirement: counts as 100
    _member(workshop, group=group, hours=25)  # half the requirement: 50
    _member(workshop)  # in no group: counts for nobody
    return workshop


def test_tutor_and_leader_evaluation_combines_members_and_own_work(evaluated):
    rows = {row.role: row for row in selectors.workshop_evaluations(workshop=evaluated)}
    tutor, leader = rows["辅导教师"], rows["组长（第一组）"]
    assert (tutor.member_count, tutor.members_result) == (2, Decimal("75.0"))
    assert tutor.total == Decimal("81.0")  # 75 × 60% + 90 × 40%
    assert leader.total == Decimal("73.0")  # 75 × 60% + 70 × 40%


def test_changing_the_weights_changes_the_evaluation(evaluated):
    services.workshop_set_weights(workshop=evaluated, members_weight=20, own_weight=80)
    rows = {row.role: row.total for row in selectors.workshop_evaluations(workshop=evaluated)}
    assert rows["辅导教师"] == Decimal("87.0")  # 75 × 20% + 90 × 80%
    assert rows["组长（第一组）"] == Decimal("71.0")


def test_a_member_without_online_study_counts_as_zero(world):
    workshop = _online_only(make_workshop(county=world.county_x), members_weight=100, own_weight=0)
    tutor = services.workshop_staff_add(workshop=workshop, teacher=TeacherFactory(), role="tutor")
    group = services.research_group_create(workshop=workshop, name="组", tutor=tutor)
    _member(workshop, group=group, hours=50)
    _member(workshop, group=group)
    (row,) = selectors.workshop_evaluations(workshop=workshop)
    assert row.total == Decimal("50.0")


def test_workshop_statistics(world, evaluated):
    members = list(evaluated.members.select_related("enrolment"))
    session = SessionFactory(
        subproject=evaluated.subproject, kind=Session.Kind.WORKSHOP_OFFLINE, date=dt.date(2026, 9, 5)
    )
    SessionFactory(subproject=evaluated.subproject, kind=Session.Kind.WORKSHOP_OFFLINE, date=dt.date(2026, 12, 5))
    AttendanceFactory(session=session, enrolment=members[0].enrolment, status=Status.PRESENT)
    AttendanceFactory(session=session, enrolment=members[1].enrolment, status=Status.ABSENT)
    stats = selectors.workshop_stats(workshop=evaluated, today=dt.date(2026, 10, 1))
    assert stats["members"] == 3 and stats["online_hours"] == Decimal(85) and stats["reached"] == 1
    assert (stats["sessions_held"], stats["sessions_total"], stats["person_times"]) == (1, 2, 1)
    assert stats["attendance_rate"] == pytest.approx(33.3)


def test_the_workshop_page_shows_evaluations_to_county_staff(world, client_for, evaluated):
    response = client_for(world.staff_x).get(reverse("outreach_workshop_detail", args=[evaluated.pk]))
    assert response.status_code == 200 and "81.0" in response.text
    assert client_for(world.staff_y).get(reverse("outreach_workshop_detail", args=[evaluated.pk])).status_code == 404


def test_staff_set_up_tutors_and_groups_through_the_pages(world, client_for):
    workshop = make_workshop(county=world.county_x)
    client = client_for(world.staff_x)
    response = client.post(
        reverse("outreach_workshop_staff_add", args=[workshop.pk]),
        {"teacher": world.teacher_a.pk, "role": "tutor", "own_score": "88"},
    )
    assert response.status_code == 302
    tutor = workshop.staff.get()
    response = client.post(
        reverse("outreach_workshop_group_add", args=[workshop.pk]),
        {"name": "一组", "leader": world.teacher_b.pk, "tutor": tutor.pk, "leader_own_score": "60"},
    )
    assert response.status_code == 302
    group = workshop.groups.get()
    assert (group.tutor, group.leader, tutor.own_score) == (tutor, world.teacher_b, Decimal(88))


def test_a_coordinator_cannot_set_up_a_workshop_team(world, client_for):
    workshop = make_workshop(county=world.county_x)
    response = client_for(world.coord_a).post(
        reverse("outreach_workshop_staff_add", args=[workshop.pk]), {"teacher": world.teacher_a.pk, "role": "tutor"}
    )
    assert response.status_code == 403 and not workshop.staff.exists()


def test_a_new_workshop_has_the_county_reports_defaults(world):
    workshop = make_workshop(county=world.county_x)
    assert (workshop.members_weight, workshop.own_weight, workshop.required_online_hours) == (50, 50, 80)
    assert (workshop.online_weight, workshop.offline_weight, workshop.tasks_weight) == (60, 20, 20)


def test_a_members_result_combines_online_hours_offline_attendance_and_tasks(world):
    workshop = make_workshop(county=world.county_x)  # 80 h, 10 tasks; 60 / 20 / 20
    tutor = services.workshop_staff_add(workshop=workshop, teacher=TeacherFactory(), role="tutor")
    group = services.research_group_create(workshop=workshop, name="组", tutor=tutor)
    member = _member(workshop, group=group)
    OnlineStudy.objects.create(enrolment=member.enrolment, online_hours=Decimal(40), tasks_done=5)
    held = [
        SessionFactory(subproject=workshop.subproject, kind=Session.Kind.WORKSHOP_OFFLINE, date=dt.date(2026, 3, d))
        for d in (1, 2)
    ]
    SessionFactory(subproject=workshop.subproject, kind=Session.Kind.WORKSHOP_OFFLINE, date=dt.date(2026, 12, 1))
    AttendanceFactory(session=held[0], enrolment=member.enrolment, status=Status.PRESENT)
    AttendanceFactory(session=held[1], enrolment=member.enrolment, status=Status.ABSENT)
    (row,) = selectors.workshop_members(workshop=workshop, today=dt.date(2026, 6, 1)).rows
    # online 40/80 = 50 × 60 % + offline 1 of 2 held = 50 × 20 % + tasks 5/10 = 50 × 20 %
    assert row.result == pytest.approx(Decimal(50))
    services.workshop_set_evaluation(
        workshop=workshop, members_weight=50, own_weight=50, required_online_hours=Decimal(40),
        online_weight=50, offline_weight=25, tasks_weight=25, required_tasks=5,
    )  # fmt: skip
    (row,) = selectors.workshop_members(workshop=workshop, today=dt.date(2026, 6, 1)).rows
    assert row.result == pytest.approx(Decimal("87.5"))  # 100 × 50 % + 50 × 25 % + 100 × 25 %


def test_member_weights_must_sum_to_a_hundred(world):
    workshop = make_workshop(county=world.county_x)
    with pytest.raises(ValidationError) as exc:
        services.workshop_set_evaluation(
            workshop=workshop, members_weight=50, own_weight=50, required_online_hours=Decimal(80),
            online_weight=60, offline_weight=30, tasks_weight=20, required_tasks=10,
        )  # fmt: skip
    assert services.ERR_MEMBER_WEIGHTS in str(exc.value)


def test_the_school_administrator_is_evaluated_on_the_members_of_their_school(world):
    workshop = _online_only(make_workshop(county=world.county_x), members_weight=50, own_weight=50)
    admin = services.workshop_staff_add(
        workshop=workshop, teacher=TeacherFactory(name="校管员", school=world.school_a), role="school_admin"
    )
    services.workshop_staff_score(staff=admin, own_score=Decimal(80))
    _member(workshop, hours=50, school=world.school_a)  # 100
    _member(workshop, hours=0, school=world.school_a)  # 0
    _member(workshop, hours=50, school=world.school_b)  # another school: not theirs
    (row,) = selectors.workshop_evaluations(workshop=workshop)
    assert (row.role, row.member_count, row.members_result, row.total) == (
        "校级管理员",
        2,
        Decimal("50.0"),
        Decimal("65.0"),
    )


def test_the_workshop_page_shows_a_coordinator_only_their_schools_members(world, client_for):
    workshop = make_workshop(county=world.county_x)
    group = services.research_group_create(workshop=workshop, name="一组")
    _member(workshop, hours=10, school=world.school_a)
    other = _member(workshop, hours=33, school=world.school_b, group=group)
    url = reverse("outreach_workshop_detail", args=[workshop.pk])
    response = client_for(world.coord_a).get(url)
    assert [m.enrolment.school for m in response.context["members"].rows] == [world.school_a]
    assert other.enrolment.teacher.name not in response.text and "33" not in response.text
    assert len(client_for(world.staff_x).get(url).context["members"].rows) == 2


def test_a_member_sees_their_own_row_and_their_groups_names_without_hours(world, client_for):
    workshop = make_workshop(county=world.county_x)
    group = services.research_group_create(workshop=workshop, name="一组")
    mine = EnrolmentFactory(subproject=workshop.subproject, teacher=world.teacher_a)
    OnlineStudy.objects.create(enrolment=mine, online_hours=Decimal("12.5"), tasks_done=1)
    services.workshop_member_add(workshop=workshop, enrolment=mine, group=group)
    peer = _member(workshop, hours="47.3", school=world.school_b, group=group)
    stranger = _member(workshop, hours=5, school=world.school_b)
    response = client_for(world.teacher_user_a).get(reverse("outreach_workshop_detail", args=[workshop.pk]))
    rows = response.context["members"].rows
    assert [m.enrolment.teacher for m in rows] == [world.teacher_a]
    assert peer.enrolment.teacher.name in response.text  # a group-mate's name
    # a decimal, since generated names (教师3047) and tokens may hold the digits 47 themselves
    assert "47.3" not in response.text and stranger.enrolment.teacher.name not in response.text
    assert response.context["evaluations"] == [] and response.context["bulletin"] is None


def test_the_host_sees_every_member_and_the_weekly_bulletin(world, client_for):
    workshop = make_workshop(county=world.county_x, host=world.teacher_a)
    _member(workshop, hours=70)
    late = _member(workshop, hours=5, school=world.school_b)
    services.workshop_bulletin_build(workshop=workshop, today=dt.date(2026, 9, 2))  # 40 of 80 h due
    response = client_for(world.teacher_user_a).get(reverse("outreach_workshop_detail", args=[workshop.pk]))
    assert len(response.context["members"].rows) == 2
    assert response.context["bulletin"].behind_count == 1
    assert late.enrolment.teacher.name in response.text and "进度落后 1 人" in response.text
