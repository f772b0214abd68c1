"""Assessment pages: school-based flow through the browser, settings, tally runs, list query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.credits import (
    credit_settings_for,
    school_project_decide,
    school_project_submit,
    school_session_record,
    tally_credits,
)
from assessment.models import (
    CountyCreditCategory,
    CreditCycle,
    CreditRequirement,
    CreditTally,
    RequirementMinimum,
    SchoolProject,
    TallyRun,
)
from assessment.registration import registration_submit
from assessment.scoring import scheme_compute
from programs.models import Enrolment
from tests.factories import EnrolmentFactory, ProgramFactory, SchoolFactory, SubProjectFactory, TeacherFactory
from tests.factories.assessment import make_scheme

D = Decimal


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_school_based_flow_through_the_pages(client_for, world):
    coord = client_for(world.coord_a)
    response = coord.post(
        reverse("school_project_create"), {"year": 2026, "title": "同课异构", "plan": "每月一次", "planned_hours": "6"}
    )
    project = SchoolProject.objects.get()
    assert response.url == reverse("school_project_detail", args=[project.pk])
    assert project.school == world.school_a
    staff = client_for(world.staff_x)
    staff.post(reverse("school_project_decide", args=[project.pk]), {"decision": "approve"})
    coord = client_for(world.coord_a)
    coord.post(
        reverse("school_session_create", args=[project.pk]),
        {"date": "2026-10-09", "topic": "说课", "hours": "3", "teachers": [world.teacher_a.pk]},
    )
    session = project.sessions.get()
    staff = client_for(world.staff_x)
    staff.post(reverse("school_project_recognise", args=[project.pk]), {f"r-{session.pk}": "2"})
    project.refresh_from_db()
    assert project.status == SchoolProject.Status.RECOGNISED
    tally_credits(year=2026, county=world.county_x)
    assert CreditTally.objects.get(teacher=world.teacher_a).school_based_hours == 2


def test_coordinator_cannot_approve_own_project(client_for, world):
    project = school_project_submit(
        school=world.school_a, year=2026, title="t", plan="p", planned_hours=D(2), actor=world.coord_a
    )
    assert (
        client_for(world.coord_a)
        .post(reverse("school_project_decide", args=[project.pk]), {"decision": "approve"})
        .status_code
        == 403
    )
    project.refresh_from_db()
    assert project.status == SchoolProject.Status.SUBMITTED


def test_credit_settings_page_saves_settings_and_requirements(client_for, world):
    client = client_for(world.staff_x)
    url = reverse("credit_settings")
    client.post(url, {"form": "settings", "hours_per_credit": "8", "mode": "proportional"})
    settings = credit_settings_for(world.county_x)
    assert (settings.hours_per_credit, settings.mode) == (8, "proportional")
    centralized = CountyCreditCategory.objects.get(county=world.county_x, code="centralized")
    form = {
        "form": "requirement",
        "year": 2026,
        "group": "all",
        "new_within_years": 3,
        "unit": "credits",
        "total": "48",
        f"min_{centralized.pk}": "16",
    }
    client.post(url, form)
    client.post(url, {**form, "total": "50"})  # the same year again updates it
    assert list(CreditRequirement.objects.values_list("county__name", "year", "total_hours", "unit")) == [
        ("甲县", 2026, 50, "credits")
    ]
    assert list(RequirementMinimum.objects.values_list("category__code", "minimum")) == [("centralized", 16)]


def test_credit_settings_page_adds_a_category_and_a_cycle(client_for, world):
    client = client_for(world.staff_x)
    url = reverse("credit_settings")
    client.post(url, {"form": "category", "code": "research", "name": "教研活动", "hours_per_credit": "20"})
    client.post(url, {"form": "cycle", "start_year": 2026, "years": 5, "unit": "hours", "total": "360"})
    names = list(CountyCreditCategory.objects.filter(county=world.county_x).values_list("name", "hours_per_credit"))
    assert ("教研活动", 20) in names and ("集中培训", 10) in names
    assert CreditCycle.objects.get(county=world.county_x).end_year == 2030


def test_a_subproject_category_maps_to_one_county_category_only(client_for, world):
    client = client_for(world.staff_x)
    response = client.post(
        reverse("credit_settings"),
        {
            "form": "category",
            "code": "x",
            "name": "另一集中",
            "hours_per_credit": "10",
            "subproject_category": "centralized",
        },
    )
    assert "已对应“集中培训”" in response.content.decode()
    assert not CountyCreditCategory.objects.filter(code="x").exists()


def test_tally_run_from_the_page_reports_done(client_for, world, django_capture_on_commit_callbacks):
    EnrolmentFactory(
        subproject=SubProjectFactory(program=ProgramFactory(county=world.county_x, year=2026), hours=24),
        teacher=world.teacher_a,
        status=Enrolment.Status.COMPLETED,
    )
    client = client_for(world.staff_x)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tally_run_start"), {"year": 2026})
    run = TallyRun.objects.get()
    assert response.url == reverse("tally_run_detail", args=[run.pk])
    # Without a broker the task runs eagerly once the request's transaction commits.
    page = client.get(response.url).content.decode()
    run.refresh_from_db()
    assert (run.status, run.progress, run.teachers, run.county) == ("done", 100, 2, world.county_x)
    assert "100%" in page
    assert CreditTally.objects.get(teacher=world.teacher_a).total_hours == 24
    assert not CreditTally.objects.filter(teacher=world.teacher_c).exists()


def _grow(world):
    for _ in range(6):
        school = SchoolFactory(county=world.county_x)
        teacher = TeacherFactory(school=school)
        sub = SubProjectFactory(program=ProgramFactory(county=world.county_x, year=2026))
        make_scheme(sub)
        EnrolmentFactory(subproject=sub, teacher=teacher, status=Enrolment.Status.COMPLETED)
        project = school_project_submit(
            school=school, year=2026, title="x", plan="p", planned_hours=D(2), actor=world.staff_x
        )
        school_project_decide(project=project, approve=True, actor=None)
        school_session_record(
            project=project, date=dt.date(2026, 3, 1), topic="t", hours=D(1), teachers=[teacher], actor=None
        )
    tally_credits(year=2026, county=world.county_x)
    for school in world.county_x.schools.filter(credit_registrations__isnull=True)[:3]:
        registration_submit(school=school, year=2026, actor=world.coord_a)


@pytest.mark.parametrize(
    "name,params",
    [
        ("scheme_list", {}),
        ("tally_list", {"year": 2026}),
        ("registration_list", {"year": 2026}),
        ("school_project_list", {}),
    ],
)
def test_list_queries_do_not_grow_with_rows(client_for, world, name, params):
    client = client_for(world.staff_x)
    url = reverse(name)
    _grow(world)
    baseline = _count(client, url, params)
    _grow(world)
    # session, user, count, one page query (related rows joined or annotated), templates' extra list
    # (scheme templates / school choices)
    assert _count(client, url, params) == baseline
    assert baseline <= 7


def test_score_grid_and_registration_detail_queries_do_not_grow(client_for, world):
    sub = SubProjectFactory(program=ProgramFactory(county=world.county_x, year=2026))
    scheme = make_scheme(sub)
    client = client_for(world.staff_x)

    def add(n):
        for _ in range(n):
            EnrolmentFactory(subproject=sub, teacher=TeacherFactory(school=world.school_a))
        scheme_compute(scheme=scheme)
        tally_credits(year=2026, county=world.county_x)

    add(2)
    grid = _count(client, reverse("score_grid", args=[scheme.pk]))
    detail = _count(client, reverse("registration_detail", args=[world.school_a.pk, 2026]))
    export = _count(client, reverse("excellent_export", args=[scheme.pk]))
    add(8)
    # grid: session, user, scheme, components, enrolments with results, manual scores
    assert _count(client, reverse("score_grid", args=[scheme.pk])) == grid
    assert _count(client, reverse("registration_detail", args=[world.school_a.pk, 2026])) == detail
    assert _count(client, reverse("excellent_export", args=[scheme.pk])) == export
