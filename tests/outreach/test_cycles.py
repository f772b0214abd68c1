"""Cycles: default and edited phases, phase order on visits and tasks, where a cycle stands."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from outreach import selectors, services
from outreach.models import DEFAULT_PHASES, Cycle
from programs.models import Session, SubProject
from tests.factories.outreach import enrol, make_cycle, make_task, make_visit, phase
from tests.factories.programs import ProgramFactory, SubProjectFactory


def test_a_new_cycle_gets_the_four_default_phases_in_order(world):
    cycle = make_cycle(county=world.county_x)
    assert list(cycle.phases.values_list("name", flat=True)) == list(DEFAULT_PHASES)
    assert cycle.county == world.county_x and cycle.year == 2026


def test_phase_names_can_be_given_and_renamed(world):
    cycle = make_cycle(county=world.county_x, phase_names=["诊断", "磨课", "展示"])
    services.phase_rename(phase=phase(cycle, 2), name="研课")
    assert list(cycle.phases.values_list("name", flat=True)) == ["诊断", "研课", "展示"]


def test_duplicate_phase_names_are_refused(world):
    cycle = make_cycle(county=world.county_x)
    with pytest.raises(ValidationError) as exc:
        services.phase_rename(phase=phase(cycle, 2), name="诊断示范")
    assert services.ERR_DUPLICATE_PHASE in str(exc.value)


def test_only_an_outreach_sub_project_can_hold_a_cycle(world):
    subproject = SubProjectFactory(program=ProgramFactory(county=world.county_x), kind=SubProject.Kind.BACKBONE)
    with pytest.raises(ValidationError) as exc:
        services.cycle_create(subproject=subproject, subject="数学")
    assert services.ERR_NOT_OUTREACH in str(exc.value)


def test_a_visit_is_a_session_of_the_cycle_sub_project_at_the_host_school(world):
    cycle = make_cycle(county=world.county_x)
    visit = make_visit(cycle, host_school=world.school_a)
    assert visit.days.first().session.subproject_id == cycle.subproject_id
    assert visit.days.first().session.kind == Session.Kind.OUTREACH_VISIT
    assert visit.days.first().session.host_school == world.school_a


def test_a_host_school_of_another_county_is_refused(world):
    cycle = make_cycle(county=world.county_x)
    with pytest.raises(ValidationError):
        make_visit(cycle, host_school=world.school_c)


def test_a_later_phase_cannot_be_dated_before_an_earlier_one(world):
    cycle = make_cycle(county=world.county_x)
    make_visit(cycle, order=2, date=dt.date(2026, 10, 15), host_school=world.school_a)
    with pytest.raises(ValidationError) as exc:
        make_visit(cycle, order=3, date=dt.date(2026, 10, 1), host_school=world.school_a)
    assert "阶段顺序" in str(exc.value)
    with pytest.raises(ValidationError):
        make_task(cycle, order=1, due_date=dt.date(2026, 11, 1))
    # Later than the earlier phase's last date is fine (the same day is taken: one visit day a date).
    make_visit(cycle, order=3, date=dt.date(2026, 10, 16), host_school=world.school_b)
    make_task(cycle, order=1, due_date=dt.date(2026, 10, 10))
    assert cycle.visits.count() == 2  # the refused visit left nothing behind


def test_a_second_visit_day_on_a_taken_date_is_refused(world):
    cycle = make_cycle(county=world.county_x)
    visit = make_visit(cycle, date=dt.date(2026, 9, 10), host_school=world.school_a)
    with pytest.raises(ValidationError) as exc:
        make_visit(cycle, date=dt.date(2026, 9, 10), host_school=world.school_b)
    assert "每天只能有一个送教日" in str(exc.value)
    assert list(cycle.visits.all()) == [visit]


def test_the_current_phase_is_the_last_that_has_started(world):
    cycle = make_cycle(county=world.county_x)
    make_visit(cycle, order=1, date=dt.date(2026, 9, 10), host_school=world.school_a)
    make_visit(cycle, order=2, date=dt.date(2026, 10, 10), host_school=world.school_a)
    make_visit(cycle, order=3, date=dt.date(2026, 11, 10), host_school=world.school_a)
    page = selectors.cycle_page(cycle=cycle, today=dt.date(2026, 10, 20))
    assert page.current.phase.name == "研课磨课"
    assert [s.state for s in page.phases] == ["done", "current", "upcoming", "upcoming"]
    assert page.visits_held == 2 and page.progress_percent == 67


def test_a_cycle_without_dates_stands_at_its_first_phase(world):
    cycle = make_cycle(county=world.county_x)
    page = selectors.cycle_page(cycle=cycle, today=dt.date(2026, 1, 1))
    assert page.current.phase.order == 1 and page.progress_percent == 0


def test_staff_create_a_cycle_through_the_page(world, client_for):
    subproject = SubProjectFactory(program=ProgramFactory(county=world.county_x), kind=SubProject.Kind.OUTREACH)
    response = client_for(world.staff_x).post(
        reverse("outreach_cycle_create"),
        {"subproject": subproject.pk, "subject": "语文", "stage": "小学", "phase_names": "一\n二"},
    )
    cycle = Cycle.objects.get(subproject=subproject)
    assert response.status_code == 302
    assert list(cycle.phases.values_list("name", flat=True)) == ["一", "二"]


def test_a_coordinator_may_look_at_a_cycle_but_not_add_visits(world, client_for):
    cycle = make_cycle(county=world.county_x)
    client = client_for(world.coord_a)
    assert client.get(reverse("outreach_cycle_detail", args=[cycle.pk])).status_code == 200
    assert client.post(reverse("outreach_visit_create", args=[cycle.pk]), {}).status_code == 403


def test_staff_add_a_visit_through_the_page(world, client_for):
    cycle = make_cycle(county=world.county_x)
    response = client_for(world.staff_x).post(
        reverse("outreach_visit_create", args=[cycle.pk]),
        {
            "phase": phase(cycle).pk,
            "date": "2026-09-10",
            "start_time": "08:30",
            "end_time": "16:30",
            "host_school": world.school_a.pk,
            "hours": "6",
        },
    )
    assert response.status_code == 302
    assert cycle.subproject.sessions.get().outreach_day.visit.phase == phase(cycle)


def test_a_trainee_sees_only_cycles_they_are_enrolled_in(world, client_for):
    mine = make_cycle(county=world.county_x, subject="数学")
    other = make_cycle(county=world.county_x, subject="语文")
    enrol(mine, world.teacher_a)
    client = client_for(world.teacher_user_a)
    assert client.get(reverse("outreach_cycle_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("outreach_cycle_detail", args=[other.pk])).status_code == 404
