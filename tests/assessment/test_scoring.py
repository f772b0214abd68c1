"""Assessment schemes: weights, sources, grades, the 优秀 rule, copying and the publication lock."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assessment import scoring
from assessment.models import Component, Grade, Result
from assessment.scoring import ComponentSpec, ScoreRow, scheme_compute, scheme_copy, scheme_publish, scores_save
from attendance.models import Status
from outreach.models import Cycle, OnlineStudy, Phase, PhaseTask, TaskSubmission
from programs.models import Enrolment
from tests.factories import AttendanceFactory, EnrolmentFactory, ProgramFactory, SessionFactory, SubProjectFactory
from tests.factories.assessment import ATT, MANUAL, ONLINE, TASKS, make_scheme, make_template


@pytest.fixture
def sub(world):
    return SubProjectFactory(program=ProgramFactory(county=world.county_x))


def _manual(scheme, label):
    return scheme.components.get(label=label).pk


def _enter(scheme, enrolment, label, value, actor=None):
    return scores_save(scheme=scheme, rows=[ScoreRow(enrolment.pk, {_manual(scheme, label): value})], actor=actor)


def _result(enrolment):
    return Result.objects.get(enrolment=enrolment)


def test_weights_must_sum_to_100(sub):
    with pytest.raises(ValidationError) as exc:
        make_scheme(sub, components=[ComponentSpec("出勤", 40, ATT), ComponentSpec("作业", 50, MANUAL)])
    assert exc.value.messages == [scoring.ERR_WEIGHTS_SUM.format(total=90)]


def test_database_refuses_a_weight_above_100(sub):
    scheme = make_scheme(sub)
    with pytest.raises(IntegrityError), transaction.atomic():
        Component.objects.filter(scheme=scheme, label="出勤").update(weight=140)


def test_online_component_needs_a_target(sub):
    with pytest.raises(ValidationError) as exc:
        make_scheme(sub, components=[ComponentSpec("网络", 100, ONLINE)])
    assert exc.value.messages == [scoring.ERR_TARGET_REQUIRED]


def test_final_score_is_weighted_sum_of_attendance_and_manual_score(world, sub):
    scheme = make_scheme(sub)
    s1, s2 = SessionFactory(subproject=sub), SessionFactory(subproject=sub)
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    AttendanceFactory(session=s1, enrolment=e, status=Status.PRESENT)
    AttendanceFactory(session=s2, enrolment=e, status=Status.ABSENT)
    _enter(scheme, e, "作业", 90)
    result = _result(e)
    # attendance 1 of 2 sessions = 50 → 50 × 40% + 90 × 60% = 74
    assert result.component_scores == {"出勤": "50.0", "作业": "90.0"}
    assert result.final_score == Decimal("74.0")
    assert result.grade == Grade.PASS


def test_missing_manual_score_leaves_trainee_ungraded(world, sub):
    scheme = make_scheme(sub)
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    scheme_compute(scheme=scheme)
    assert (_result(e).final_score, _result(e).grade) == (None, "")


def test_below_pass_mark_is_fail(world, sub):
    scheme = make_scheme(sub, components=[ComponentSpec("考试", 100, MANUAL)], pass_mark=60)
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    _enter(scheme, e, "考试", "59.9")
    assert _result(e).grade == Grade.FAIL
    _enter(scheme, e, "考试", 60, actor=world.staff_x)
    assert _result(e).grade == Grade.PASS


def test_online_hours_score_against_target_capped_at_100(world, sub):
    scheme = make_scheme(sub, components=[ComponentSpec("网络", 100, ONLINE, Decimal(40))])
    low = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    high = EnrolmentFactory(subproject=sub, teacher=world.teacher_b)
    OnlineStudy.objects.create(enrolment=low, online_hours=Decimal(30))
    OnlineStudy.objects.create(enrolment=high, online_hours=Decimal(55))
    scheme_compute(scheme=scheme)
    assert _result(low).final_score == Decimal("75.0")
    assert _result(high).final_score == Decimal("100.0")


def test_task_completion_counts_only_accepted_submissions(world, sub):
    scheme = make_scheme(sub, components=[ComponentSpec("任务", 100, TASKS)])
    cycle = Cycle.objects.create(subproject=sub, county=world.county_x, year=2026, subject="数学")
    phase = Phase.objects.create(cycle=cycle, order=1, name="诊断示范")
    tasks = [
        PhaseTask.objects.create(phase=phase, title=f"任务{i}", due_date=dt.date(2026, 10, i)) for i in (1, 2, 3, 4)
    ]
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    TaskSubmission.objects.create(task=tasks[0], enrolment=e, status=TaskSubmission.Status.DONE)
    TaskSubmission.objects.create(task=tasks[1], enrolment=e, status=TaskSubmission.Status.DONE)
    TaskSubmission.objects.create(task=tasks[2], enrolment=e, status=TaskSubmission.Status.REDO)
    scheme_compute(scheme=scheme)
    assert _result(e).final_score == Decimal("50.0")


def test_only_participating_enrolments_are_assessed(world, sub):
    scheme = make_scheme(sub, components=[ComponentSpec("出勤", 100, ATT)])
    EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=Enrolment.Status.WITHDRAWN)
    EnrolmentFactory(subproject=sub, teacher=world.teacher_b, status=Enrolment.Status.NOMINATED)
    assert scheme_compute(scheme=scheme) == 0


def _graded(sub, scores, **rule):
    scheme = make_scheme(sub, components=[ComponentSpec("考试", 100, MANUAL)], **rule)
    enrolments = [EnrolmentFactory(subproject=sub) for _ in scores]
    scores_save(
        scheme=scheme,
        rows=[ScoreRow(e.pk, {_manual(scheme, "考试"): s}) for e, s in zip(enrolments, scores, strict=True)],
        actor=None,
    )
    return [_result(e).grade for e in enrolments]


def test_excellent_by_threshold(sub):
    assert _graded(sub, [95, 90, 89, 50], threshold=90) == [Grade.EXCELLENT, Grade.EXCELLENT, Grade.PASS, Grade.FAIL]


def test_excellent_by_share_takes_the_best(sub):
    # 5 graded trainees × 40% = 2 places
    assert _graded(sub, [70, 99, 80, 60, 98], share=40) == [
        Grade.PASS,
        Grade.EXCELLENT,
        Grade.PASS,
        Grade.PASS,
        Grade.EXCELLENT,
    ]


def test_excellent_share_never_exceeded_by_ties(sub):
    # 2 places, three trainees tied for the second: only the clear first is 优秀
    assert _graded(sub, [99, 90, 90, 90, 60], share=40) == [Grade.EXCELLENT] + [Grade.PASS] * 4


def test_excellent_needs_both_threshold_and_share_when_both_set(sub):
    assert _graded(sub, [99, 98, 80, 70], threshold=95, share=25) == [
        Grade.EXCELLENT,
        Grade.PASS,
        Grade.PASS,
        Grade.PASS,
    ]


def test_failing_score_is_never_excellent(sub):
    assert _graded(sub, [50, 40], pass_mark=60, share=50) == [Grade.FAIL, Grade.FAIL]


def test_copy_from_template_copies_components_and_rules(world, sub):
    template = make_template(world.county_x, pass_mark=Decimal(70), excellent_share=Decimal(15))
    scheme = scheme_copy(template=template, subproject=sub, actor=world.staff_x)
    assert [(c.label, c.weight, c.source) for c in scheme.components.all()] == [("出勤", 30, ATT), ("成果", 70, MANUAL)]
    assert (scheme.pass_mark, scheme.excellent_share, scheme.is_template) == (70, 15, False)
    assert template.components.count() == 2


def test_copy_refuses_another_countys_template(world, sub):
    template = make_template(world.county_y)
    with pytest.raises(ValidationError):
        scheme_copy(template=template, subproject=sub, actor=world.staff_x)


def test_published_results_are_locked(world, sub):
    scheme = make_scheme(sub, components=[ComponentSpec("考试", 100, MANUAL)])
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    _enter(scheme, e, "考试", 80)
    scheme_publish(scheme=scheme, actor=world.staff_x)
    with pytest.raises(ValidationError) as exc:
        _enter(scheme, e, "考试", 20)
    assert exc.value.messages == [scoring.ERR_PUBLISHED]
    with pytest.raises(ValidationError):
        scheme_compute(scheme=scheme)
    with pytest.raises(ValidationError):
        scoring.scheme_save(
            scheme=scheme, county=world.county_x, name="x", components=[ComponentSpec("考试", 100, MANUAL)], actor=None
        )
    assert _result(e).final_score == Decimal("80.0")


def test_stale_version_does_not_overwrite(world, sub):
    scheme = make_scheme(sub, components=[ComponentSpec("考试", 100, MANUAL)])
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    scheme_compute(scheme=scheme)
    seen = _result(e).version
    component = _manual(scheme, "考试")
    assert scores_save(scheme=scheme, rows=[ScoreRow(e.pk, {component: 80}, seen)], actor=world.staff_x) == []
    # a second tab still holds the old version
    conflicts = scores_save(scheme=scheme, rows=[ScoreRow(e.pk, {component: 30}, seen)], actor=world.admin_x)
    assert conflicts == [e.pk]
    assert _result(e).final_score == Decimal("80.0")


def test_editing_a_scheme_keeps_scores_of_kept_components(world, sub):
    scheme = make_scheme(sub)
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    _enter(scheme, e, "作业", 90)
    scoring.scheme_save(
        scheme=scheme,
        county=world.county_x,
        name="改",
        components=[ComponentSpec("作业", 100, MANUAL)],
        actor=world.staff_x,
    )
    scheme_compute(scheme=scheme)
    assert _result(e).final_score == Decimal("90.0")
