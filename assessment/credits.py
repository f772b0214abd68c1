"""Continuing-education credit: the rules that turn records into hours, and the yearly tally."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from attendance.models import ATTENDED, AttendanceRecord
from outreach.models import OnlineStudy
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
    settings.save(update_fields=["hours_per_credit", "mode", "updated_at"])
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
    project.save(update_fields=["status", "reason", "decided_by", "updated_at"])
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
    project.save(update_fields=["status", "decided_by", "updated_at"])
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


def _sql(qs: QuerySet) -> tuple[str, tuple]:
    sql, params = qs.order_by().query.sql_with_params()
    return sql, tuple(params)


TALLY_FIELDS = (
    "centralized_hours",
    "online_hours",
    "school_based_hours",
    "total_hours",
    "credits",
    "met",
    "shortfall_hours",
)
CHUNK_TEACHERS = 10_000

# One statement per chunk of teachers. The row sources are ORM querysets compiled to SQL (the same
# eligibility and scoping rules as everywhere else); the statement sums them per teacher and category,
# caps proportional hours per enrolment, compares with the requirement and upserts. A row is only
# rewritten when a value changed, and never when it is locked (approved or corrected).
# Portable between PostgreSQL and SQLite (local development): CASE instead of LEAST/GREATEST, no
# LATERAL, a CTE column list instead of a derived-table alias list, "WHERE true" before ON CONFLICT.
TALLY_SQL = """
WITH earn (id, teacher_id, category, hours, online, mode) AS ({earn}),
attended (enrolment_id, hours) AS ({attended}),
school_based (teacher_id, hours) AS ({school_based}),
teachers (id, school_id) AS ({teachers}),
earned AS (
    SELECT e.teacher_id, e.category,
        CASE WHEN e.mode = 'proportional'
                AND COALESCE(a.hours, 0) + COALESCE(e.online, 0) < e.hours
            THEN COALESCE(a.hours, 0) + COALESCE(e.online, 0) ELSE e.hours END AS h
    FROM earn e LEFT JOIN attended a ON a.enrolment_id = e.id
),
per_teacher AS (
    SELECT teacher_id,
        SUM(CASE WHEN category = 'centralized' THEN h ELSE 0 END) AS c,
        SUM(CASE WHEN category = 'online' THEN h ELSE 0 END) AS o,
        SUM(CASE WHEN category = 'school_based' THEN h ELSE 0 END) AS s
    FROM earned GROUP BY teacher_id
),
hours AS (
    SELECT t.id AS teacher_id, t.school_id,
        ROUND(COALESCE(p.c, 0), 1) AS c, ROUND(COALESCE(p.o, 0), 1) AS o,
        ROUND(COALESCE(p.s, 0) + COALESCE(sb.hours, 0), 1) AS s
    FROM teachers t
    LEFT JOIN per_teacher p ON p.teacher_id = t.id
    LEFT JOIN school_based sb ON sb.teacher_id = t.id
),
gaps AS (
    SELECT h.*, h.c + h.o + h.s AS total,
        CAST(%(req_total)s AS NUMERIC) - (h.c + h.o + h.s) AS total_gap,
        CASE WHEN CAST(%(req_c)s AS NUMERIC) > h.c THEN CAST(%(req_c)s AS NUMERIC) - h.c ELSE 0 END
        + CASE WHEN CAST(%(req_o)s AS NUMERIC) > h.o THEN CAST(%(req_o)s AS NUMERIC) - h.o ELSE 0 END
        + CASE WHEN CAST(%(req_s)s AS NUMERIC) > h.s THEN CAST(%(req_s)s AS NUMERIC) - h.s ELSE 0 END AS category_gap
    FROM hours h
),
assessed AS (
    SELECT g.*, CASE WHEN NOT %(has_req)s THEN 0
        WHEN g.total_gap > g.category_gap THEN g.total_gap ELSE g.category_gap END AS shortfall
    FROM gaps g
)
INSERT INTO assessment_credittally AS old (teacher_id, year, county_id, school_id, centralized_hours, online_hours,
    school_based_hours, total_hours, credits, met, shortfall_hours, computed_at, locked)
SELECT teacher_id, %(year)s, %(county)s, school_id, c, o, s, total, ROUND((total * 1.0) / CAST(%(per_credit)s AS NUMERIC), 2),
    shortfall = 0, ROUND(shortfall, 1), %(now)s, false
FROM assessed WHERE true
ON CONFLICT (teacher_id, year) DO UPDATE SET
    county_id = excluded.county_id, school_id = excluded.school_id,
    centralized_hours = excluded.centralized_hours, online_hours = excluded.online_hours,
    school_based_hours = excluded.school_based_hours, total_hours = excluded.total_hours,
    credits = excluded.credits, met = excluded.met, shortfall_hours = excluded.shortfall_hours,
    computed_at = excluded.computed_at
WHERE NOT old.locked AND (old.county_id IS DISTINCT FROM excluded.county_id
    OR old.school_id IS DISTINCT FROM excluded.school_id
    OR old.centralized_hours IS DISTINCT FROM excluded.centralized_hours
    OR old.online_hours IS DISTINCT FROM excluded.online_hours
    OR old.school_based_hours IS DISTINCT FROM excluded.school_based_hours
    OR old.credits IS DISTINCT FROM excluded.credits
    OR old.met IS DISTINCT FROM excluded.met
    OR old.shortfall_hours IS DISTINCT FROM excluded.shortfall_hours)
"""


def _named(sql: str, params: tuple, prefix: str, named: dict[str, Any]) -> str:
    """Turn a compiled queryset's positional placeholders into named ones (one statement mixes several)."""
    parts = sql.replace("%%", "\x00").split("%s")
    out = [parts[0]]
    for index, part in enumerate(parts[1:]):
        key = f"{prefix}{index}"
        named[key] = params[index]
        out.append(f"%({key})s{part}")
    return "".join(out).replace("\x00", "%%")


def changed_teachers(*, year: int, since: Any) -> QuerySet[Teacher]:
    """Teachers whose tally inputs carry a change stamp after `since`, plus those without a tally yet.

    Sub-project and session edits and deleted rows carry no stamp: those need a full run."""
    # Each source is one set-based scan (hashed by PostgreSQL), not a probe per teacher.
    sources = [
        Enrolment.objects.filter(changed_at__gte=since).values("teacher"),
        Enrolment.objects.filter(subproject__assessment_scheme__published_at__gte=since).values("teacher"),
        AttendanceRecord.objects.filter(updated_at__gte=since).values("enrolment__teacher"),
        OnlineStudy.objects.filter(imported_at__gte=since).values("enrolment__teacher"),
        SchoolAttendance.objects.filter(session__project__updated_at__gte=since).values("teacher"),
    ]
    changed = Q(updated_at__gte=since) | ~Q(pk__in=CreditTally.objects.filter(year=year).values("teacher"))
    for source in sources:
        changed |= Q(pk__in=source)
    return Teacher.objects.filter(changed)


def _tally_chunk(
    *, year: int, county: Region, lo: int, hi: int, constants: dict[str, Any], changed_only: bool = False
) -> int:
    earn = earning_enrolments(year=year).filter(teacher__school__county=county, teacher__gte=lo, teacher__lte=hi)
    earn = earn.values_list(
        "pk",
        "teacher_id",
        "subproject__credit_category",
        "subproject__hours",
        "online_study__online_hours",
        "subproject__program__county__credit_settings__mode",
    )
    school_based = (
        SchoolAttendance.objects.filter(
            session__project__year=year,
            session__project__status=SchoolProject.Status.RECOGNISED,
            teacher__school__county=county,
            teacher__gte=lo,
            teacher__lte=hi,
        )
        .values("teacher_id")
        .annotate(h=Sum("session__recognised_hours"))
        .values_list("teacher_id", "h")
    )
    teachers = Teacher.objects.filter(school__county=county, pk__range=(lo, hi))
    if changed_only:
        teachers = teachers.filter(pk__in=_changed_only())
    teachers = teachers.values_list("pk", "school_id")
    named: dict[str, Any] = dict(constants)
    pieces = {
        name: _named(*_sql(qs), f"{name}_", named)
        for name, qs in (("earn", earn), ("school_based", school_based), ("teachers", teachers))
    }
    pieces["attended"] = f"SELECT enrolment_id, hours FROM {ATTENDED_TABLE}"
    with connection.cursor() as cursor:
        cursor.execute(TALLY_SQL.format(**pieces), named)
        if cursor.rowcount >= 0:
            return cursor.rowcount
        cursor.execute("SELECT changes()")  # SQLite's driver reports no row count for WITH … INSERT
        return cursor.fetchone()[0]


ATTENDED_TABLE = "assessment_tally_attended"


CHANGED_TABLE = "assessment_tally_changed"


def _analyze(cursor: Any, table: str) -> None:
    """Fresh statistics for a work table so PostgreSQL plans the joins on it well."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")


def _collect_changed_teachers(*, year: int, since: Any) -> None:
    """The changed teachers, found once per run (not once per chunk) into a temporary table."""
    sql, params = _sql(changed_teachers(year=year, since=since).values_list("pk"))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {CHANGED_TABLE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {CHANGED_TABLE} (teacher_id bigint PRIMARY KEY)")
        cursor.execute(f"INSERT INTO {CHANGED_TABLE} (teacher_id) {sql}", params)
        _analyze(cursor, CHANGED_TABLE)


def _changed_only() -> RawSQL:
    return RawSQL(f"SELECT teacher_id FROM {CHANGED_TABLE}", ())


def _collect_attended_hours(*, year: int, changed_only: bool) -> None:
    """Attended session hours per earning enrolment of a proportional county, summed once per county into
    a temporary table: one pass over the attendance rows instead of one per chunk of teachers."""
    # A plain join without the eligibility test or the teacher's county (the chunks join these sums to
    # eligible, scoped enrolments only), so the attendance rows are read once, like a report's GROUP BY.
    attended = (
        AttendanceRecord.objects.filter(
            status__in=ATTENDED,
            enrolment__status=Enrolment.Status.COMPLETED,
            enrolment__subproject__program__year=year,
            enrolment__subproject__program__county__credit_settings__mode=CountyCreditSettings.Mode.PROPORTIONAL,
        )
        .values("enrolment_id")
        .annotate(hours=Sum("session__hours"))
        .values_list("enrolment_id", "hours")
    )
    if changed_only:
        attended = attended.filter(enrolment__teacher__in=_changed_only())
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {ATTENDED_TABLE}")
        if not CountyCreditSettings.objects.filter(mode=CountyCreditSettings.Mode.PROPORTIONAL).exists():
            cursor.execute(f"CREATE TEMPORARY TABLE {ATTENDED_TABLE} (enrolment_id bigint, hours numeric)")
            return
        sql, params = _sql(attended)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # One row per enrolment: enough memory that the grouping does not spill to disk, and
                # no penalty for the many groups the workers pass back, so a parallel plan is chosen
                # (the planner otherwise reads 2,000,000 rows in one process, measured 1.6× slower).
                cursor.execute("SET LOCAL work_mem = '64MB'")
                cursor.execute("SET LOCAL parallel_tuple_cost = 0")
            # CREATE … AS (unlike INSERT … SELECT) may use a parallel plan, like the report queries.
            cursor.execute(f"CREATE TEMPORARY TABLE {ATTENDED_TABLE} AS {sql}", params)
        _analyze(cursor, ATTENDED_TABLE)


def _drop_work_tables() -> None:
    if not connection.needs_rollback:
        with connection.cursor() as cursor:
            for table in (ATTENDED_TABLE, CHANGED_TABLE):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _tally_county(
    *, year: int, county: Region, report: Callable[[int, int], None], changed_only: bool = False
) -> TallyOutcome:
    requirement = CreditRequirement.objects.filter(county=county, year=year).first()
    constants = {
        "year": year,
        "county": county.pk,
        "per_credit": credit_settings_for(county).hours_per_credit,
        "now": timezone.now(),
        "has_req": requirement is not None,
        "req_total": requirement.total_hours if requirement else ZERO,
        "req_c": requirement.min_centralized if requirement else ZERO,
        "req_o": requirement.min_online if requirement else ZERO,
        "req_s": requirement.min_school_based if requirement else ZERO,
    }
    ids = Teacher.objects.filter(school__county=county).aggregate(lo=Min("pk"), hi=Max("pk"), n=Count("pk"))
    outcome = TallyOutcome(teachers=ids["n"])
    if not ids["n"]:
        report(1, 1)
        return outcome
    span = ids["hi"] - ids["lo"] + 1
    for lo in range(ids["lo"], ids["hi"] + 1, CHUNK_TEACHERS):
        hi = min(lo + CHUNK_TEACHERS - 1, ids["hi"])
        outcome.written += _tally_chunk(
            year=year, county=county, lo=lo, hi=hi, constants=constants, changed_only=changed_only
        )
        report(hi - ids["lo"] + 1, span)
    return outcome


def _rules_changed_since(*, year: int, county: Region, since: Any) -> bool:
    return (
        CountyCreditSettings.objects.filter(updated_at__gte=since).exists()
        or CreditRequirement.objects.filter(county=county, year=year, updated_at__gte=since).exists()
    )


def tally_credits(
    *,
    year: int,
    county: Region | None = None,
    progress: Callable[[int], None] | None = None,
    changed_since: Any = None,
) -> TallyOutcome:
    """Compute every teacher's hours per category, credits and 达标 for `year` into CreditTally.

    Sums are taken in the database; only rows whose values changed are written, locked (approved or
    corrected) rows are left alone, so a second run over the same records writes nothing. With
    `changed_since`, only teachers with stamped changes since then are recomputed, unless a county's
    settings or requirement changed, which affects everyone."""
    counties = (
        [county]
        if county is not None
        else list(Region.objects.filter(level=Region.Level.COUNTY, schools__isnull=False).distinct().order_by("pk"))
    )
    outcome = TallyOutcome()
    # Each chunk is one statement, committed on its own: progress written meanwhile is visible, and a
    # rerun after a failure simply redoes the remaining chunks.
    since = changed_since
    if since is not None and any(_rules_changed_since(year=year, county=c, since=since) for c in counties):
        since = None  # a county's settings or requirement changed: everyone's figures may change
    try:
        if since is not None:
            _collect_changed_teachers(year=year, since=since)
        _collect_attended_hours(year=year, changed_only=since is not None)
        for number, current in enumerate(counties):

            def report(done: int, total: int, number: int = number) -> None:
                if progress is not None:
                    share = (number + (done / total if total else 1)) / len(counties)
                    progress(min(100, int(share * 100)))

            part = _tally_county(year=year, county=current, report=report, changed_only=since is not None)
            outcome.teachers += part.teachers
            outcome.written += part.written
    finally:
        _drop_work_tables()
    if progress is not None:
        progress(100)
    return outcome


def tally_run_create(*, year: int, county: Region | None, actor: Any, changed_only: bool = False) -> TallyRun:
    """Queue a tally; the Celery task picks it up once this transaction commits."""
    from .tasks import run_tally

    run = TallyRun.objects.create(year=year, county=county, requested_by=actor, changed_only=changed_only)
    transaction.on_commit(lambda: run_tally.delay(run.pk))
    return run


def tally_run_execute(*, run: TallyRun, echo: Callable[[int], None] | None = None) -> TallyRun:
    """Run a queued tally, recording progress on the run row as it goes (and passing it to `echo`)."""
    TallyRun.objects.filter(pk=run.pk).update(status=TallyRun.Status.RUNNING, started_at=timezone.now())

    def progress(percent: int) -> None:
        TallyRun.objects.filter(pk=run.pk).update(progress=percent)
        if echo is not None:
            echo(percent)

    since = None
    if run.changed_only:
        previous = (
            TallyRun.objects.filter(year=run.year, county=run.county, status=TallyRun.Status.DONE)
            .exclude(pk=run.pk)
            .order_by("-started_at")
            .first()
        )
        # Changes made while the previous run was going may have been missed by it: start from its start.
        since = previous.started_at if previous else None
    try:
        outcome = tally_credits(year=run.year, county=run.county, progress=progress, changed_since=since)
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
