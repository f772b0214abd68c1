"""Continuing-education credit: the rules that turn records into hours, and the yearly tally."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from attendance.models import ATTENDED, AttendanceRecord
from programs.models import CreditCategory, Enrolment
from trainees.models import Region, School, Teacher

from .audit import audit
from .models import (
    PASSING_GRADES,
    AssessmentScheme,
    CountyCreditSettings,
    CreditRequirement,
    CreditTally,
    SchoolAttendance,
    SchoolProject,
    SchoolSession,
    TallyRun,
)

ERR_PROJECT_NOT_APPROVED = "该校本研修项目尚未核准，不能记录活动"
ERR_PROJECT_NOT_PENDING = "该项目已处理"
ERR_PROJECT_NOT_RECOGNISABLE = "只有已核准的项目才能认定学时"
ERR_REASON_REQUIRED = "请填写原因"
ERR_TEACHER_OTHER_SCHOOL = "只能记录本校教师的出勤"
ERR_RECOGNISED_TOO_MANY = "认定学时不能超过活动学时"

HOURS = DecimalField(max_digits=9, decimal_places=1)
ZERO = Decimal(0)
TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")
CATEGORY_FIELDS = {
    CreditCategory.CENTRALIZED: "centralized_hours",
    CreditCategory.ONLINE: "online_hours",
    CreditCategory.SCHOOL_BASED: "school_based_hours",
}


# ---------------------------------------------------------------------------------------------
# County settings and requirements


def credit_settings_for(county: Region) -> CountyCreditSettings:
    """The county's settings, or the defaults (10 学时 = 1 学分, full hours) when it has none."""
    found = CountyCreditSettings.objects.filter(county=county).first()
    return found or CountyCreditSettings(county=county)


@transaction.atomic
def credit_settings_save(*, county: Region, hours_per_credit: Decimal, mode: str, actor: Any) -> CountyCreditSettings:
    settings, _created = CountyCreditSettings.objects.get_or_create(county=county)
    settings.hours_per_credit, settings.mode = hours_per_credit, mode
    settings.full_clean()
    settings.save(update_fields=["hours_per_credit", "mode"])
    audit(action="credit_settings_save", obj=settings, actor=actor, hours_per_credit=hours_per_credit, mode=mode)
    return settings


@transaction.atomic
def requirement_save(
    *,
    county: Region,
    year: int,
    total_hours: Decimal,
    min_centralized: Decimal = ZERO,
    min_online: Decimal = ZERO,
    min_school_based: Decimal = ZERO,
    cycle_total_hours: Decimal = Decimal(360),
    actor: Any,
) -> CreditRequirement:
    requirement = CreditRequirement.objects.filter(county=county, year=year).first() or CreditRequirement(
        county=county, year=year
    )
    requirement.total_hours = total_hours
    requirement.min_centralized, requirement.min_online = min_centralized, min_online
    requirement.min_school_based, requirement.cycle_total_hours = min_school_based, cycle_total_hours
    requirement.full_clean()
    requirement.save()
    audit(action="requirement_save", obj=requirement, actor=actor, year=year, total_hours=total_hours)
    return requirement


# ---------------------------------------------------------------------------------------------
# School-based training 校本研修


@transaction.atomic
def school_project_submit(
    *, school: School, year: int, title: str, plan: str, planned_hours: Decimal, actor: Any
) -> SchoolProject:
    """申报: the school proposes a project; it earns nothing until the county approves and recognises it."""
    project = SchoolProject(
        school=school, year=year, title=title, plan=plan, planned_hours=planned_hours, submitted_by=actor
    )
    project.full_clean()
    project.save()
    audit(action="school_project_submit", obj=project, actor=actor)
    return project


@transaction.atomic
def school_project_decide(*, project: SchoolProject, approve: bool, reason: str = "", actor: Any) -> SchoolProject:
    """核准 or refuse a submitted project; a refusal needs a reason."""
    project = SchoolProject.objects.select_for_update().get(pk=project.pk)
    if project.status != SchoolProject.Status.SUBMITTED:
        raise ValidationError(ERR_PROJECT_NOT_PENDING)
    if not approve and not reason.strip():
        raise ValidationError(ERR_REASON_REQUIRED)
    project.status = SchoolProject.Status.APPROVED if approve else SchoolProject.Status.REJECTED
    project.reason, project.decided_by = reason.strip(), actor
    project.save(update_fields=["status", "reason", "decided_by"])
    audit(action="school_project_decide", obj=project, actor=actor, approve=approve, reason=reason)
    return project


@transaction.atomic
def school_session_record(
    *, project: SchoolProject, date: Any, topic: str, hours: Decimal, teachers: list[Teacher], actor: Any
) -> SchoolSession:
    """The school records one activity of an approved project with who attended (its own teachers only)."""
    project = SchoolProject.objects.select_for_update().get(pk=project.pk)
    if project.status != SchoolProject.Status.APPROVED:
        raise ValidationError(ERR_PROJECT_NOT_APPROVED)
    if any(t.school_id != project.school_id for t in teachers):
        raise ValidationError(ERR_TEACHER_OTHER_SCHOOL)
    session = SchoolSession(project=project, date=date, topic=topic, hours=hours)
    session.full_clean()
    session.save()
    SchoolAttendance.objects.bulk_create([SchoolAttendance(session=session, teacher=t) for t in teachers])
    audit(action="school_session_record", obj=session, actor=actor, teachers=[t.pk for t in teachers])
    return session


@transaction.atomic
def school_project_recognise(
    *, project: SchoolProject, recognised: dict[int, Decimal] | None = None, actor: Any
) -> SchoolProject:
    """认定: the county accepts each session's hours (all of them unless `recognised` says less; a routine
    meeting gets 0). Attendees then earn 校本 hours in the tally."""
    project = SchoolProject.objects.select_for_update().get(pk=project.pk)
    if project.status != SchoolProject.Status.APPROVED:
        raise ValidationError(ERR_PROJECT_NOT_RECOGNISABLE)
    recognised = recognised or {}
    for session in project.sessions.all():
        hours = recognised.get(session.pk, session.hours)
        if hours > session.hours or hours < 0:
            raise ValidationError(ERR_RECOGNISED_TOO_MANY)
        session.recognised_hours = hours
        session.save(update_fields=["recognised_hours"])
    project.status, project.decided_by = SchoolProject.Status.RECOGNISED, actor
    project.save(update_fields=["status", "decided_by"])
    audit(action="school_project_recognise", obj=project, actor=actor, recognised=recognised)
    return project


# ---------------------------------------------------------------------------------------------
# Hours earned per enrolment


def _attended_hours() -> Subquery:
    return Subquery(
        AttendanceRecord.objects.filter(enrolment=OuterRef("pk"), status__in=ATTENDED)
        .order_by()
        .values("enrolment")
        .annotate(h=Sum("session__hours"))
        .values("h"),
        output_field=HOURS,
    )


def passed_condition() -> Q:
    """A completed enrolment counts when its sub-project has no scheme, or the scheme's published result
    is a pass. Unpublished results earn nothing yet."""
    published_pass = Q(
        subproject__assessment_scheme__published_at__isnull=False, assessment_result__grade__in=PASSING_GRADES
    )
    return Q(status=Enrolment.Status.COMPLETED) & (
        ~Exists(AssessmentScheme.objects.filter(subproject=OuterRef("subproject"))) | published_pass
    )


def earned_hours_expression() -> Case:
    """The hours an enrolment earns: the sub-project's hours, or in a county that grants hours in
    proportion, the session hours attended plus online study hours, never more than the sub-project's."""
    proportional = Least(
        Coalesce(_attended_hours(), Value(ZERO)) + Coalesce(F("online_study__online_hours"), Value(ZERO)),
        F("subproject__hours"),
    )
    return Case(
        When(
            subproject__program__county__credit_settings__mode=CountyCreditSettings.Mode.PROPORTIONAL,
            then=ExpressionWrapper(proportional, output_field=HOURS),
        ),
        default=F("subproject__hours"),
        output_field=HOURS,
    )


def earning_enrolments(*, year: int) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(passed_condition(), subproject__program__year=year)


# ---------------------------------------------------------------------------------------------
# The tally


@dataclass
class TallyOutcome:
    teachers: int = 0
    written: int = 0


def _q(value: Decimal, step: Decimal = TENTH) -> Decimal:
    return Decimal(value).quantize(step, rounding=ROUND_HALF_UP)


def assess_against(requirement: CreditRequirement | None, hours: dict[str, Decimal]) -> tuple[bool, Decimal]:
    """达标 and the shortfall: the hours still needed to reach both the total and every category minimum."""
    if requirement is None:
        return True, ZERO
    total = hours["centralized_hours"] + hours["online_hours"] + hours["school_based_hours"]
    by_category = (
        max(requirement.min_centralized - hours["centralized_hours"], ZERO)
        + max(requirement.min_online - hours["online_hours"], ZERO)
        + max(requirement.min_school_based - hours["school_based_hours"], ZERO)
    )
    shortfall = max(requirement.total_hours - total, by_category, ZERO)
    return shortfall == 0, _q(shortfall)


def _enrolment_hours_by_teacher(*, year: int, county: Region) -> dict[int, dict[str, Decimal]]:
    earned = earned_hours_expression()
    rows = (
        earning_enrolments(year=year)
        .filter(teacher__school__county=county)
        .order_by()
        .values("teacher")
        .annotate(
            **{
                field: Sum(Case(When(subproject__credit_category=category, then=earned), default=Value(ZERO)))
                for category, field in CATEGORY_FIELDS.items()
                if category != CreditCategory.SCHOOL_BASED
            },
            school_based_sp=Sum(
                Case(When(subproject__credit_category=CreditCategory.SCHOOL_BASED, then=earned), default=Value(ZERO))
            ),
        )
    )
    return {r.pop("teacher"): r for r in rows}


def _school_based_hours_by_teacher(*, year: int, county: Region) -> dict[int, Decimal]:
    rows = (
        SchoolAttendance.objects.filter(
            session__project__year=year,
            session__project__status=SchoolProject.Status.RECOGNISED,
            teacher__school__county=county,
        )
        .order_by()
        .values("teacher")
        .annotate(h=Sum("session__recognised_hours"))
    )
    return {r["teacher"]: r["h"] or ZERO for r in rows}


TALLY_FIELDS = (
    "centralized_hours",
    "online_hours",
    "school_based_hours",
    "total_hours",
    "credits",
    "met",
    "shortfall_hours",
)
WRITE_BATCH = 2000


def _tally_county(*, year: int, county: Region, report: Callable[[int, int], None]) -> TallyOutcome:
    requirement = CreditRequirement.objects.filter(county=county, year=year).first()
    per_credit = credit_settings_for(county).hours_per_credit
    enrolment_hours = _enrolment_hours_by_teacher(year=year, county=county)
    school_based = _school_based_hours_by_teacher(year=year, county=county)
    teachers = list(Teacher.objects.filter(school__county=county).order_by("pk").values_list("pk", "school_id"))
    stored = {
        t.teacher_id: t
        for t in CreditTally.objects.filter(year=year, teacher__school__county=county).only(
            "teacher_id", "school_id", "county_id", "locked", *TALLY_FIELDS
        )
    }
    outcome = TallyOutcome(teachers=len(teachers))
    pending: list[CreditTally] = []
    for index, (teacher_id, school_id) in enumerate(teachers, start=1):
        found = enrolment_hours.get(teacher_id, {})
        hours = {
            "centralized_hours": _q(found.get("centralized_hours") or ZERO),
            "online_hours": _q(found.get("online_hours") or ZERO),
            "school_based_hours": _q((found.get("school_based_sp") or ZERO) + school_based.get(teacher_id, ZERO)),
        }
        total = hours["centralized_hours"] + hours["online_hours"] + hours["school_based_hours"]
        met, shortfall = assess_against(requirement, hours)
        values = {
            **hours,
            "total_hours": total,
            "credits": _q(total / per_credit, HUNDREDTH),
            "met": met,
            "shortfall_hours": shortfall,
        }
        old = stored.get(teacher_id)
        if old is not None and old.locked:
            continue
        if (
            old is not None
            and (old.school_id, old.county_id) == (school_id, county.pk)
            and all(getattr(old, f) == v for f, v in values.items())
        ):
            continue  # unchanged inputs give unchanged rows: nothing to write
        pending.append(CreditTally(teacher_id=teacher_id, year=year, county=county, school_id=school_id, **values))
        if len(pending) >= WRITE_BATCH:
            outcome.written += _write(pending)
            report(index, len(teachers))
    outcome.written += _write(pending)
    report(len(teachers), len(teachers))
    return outcome


def _write(rows: list[CreditTally]) -> int:
    if rows:
        CreditTally.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["teacher", "year"],
            update_fields=[*TALLY_FIELDS, "county", "school", "computed_at"],
        )
    written = len(rows)
    rows.clear()
    return written


def tally_credits(
    *, year: int, county: Region | None = None, progress: Callable[[int], None] | None = None
) -> TallyOutcome:
    """Compute every teacher's hours per category, credits and 达标 for `year` into CreditTally.

    Sums are taken in the database; only rows whose values changed are written, locked (approved or
    corrected) rows are left alone, so a second run over the same records writes nothing."""
    counties = (
        [county]
        if county is not None
        else list(Region.objects.filter(level=Region.Level.COUNTY, schools__isnull=False).distinct().order_by("pk"))
    )
    outcome = TallyOutcome()
    for number, current in enumerate(counties):

        def report(done: int, total: int, number: int = number) -> None:
            if progress is not None:
                share = (number + (done / total if total else 1)) / len(counties)
                progress(min(100, int(share * 100)))

        with transaction.atomic():
            part = _tally_county(year=year, county=current, report=report)
        outcome.teachers += part.teachers
        outcome.written += part.written
    if progress is not None:
        progress(100)
    return outcome


def tally_run_create(*, year: int, county: Region | None, actor: Any) -> TallyRun:
    """Queue a tally; the Celery task picks it up once this transaction commits."""
    from .tasks import run_tally

    run = TallyRun.objects.create(year=year, county=county, requested_by=actor)
    transaction.on_commit(lambda: run_tally.delay(run.pk))
    return run


def tally_run_execute(*, run: TallyRun) -> TallyRun:
    """Run a queued tally, recording progress on the run row as it goes."""
    TallyRun.objects.filter(pk=run.pk).update(status=TallyRun.Status.RUNNING, started_at=timezone.now())

    def progress(percent: int) -> None:
        TallyRun.objects.filter(pk=run.pk).update(progress=percent)

    try:
        outcome = tally_credits(year=run.year, county=run.county, progress=progress)
    except Exception as exc:
        TallyRun.objects.filter(pk=run.pk).update(status=TallyRun.Status.FAILED, error=str(exc)[:500])
        raise
    TallyRun.objects.filter(pk=run.pk).update(
        status=TallyRun.Status.DONE,
        progress=100,
        teachers=outcome.teachers,
        written=outcome.written,
        finished_at=timezone.now(),
    )
    run.refresh_from_db()
    return run
