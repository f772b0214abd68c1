"""The ledger: one row per credited item, rebuilt idempotently; every total is a sum of its rows."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from assessment import selectors
from assessment.credits import ledger_refresh, requirement_save, tally_credits
from assessment.models import CreditEntry, CreditTally
from programs.models import CreditCategory, Enrolment
from tests.factories import EnrolmentFactory, ProgramFactory, SubProjectFactory
from trainees.models import Teacher

D = Decimal
COMPLETED = Enrolment.Status.COMPLETED


def _sub(world, *, hours=24, category=CreditCategory.CENTRALIZED, year=2026):
    return SubProjectFactory(
        program=ProgramFactory(county=world.county_x, year=year), hours=hours, credit_category=category
    )


def test_every_earning_enrolment_is_one_ledger_row_keyed_by_its_source(world):
    e = EnrolmentFactory(subproject=_sub(world, hours=24), teacher=world.teacher_a, status=COMPLETED)
    first = tally_credits(year=2026, county=world.county_x)
    row = CreditEntry.objects.get()
    assert (row.source_kind, row.source_id, row.hours, row.credits, row.category.name) == (
        "enrolment",
        e.pk,
        24,
        D("2.40"),
        "集中培训",
    )
    assert e.subproject.name in row.title
    second = tally_credits(year=2026, county=world.county_x)
    assert (first.ledger_written, second.ledger_written, second.written) == (1, 0, 0)
    assert CreditEntry.objects.count() == 1


def test_a_withdrawn_enrolment_leaves_the_ledger_at_the_next_rebuild(world):
    e = EnrolmentFactory(subproject=_sub(world), teacher=world.teacher_a, status=COMPLETED)
    tally_credits(year=2026, county=world.county_x)
    Enrolment.objects.filter(pk=e.pk).update(status=Enrolment.Status.WITHDRAWN)
    outcome = tally_credits(year=2026, county=world.county_x)
    assert outcome.ledger_written == 1 and not CreditEntry.objects.exists()
    assert CreditTally.objects.get(teacher=world.teacher_a).total_hours == 0


def test_a_rebuild_changes_only_the_rows_whose_records_changed(world):
    from programs.models import SubProject

    sub = _sub(world, hours=24)
    changed = EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=COMPLETED)
    other = EnrolmentFactory(subproject=_sub(world, hours=12), teacher=world.teacher_b, status=COMPLETED)
    tally_credits(year=2026, county=world.county_x)
    untouched = CreditEntry.objects.get(source_id=other.pk).updated_at
    SubProject.objects.filter(pk=sub.pk).update(hours=30)
    outcome = tally_credits(year=2026, county=world.county_x)
    assert outcome.ledger_written == 1
    assert CreditEntry.objects.get(source_id=changed.pk).hours == 30
    assert CreditEntry.objects.get(source_id=other.pk).updated_at == untouched
    assert CreditTally.objects.get(teacher=world.teacher_a).total_hours == 30


def test_a_row_whose_program_moved_to_another_year_moves_with_it(world):
    from programs.models import Program

    sub = _sub(world, hours=24, year=2025)
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=COMPLETED)
    tally_credits(year=2025, county=world.county_x)
    Program.objects.filter(pk=sub.program_id).update(year=2026)
    outcome = tally_credits(year=2026, county=world.county_x)
    row = CreditEntry.objects.get()
    assert (row.source_id, row.year, outcome.ledger_written) == (e.pk, 2026, 1)


def test_locked_rows_are_neither_changed_nor_deleted_by_a_rebuild(world):
    from programs.models import SubProject

    sub = _sub(world, hours=24)
    kept = EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=COMPLETED)
    gone = EnrolmentFactory(subproject=_sub(world, hours=12), teacher=world.teacher_a, status=COMPLETED)
    tally_credits(year=2026, county=world.county_x)
    CreditEntry.objects.update(locked=True)
    SubProject.objects.filter(pk=sub.pk).update(hours=30)
    Enrolment.objects.filter(pk=gone.pk).update(status=Enrolment.Status.WITHDRAWN)
    outcome = tally_credits(year=2026, county=world.county_x)
    assert outcome.ledger_written == 0
    assert dict(CreditEntry.objects.values_list("source_id", "hours")) == {kept.pk: 24, gone.pk: 12}


def test_categories_convert_at_their_own_rate(world):
    from assessment.credits import category_save

    category_save(
        county=world.county_x,
        code="online",
        name="网络研修",
        hours_per_credit=D(20),
        subproject_category="online",
        actor=None,
    )
    EnrolmentFactory(subproject=_sub(world, hours=10), teacher=world.teacher_a, status=COMPLETED)
    EnrolmentFactory(
        subproject=_sub(world, hours=20, category=CreditCategory.ONLINE), teacher=world.teacher_a, status=COMPLETED
    )
    tally_credits(year=2026, county=world.county_x)
    tally = CreditTally.objects.get(teacher=world.teacher_a)
    assert (tally.total_hours, tally.credits) == (30, D("2.00"))  # 10/10 + 20/20


def test_a_requirement_in_credits_compares_credits(world):
    requirement_save(county=world.county_x, year=2026, unit="credits", total=D(3), actor=None)
    EnrolmentFactory(subproject=_sub(world, hours=24), teacher=world.teacher_a, status=COMPLETED)
    tally_credits(year=2026, county=world.county_x)
    tally = CreditTally.objects.get(teacher=world.teacher_a)
    assert (tally.met, tally.shortfall_hours, tally.unit, tally.requirement_total) == (False, D("0.6"), "credits", 3)


def test_district_style_category_minimums_in_credits(world):
    # 48 学分: 集中 16, 网络 8, 校本 24 — one training of 200 学时 gives 20 学分 of 集中 only.
    requirement_save(
        county=world.county_x,
        year=2026,
        unit="credits",
        total=D(48),
        minimums={"集中培训": D(16), "网络研修": D(8), "校本研修": D(24)},
        actor=None,
    )
    EnrolmentFactory(subproject=_sub(world, hours=200), teacher=world.teacher_a, status=COMPLETED)
    tally_credits(year=2026, county=world.county_x)
    tally = CreditTally.objects.get(teacher=world.teacher_a)
    assert (tally.met, tally.shortfall_hours) == (False, 32)  # 8 + 24 short in the minimums, 28 in the total


def test_service_writes_refresh_the_ledger_without_a_full_rebuild(world):
    from assessment.credits import (
        school_project_decide,
        school_project_recognise,
        school_project_submit,
        school_session_record,
    )

    project = school_project_submit(
        school=world.school_a, year=2026, title="课堂观察", plan="计划", planned_hours=D(6), actor=world.coord_a
    )
    school_project_decide(project=project, approve=True, actor=world.staff_x)
    school_session_record(
        project=project, date="2026-05-01", topic="观课", hours=D(3), teachers=[world.teacher_a], actor=None
    )
    school_project_recognise(project=project, actor=world.staff_x)
    row = CreditEntry.objects.get(teacher=world.teacher_a)
    assert (row.source_kind, row.hours, row.category.name) == ("school_session", 3, "校本研修")
    assert CreditTally.objects.get(teacher=world.teacher_a).school_based_hours == 3


def test_ledger_refresh_for_teachers_leaves_others_alone(world):
    EnrolmentFactory(subproject=_sub(world), teacher=world.teacher_a, status=COMPLETED)
    EnrolmentFactory(subproject=_sub(world), teacher=world.teacher_b, status=COMPLETED)
    ledger_refresh(teacher_ids=[world.teacher_a.pk], years=[2026])
    assert list(CreditEntry.objects.values_list("teacher", flat=True)) == [world.teacher_a.pk]


def test_home_visits_enter_the_ledger_when_the_county_turns_the_rule_on(world):
    from assessment.credits import categories_ensure
    from assessment.models import CountyCreditSettings
    from specialed.models import SupportVisit

    categories = {c.code: c for c in categories_ensure(county=world.county_x)}
    visit = SupportVisit.objects.create(
        **_visit_fields(world, SupportVisit),
    )
    visit.teachers.add(world.teacher_a)
    tally_credits(year=2026, county=world.county_x)
    assert not CreditEntry.objects.exists()
    CountyCreditSettings.objects.update_or_create(
        county=world.county_x, defaults={"home_visit_category": categories["self_study"]}
    )
    tally_credits(year=2026, county=world.county_x)
    row = CreditEntry.objects.get()
    assert (row.source_kind, row.hours, row.category.code) == ("home_visit", visit.hours, "self_study")


def _visit_fields(world, model):
    import datetime as dt

    return {
        "county": world.county_x,
        "school": world.school_a,
        "kind": model.Kind.HOME,
        "child_code": "C001",
        "date": dt.date(2026, 5, 6),
        "hours": D(2),
    }


@pytest.mark.django_db
def test_every_transcript_total_is_the_sum_of_its_rows_over_the_demo():
    call_command("load_demo")
    teachers = Teacher.objects.filter(credit_entries__isnull=False).distinct().select_related("school")
    assert teachers.count() > 100
    checked = 0
    for teacher in teachers:
        years = selectors.transcript(teacher=teacher)
        for year, data in years.items():
            shown = sum((e.earned_hours or 0 for e in data["enrolments"]), D(0))
            shown += sum((r.hours for r in data["entries"]), D(0))
            assert shown == data["hours"], (teacher.pk, year)
            ledger = CreditEntry.objects.filter(teacher=teacher, year=year, status="counted").aggregate(h=Sum("hours"))
            assert data["hours"] == (ledger["h"] or 0)
            if data["tally"] is not None:
                assert data["tally"].total_hours == data["hours"], (teacher.pk, year)
            checked += 1
    assert checked > 100


# 10: both counties in one chunk (one set of statements); 2: each county cut into id ranges.
@pytest.mark.parametrize("chunk", [10, 2])
def test_one_run_over_many_counties_keeps_each_countys_rates_and_rules(world, monkeypatch, chunk):
    """A province's run puts several counties in the same statements: each teacher still gets their own
    county's conversion, requirement and rule, whatever the chunk they fall in."""
    from assessment import credits
    from assessment.credits import category_save
    from tests.factories import TeacherFactory

    monkeypatch.setattr(credits, "CHUNK_TEACHERS", chunk)
    category_save(
        county=world.county_y,
        code="centralized",
        name="集中培训",
        hours_per_credit=D(20),
        subproject_category="centralized",
        actor=None,
    )
    requirement_save(county=world.county_x, year=2026, total=D(30), actor=None)
    requirement_save(county=world.county_y, year=2026, unit="credits", total=D(1), actor=None)
    # Interleaved ids: X, Y, X, Y, X.
    x_teachers = [world.teacher_a]
    y_teachers = [world.teacher_c]
    for _ in range(2):
        y_teachers.append(TeacherFactory(school=world.school_c))
        x_teachers.append(TeacherFactory(school=world.school_a))
    sub_x = _sub(world, hours=24)
    sub_y = SubProjectFactory(
        program=ProgramFactory(county=world.county_y, year=2026), hours=24, credit_category=CreditCategory.CENTRALIZED
    )
    for teacher in x_teachers:
        EnrolmentFactory(subproject=sub_x, teacher=teacher, status=COMPLETED)
    for teacher in y_teachers:
        EnrolmentFactory(subproject=sub_y, teacher=teacher, status=COMPLETED)

    outcome = tally_credits(year=2026)

    assert outcome.ledger_written == 6
    tallies = {t.teacher_id: t for t in CreditTally.objects.filter(year=2026)}
    for teacher in x_teachers:
        tally = tallies[teacher.pk]
        assert (tally.county_id, tally.credits, tally.met, tally.shortfall_hours) == (
            world.county_x.pk,
            D("2.40"),
            False,
            D("6.0"),
        )
        assert tally.unit == "hours" and tally.requirement_total == 30
    for teacher in y_teachers:
        tally = tallies[teacher.pk]
        assert (tally.county_id, tally.credits, tally.met, tally.unit) == (world.county_y.pk, D("1.20"), True, "credits")
        assert CreditEntry.objects.get(teacher=teacher).county_id == world.county_y.pk
    assert world.teacher_b.pk in tallies  # a teacher with nothing earned still gets their tally row
    # The run over both counties and the runs county by county agree and leave nothing to write.
    assert tally_credits(year=2026, county=world.county_x).ledger_written == 0
    assert tally_credits(year=2026, county=world.county_y).written == 0


def test_a_run_that_fills_the_ledger_refreshes_its_statistics(world, monkeypatch):
    """Planned over a ledger the statistics still call empty, a first run's later chunks would scan
    the whole ledger per row; the run refreshes them as it fills the table (PostgreSQL)."""
    from django.db import connection

    from assessment import ledger

    if connection.vendor != "postgresql":
        pytest.skip("statistics are PostgreSQL's (CI runs this on PostgreSQL)")

    def estimate():
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'assessment_creditentry'::regclass")
            return cursor.fetchone()[0]

    monkeypatch.setattr(ledger, "RESTAT_AFTER", 2)
    sub = _sub(world, hours=24)
    for teacher in (world.teacher_a, world.teacher_b):
        EnrolmentFactory(subproject=sub, teacher=teacher, status=COMPLETED)
    assert estimate() <= 0
    tally_credits(year=2026, county=world.county_x)
    assert estimate() == 2
