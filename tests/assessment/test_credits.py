"""Credit rules and the tally: each source of hours, requirements, idempotence, locks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment import credits
from assessment.credits import (
    credit_settings_save,
    requirement_save,
    school_project_decide,
    school_project_recognise,
    school_project_submit,
    school_session_record,
    tally_credits,
)
from assessment.models import CountyCreditSettings, CreditTally
from assessment.scoring import ComponentSpec, ScoreRow, scheme_publish, scores_save
from attendance.models import Status
from outreach.models import OnlineStudy
from programs.models import CreditCategory, Enrolment
from tests.factories import AttendanceFactory, EnrolmentFactory, ProgramFactory, SessionFactory, SubProjectFactory
from tests.factories.assessment import MANUAL, make_scheme

D = Decimal
COMPLETED = Enrolment.Status.COMPLETED


def _sub(world, *, hours=24, category=CreditCategory.CENTRALIZED, year=2026, county=None):
    program = ProgramFactory(county=county or world.county_x, year=year)
    return SubProjectFactory(program=program, hours=hours, credit_category=category)


def _tally(world, teacher=None, year=2026):
    tally_credits(year=year, county=world.county_x)
    return CreditTally.objects.get(teacher=teacher or world.teacher_a, year=year)


def test_completed_enrolment_without_scheme_earns_subproject_hours_in_its_category(world):
    EnrolmentFactory(subproject=_sub(world, hours=24), teacher=world.teacher_a, status=COMPLETED)
    EnrolmentFactory(
        subproject=_sub(world, hours=10, category=CreditCategory.ONLINE), teacher=world.teacher_a, status=COMPLETED
    )
    tally = _tally(world)
    assert (tally.centralized_hours, tally.online_hours, tally.school_based_hours) == (24, 10, 0)
    assert tally.total_hours == 34
    assert (tally.county, tally.school) == (world.county_x, world.school_a)


def test_confirmed_but_not_completed_earns_nothing(world):
    EnrolmentFactory(subproject=_sub(world), teacher=world.teacher_a, status=Enrolment.Status.CONFIRMED)
    assert _tally(world).total_hours == 0


def test_other_years_do_not_count(world):
    EnrolmentFactory(subproject=_sub(world, year=2025), teacher=world.teacher_a, status=COMPLETED)
    assert _tally(world).total_hours == 0


def _scored(world, score, *, publish=True):
    sub = _sub(world, hours=30)
    scheme = make_scheme(sub, components=[ComponentSpec("考试", 100, MANUAL)])
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=COMPLETED)
    scores_save(scheme=scheme, rows=[ScoreRow(e.pk, {scheme.components.get().pk: score})], actor=None)
    if publish:
        scheme_publish(scheme=scheme, actor=world.staff_x)
    return e


def test_passed_published_result_earns_hours(world):
    _scored(world, 80)
    assert _tally(world).centralized_hours == 30


def test_failed_result_earns_nothing(world):
    _scored(world, 40)
    assert _tally(world).centralized_hours == 0


def test_unpublished_result_earns_nothing_yet(world):
    _scored(world, 80, publish=False)
    assert _tally(world).centralized_hours == 0


def test_proportional_county_grants_attended_hours_capped_at_subproject_hours(world):
    credit_settings_save(
        county=world.county_x, hours_per_credit=D(10), mode=CountyCreditSettings.Mode.PROPORTIONAL, actor=None
    )
    sub = _sub(world, hours=12)
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=COMPLETED)
    for status in (Status.PRESENT, Status.LATE, Status.ABSENT, Status.LEAVE):
        AttendanceFactory(session=SessionFactory(subproject=sub, hours=3), enrolment=e, status=status)
    assert _tally(world).centralized_hours == 6  # two attended sessions of 3 hours
    online = _sub(world, hours=20, category=CreditCategory.ONLINE)
    e2 = EnrolmentFactory(subproject=online, teacher=world.teacher_a, status=COMPLETED)
    OnlineStudy.objects.create(enrolment=e2, online_hours=D(35))
    assert _tally(world).online_hours == 20


def test_credits_use_the_countys_conversion(world):
    credit_settings_save(county=world.county_x, hours_per_credit=D(8), mode="full", actor=None)
    EnrolmentFactory(subproject=_sub(world, hours=20), teacher=world.teacher_a, status=COMPLETED)
    assert _tally(world).credits == D("2.50")


def test_default_conversion_is_ten_hours_per_credit(world):
    EnrolmentFactory(subproject=_sub(world, hours=24), teacher=world.teacher_a, status=COMPLETED)
    assert _tally(world).credits == D("2.40")


def _school_based(world, *, recognise=True, attended=True):
    project = school_project_submit(
        school=world.school_a, year=2026, title="课堂观察", plan="计划", planned_hours=D(12), actor=world.coord_a
    )
    school_project_decide(project=project, approve=True, actor=world.staff_x)
    s1 = school_session_record(
        project=project,
        date=dt.date(2026, 10, 1),
        topic="观课",
        hours=D(4),
        teachers=[world.teacher_a] if attended else [],
        actor=world.coord_a,
    )
    school_session_record(
        project=project, date=dt.date(2026, 10, 8), topic="例会", hours=D(2), teachers=[world.teacher_a], actor=None
    )
    if recognise:
        # the weekly meeting is routine: recognised at 0
        s2 = project.sessions.exclude(pk=s1.pk).get()
        school_project_recognise(project=project, recognised={s2.pk: D(0)}, actor=world.staff_x)
    return project


def test_recognised_school_based_training_earns_school_based_hours(world):
    _school_based(world)
    assert _tally(world).school_based_hours == 4


def test_school_based_hours_need_recognition(world):
    _school_based(world, recognise=False)
    assert _tally(world).school_based_hours == 0


def test_school_based_sessions_need_an_approved_project(world):
    project = school_project_submit(
        school=world.school_a, year=2026, title="x", plan="p", planned_hours=D(4), actor=world.coord_a
    )
    with pytest.raises(ValidationError) as exc:
        school_session_record(
            project=project, date=dt.date(2026, 10, 1), topic="t", hours=D(2), teachers=[], actor=None
        )
    assert exc.value.messages == [credits.ERR_PROJECT_NOT_APPROVED]


def test_refusing_a_project_needs_a_reason(world):
    project = school_project_submit(
        school=world.school_a, year=2026, title="x", plan="p", planned_hours=D(4), actor=world.coord_a
    )
    with pytest.raises(ValidationError):
        school_project_decide(project=project, approve=False, reason=" ", actor=world.staff_x)


def test_school_cannot_record_another_schools_teacher(world):
    project = _school_based(world, recognise=False)
    with pytest.raises(ValidationError):
        school_session_record(
            project=project, date=dt.date(2026, 10, 2), topic="t", hours=D(2), teachers=[world.teacher_b], actor=None
        )


def test_requirement_met_and_shortfall(world):
    requirement_save(
        county=world.county_x,
        year=2026,
        total=D(72),
        minimums={"centralized": D(24), "online": D(24), "school_based": D(12)},
        actor=None,
    )
    EnrolmentFactory(subproject=_sub(world, hours=60), teacher=world.teacher_a, status=COMPLETED)
    tally = _tally(world)
    # total short by 12, but online (24) and school-based (12) minimums are short by 36
    assert (tally.met, tally.shortfall_hours) == (False, 36)
    untrained = CreditTally.objects.get(teacher=world.teacher_b, year=2026)
    assert (untrained.met, untrained.shortfall_hours, untrained.total_hours) == (False, 72, 0)


def test_requirement_fully_met(world):
    requirement_save(county=world.county_x, year=2026, total=D(24), minimums={"centralized": D(24)}, actor=None)
    EnrolmentFactory(subproject=_sub(world, hours=24), teacher=world.teacher_a, status=COMPLETED)
    tally = _tally(world)
    assert (tally.met, tally.shortfall_hours) == (True, 0)


def test_tally_is_idempotent_and_writes_only_changes(world):
    requirement_save(county=world.county_x, year=2026, total=D(24), actor=None)
    EnrolmentFactory(subproject=_sub(world, hours=24), teacher=world.teacher_a, status=COMPLETED)
    first = tally_credits(year=2026, county=world.county_x)
    table = list(CreditTally.objects.order_by("teacher").values("teacher", *credits.TALLY_FIELDS))
    second = tally_credits(year=2026, county=world.county_x)
    assert (first.teachers, first.written) == (2, 2)
    assert (second.teachers, second.written) == (2, 0)
    assert list(CreditTally.objects.order_by("teacher").values("teacher", *credits.TALLY_FIELDS)) == table
    EnrolmentFactory(subproject=_sub(world, hours=6), teacher=world.teacher_b, status=COMPLETED)
    assert tally_credits(year=2026, county=world.county_x).written == 1


def test_tally_for_one_county_leaves_others_alone(world):
    tally_credits(year=2026, county=world.county_x)
    assert not CreditTally.objects.filter(teacher=world.teacher_c).exists()
    tally_credits(year=2026)
    assert CreditTally.objects.filter(teacher=world.teacher_c, county=world.county_y).exists()


def test_tally_reports_progress_up_to_100(world):
    seen = []
    tally_credits(year=2026, progress=seen.append)
    assert seen[-1] == 100 and seen == sorted(seen)


def _tally_queries(world):
    with CaptureQueriesContext(connection) as ctx:
        tally_credits(year=2026, county=world.county_x)
    return len(ctx.captured_queries)


def test_tally_query_count_does_not_grow_with_attendance_rows(world):
    credit_settings_save(county=world.county_x, hours_per_credit=D(10), mode="proportional", actor=None)
    sub = _sub(world)

    def attend(teacher, sessions):
        e = EnrolmentFactory(subproject=sub, teacher=teacher, status=COMPLETED)
        for _ in range(sessions):
            AttendanceFactory(session=SessionFactory(subproject=sub), enrolment=e)

    attend(world.teacher_a, 1)
    baseline = _tally_queries(world)
    attend(world.teacher_b, 8)
    # work tables (drop and create teachers, computed rows, differences), attended hours (drop,
    # proportional check, savepoint, create, release), categories, requirements (with their
    # exemptions), 送教上门 settings, teachers per county (the chunks); per chunk: savepoint, teachers
    # and their id bounds, the comparison with the ledger, then only if it found differences the
    # stale delete, changed update and missing insert, tally upsert, release; drops
    assert _tally_queries(world) == baseline
    # PostgreSQL adds SET LOCAL ×2, ANALYZE ×2 and the ledger's row estimate; SQLite asks changes() ×2.
    assert baseline <= (35 if connection.vendor == "postgresql" else 32)


def test_tally_command(world, capsys):
    EnrolmentFactory(subproject=_sub(world, hours=24), teacher=world.teacher_a, status=COMPLETED)
    call_command("tally_credits", "--year", "2026", "--county", "甲县")
    call_command("tally_credits", "--year", "2026", "--county", "甲县", "--changed-only")
    out = capsys.readouterr().out
    assert "完成：2 名教师，写入 2 条" in out and "完成：2 名教师，写入 0 条" in out
    assert CreditTally.objects.get(teacher=world.teacher_a).total_hours == 24


def test_changed_only_tally_recomputes_just_the_changed_teachers(world):
    from django.utils import timezone

    from assessment.models import CreditTally as Tally

    sub = _sub(world, hours=24)
    EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=COMPLETED)
    tally_credits(year=2026, county=world.county_x)
    since = timezone.now()
    # A change without a stamp (a sub-project's hours) is not seen by a changed-only run…
    type(sub).objects.filter(pk=sub.pk).update(hours=30)
    EnrolmentFactory(subproject=_sub(world, hours=6), teacher=world.teacher_b, status=COMPLETED)
    outcome = tally_credits(year=2026, county=world.county_x, changed_since=since)
    assert (outcome.teachers, outcome.written) == (2, 1)
    assert Tally.objects.get(teacher=world.teacher_b).total_hours == 6
    assert Tally.objects.get(teacher=world.teacher_a).total_hours == 24
    # …while a full run picks it up.
    assert tally_credits(year=2026, county=world.county_x).written == 1
    assert Tally.objects.get(teacher=world.teacher_a).total_hours == 30


def test_changed_only_tally_falls_back_to_full_when_rules_change(world):
    from django.utils import timezone

    EnrolmentFactory(subproject=_sub(world, hours=24), teacher=world.teacher_a, status=COMPLETED)
    tally_credits(year=2026, county=world.county_x)
    since = timezone.now()
    credit_settings_save(county=world.county_x, hours_per_credit=D(12), mode="full", actor=None)
    tally_credits(year=2026, county=world.county_x, changed_since=since)
    assert CreditTally.objects.get(teacher=world.teacher_a).credits == D("2.00")


def test_tally_run_changed_only_starts_from_the_previous_run(world):
    from assessment.credits import tally_run_execute
    from assessment.models import TallyRun

    EnrolmentFactory(subproject=_sub(world, hours=24), teacher=world.teacher_a, status=COMPLETED)
    first = tally_run_execute(run=TallyRun.objects.create(year=2026, county=world.county_x))
    second = tally_run_execute(run=TallyRun.objects.create(year=2026, county=world.county_x, changed_only=True))
    assert (first.written, second.written) == (2, 0)
    assert second.status == TallyRun.Status.DONE


def test_changed_only_tally_counts_new_attendance_in_proportional_county(world):
    from django.utils import timezone

    credit_settings_save(county=world.county_x, hours_per_credit=D(10), mode="proportional", actor=None)
    sub = _sub(world, hours=12)
    ea = EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=COMPLETED)
    eb = EnrolmentFactory(subproject=sub, teacher=world.teacher_b, status=COMPLETED)
    first, second = SessionFactory(subproject=sub, hours=3), SessionFactory(subproject=sub, hours=3)
    AttendanceFactory(session=first, enrolment=ea)
    AttendanceFactory(session=first, enrolment=eb)
    tally_credits(year=2026, county=world.county_x)
    since = timezone.now()
    AttendanceFactory(session=second, enrolment=ea)
    outcome = tally_credits(year=2026, county=world.county_x, changed_since=since)
    assert outcome.written == 1
    assert CreditTally.objects.get(teacher=world.teacher_a).centralized_hours == 6
    assert CreditTally.objects.get(teacher=world.teacher_b).centralized_hours == 3
