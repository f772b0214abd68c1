"""Migration 0003: a database with one-session visits migrates to one-day visits and reports the same 班次."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def _with_outreach_at(name):
    """Every other app at its latest migration, outreach at `name` (only outreach moves)."""
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    return [node for node in leaves if node[0] != "outreach"] + [("outreach", name)]


BEFORE = "0002_visits_team_resources_workshops"
AFTER = "0003_visit_days"


def _migrate(targets):
    if isinstance(targets, str):
        targets = _with_outreach_at(targets)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps(transactional_db):
    apps = _migrate(BEFORE)
    yield apps
    _migrate(executor_leaf_nodes())


def executor_leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _old_world(apps):
    """Two cycles as the old schema kept them: visits of one session each, with activities and bookings."""
    Region = apps.get_model("trainees", "Region")
    School = apps.get_model("trainees", "School")
    Category = apps.get_model("programs", "Category")
    Program = apps.get_model("programs", "Program")
    SubProject = apps.get_model("programs", "SubProject")
    Session = apps.get_model("programs", "Session")
    Cycle = apps.get_model("outreach", "Cycle")
    Phase = apps.get_model("outreach", "Phase")
    TeamPool = apps.get_model("outreach", "TeamPool")
    CycleTeamMember = apps.get_model("outreach", "CycleTeamMember")
    Visit = apps.get_model("outreach", "Visit")
    VisitActivity = apps.get_model("outreach", "VisitActivity")
    VisitBooking = apps.get_model("outreach", "VisitBooking")

    province = Region.objects.create(name="迁移省", level="province")
    city = Region.objects.create(name="迁移市", level="city", parent=province)
    county = Region.objects.create(name="迁移县", level="county", parent=city)
    school = School.objects.create(code="M001", name="迁移一小", county=county, kind="central", area="rural")
    category = Category.objects.create(name="迁移类别")
    program = Program.objects.create(county=county, year=2025, level="county", category=category, name="送教项目")
    pool = TeamPool.objects.create(county=county, name="王专家")
    cycles = []
    for subject, dates in (("数学", [(3, 10), (5, 12), (9, 8)]), ("语文", [(4, 2), (6, 1)])):
        sub = SubProject.objects.create(program=program, name=f"{subject}送教", kind="outreach", modality="outreach")
        cycle = Cycle.objects.create(subproject=sub, county=county, year=2025, subject=subject)
        phase = Phase.objects.create(cycle=cycle, order=1, name="诊断示范")
        member = CycleTeamMember.objects.create(cycle=cycle, member=pool, role="lead")
        for month, day in reversed(dates):  # created out of date order: numbers follow the dates
            session = Session.objects.create(
                subproject=sub,
                title=f"{subject}{month}月送教",
                date=dt.date(2025, month, day),
                start_time=dt.time(8, 30),
                end_time=dt.time(16, 30),
                host_school=school,
                hours=6,
                kind="outreach_visit",
            )
            visit = Visit.objects.create(session=session, phase=phase)
            VisitActivity.objects.create(visit=visit, kind="lecture", title="讲座", presenter=member, hours=2)
            VisitBooking.objects.create(visit=visit, member=member)
        cycles.append(cycle.pk)
    return cycles


@pytest.mark.django_db(transaction=True)
def test_one_session_visits_become_one_day_visits_with_the_same_count(old_apps):
    old_cycles = _old_world(old_apps)
    OldVisit = old_apps.get_model("outreach", "Visit")
    before = {pk: OldVisit.objects.filter(phase__cycle_id=pk).count() for pk in old_cycles}

    apps = _migrate(AFTER)
    Visit = apps.get_model("outreach", "Visit")
    VisitDay = apps.get_model("outreach", "VisitDay")
    VisitActivity = apps.get_model("outreach", "VisitActivity")
    VisitBooking = apps.get_model("outreach", "VisitBooking")
    after = {pk: Visit.objects.filter(cycle_id=pk).count() for pk in old_cycles}
    assert after == before == {old_cycles[0]: 3, old_cycles[1]: 2}
    assert VisitDay.objects.count() == 5  # one day each
    math = list(Visit.objects.filter(cycle_id=old_cycles[0]).order_by("number"))
    assert [v.number for v in math] == [1, 2, 3]
    assert [v.days.get().session.date for v in math] == [
        dt.date(2025, 3, 10),
        dt.date(2025, 5, 12),
        dt.date(2025, 9, 8),
    ]
    assert math[0].title == "数学3月送教"
    assert VisitActivity.objects.filter(day__isnull=True).count() == 0 and VisitActivity.objects.count() == 5
    assert VisitBooking.objects.filter(day__visit__cycle_id=old_cycles[1]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_migrated_database_reports_the_same_visits_through_the_selector(old_apps):
    old_cycles = _old_world(old_apps)
    _migrate(executor_leaf_nodes())
    from outreach.models import Cycle
    from outreach.selectors import outreach_statistics

    stats = outreach_statistics(cycles=Cycle.objects.filter(pk__in=old_cycles))
    assert [stats.for_cycle(pk).visits for pk in old_cycles] == [3, 2]
    assert (stats.total.visits, stats.total.days, stats.for_year(2025).visits) == (5, 5, 5)
