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


@pytest.fixture
def evaluated(world):
    workshop = make_workshop(county=world.county_x, required_online_hours=Decimal(50))
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
    workshop = make_workshop(county=world.county_x, members_weight=100, own_weight=0)
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
