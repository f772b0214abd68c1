"""Continuing-education credit: the rules that turn records into hours, and the yearly tally."""

from collections.abc import Callable, Iterable, Mapping
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
from django.utils.translation import gettext as _

from attendance.models import ATTENDED, AttendanceRecord
from outreach.models import OnlineStudy
from programs.models import CreditCategory, Enrolment
from trainees.models import Region, School, Teacher

from . import ledger
from .audit import audit
from .models import (
    PASSING_GRADES,
    AssessmentScheme,
    AuditEntry,
    CountyCreditCategory,
    CountyCreditSettings,
    CreditCycle,
    CreditEntry,
    CreditRequirement,
    CreditTally,
    RequirementExemption,
    RequirementMinimum,
    SchoolAttendance,
    SchoolProject,
    SchoolSession,
    TallyRun,
    Unit,
)

ERR_PROJECT_NOT_APPROVED = "该校本研修项目尚未核准，不能记录活动"
ERR_PROJECT_NOT_PENDING = "该项目已处理"
ERR_PROJECT_NOT_RECOGNISABLE = "只有已核准的项目才能认定学时"
ERR_REASON_REQUIRED = "请填写原因"
ERR_TEACHER_OTHER_SCHOOL = "只能记录本校教师的出勤"
ERR_RECOGNISED_TOO_MANY = "认定学时不能超过活动学时"
ERR_CATEGORY_UNKNOWN = "找不到学分类别：{name}"
ERR_CATEGORY_IN_USE = "该子项目学分类别已对应“{name}”"
ERR_EXEMPTION_EMPTY = "请至少填写一个免修条件（性别、年龄、学段或岗位）"

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
def credit_settings_save(
    *, county: Region, hours_per_credit: Decimal, mode: str, actor: Any, claim_publicity_days: int | None = None
) -> CountyCreditSettings:
    """The county-wide conversion and mode; categories still on the old county rate follow the new one."""
    settings, _created = CountyCreditSettings.objects.get_or_create(county=county)
    previous = settings.hours_per_credit
    settings.hours_per_credit, settings.mode = hours_per_credit, mode
    if claim_publicity_days is not None:
        settings.claim_publicity_days = claim_publicity_days
    settings.full_clean()
    settings.save(update_fields=["hours_per_credit", "mode", "claim_publicity_days", "updated_at"])
    categories_ensure(county=county)
    CountyCreditCategory.objects.filter(county=county, hours_per_credit=previous).update(
        hours_per_credit=hours_per_credit
    )
    audit(
        action="credit_settings_save",
        obj=settings,
        actor=actor,
        hours_per_credit=hours_per_credit,
        mode=mode,
        claim_publicity_days=settings.claim_publicity_days,
    )
    return settings


# The default categories (code, name, the sub-project 学分类别 they take); a county may add and rename.
DEFAULT_CATEGORIES = (
    ("centralized", "集中培训", CreditCategory.CENTRALIZED),
    ("online", "网络研修", CreditCategory.ONLINE),
    ("school_based", "校本研修", CreditCategory.SCHOOL_BASED),
    ("self_study", "自主研修", ""),
)


def categories_ensure(*, county: Region) -> list[CountyCreditCategory]:
    """The county's categories, creating the four defaults (at the county's rate) the first time."""
    found = list(CountyCreditCategory.objects.filter(county=county).order_by("order", "pk"))
    if found:
        return found
    categories_ensure_many(counties=[county])
    return list(CountyCreditCategory.objects.filter(county=county).order_by("order", "pk"))


def categories_ensure_many(*, counties: list[Region]) -> None:
    """The four default categories (at each county's rate) for every county that has none yet: one
    query when every county has its categories, one insert for all that have not."""
    having = set(CountyCreditCategory.objects.filter(county__in=counties).values_list("county_id", flat=True).distinct())
    missing = [county.pk for county in counties if county.pk not in having]
    if not missing:
        return
    rates = dict(CountyCreditSettings.objects.filter(county__in=missing).values_list("county_id", "hours_per_credit"))
    default_rate = CountyCreditSettings._meta.get_field("hours_per_credit").default
    # ignore_conflicts: another run may make a county's defaults at the same moment; theirs stand.
    CountyCreditCategory.objects.bulk_create(
        [
            CountyCreditCategory(
                county_id=county,
                code=code,
                name=name,
                hours_per_credit=rates.get(county, default_rate),
                subproject_category=sub,
                order=order,
            )
            for county in missing
            for order, (code, name, sub) in enumerate(DEFAULT_CATEGORIES, start=1)
        ],
        ignore_conflicts=True,
    )


def category_lookup(*, county: Region, key: Any) -> CountyCreditCategory:
    """A category by instance, code or name (the command line names them in Chinese)."""
    if isinstance(key, CountyCreditCategory):
        return key
    for category in categories_ensure(county=county):
        if str(key).strip() in (category.code, category.name):
            return category
    raise ValidationError(_(ERR_CATEGORY_UNKNOWN).format(name=key))


@transaction.atomic
def category_save(
    *,
    county: Region,
    code: str,
    name: str,
    hours_per_credit: Decimal,
    subproject_category: str = "",
    actor: Any,
) -> CountyCreditCategory:
    """Add or change a category (by code). Takes effect on the next rebuild of the ledger."""
    categories_ensure(county=county)
    category = CountyCreditCategory.objects.filter(county=county, code=code).first() or CountyCreditCategory(
        county=county, code=code, order=CountyCreditCategory.objects.filter(county=county).count() + 1
    )
    if subproject_category:
        other = (
            CountyCreditCategory.objects.filter(county=county, subproject_category=subproject_category)
            .exclude(pk=category.pk)
            .first()
        )
        if other is not None:
            raise ValidationError({"subproject_category": _(ERR_CATEGORY_IN_USE).format(name=other.name)})
    category.name, category.hours_per_credit, category.subproject_category = name, hours_per_credit, subproject_category
    category.full_clean()
    category.save()
    audit(action="category_save", obj=category, actor=actor, code=code, name=name, rate=hours_per_credit)
    return category


@transaction.atomic
def requirement_save(
    *,
    county: Region,
    year: int,
    total: Decimal,
    unit: str = Unit.HOURS,
    group: str = CreditRequirement.Group.ALL,
    new_within_years: int = 3,
    minimums: Mapping[Any, Decimal] | None = None,
    rates: Mapping[Any, Decimal] | None = None,
    actor: Any,
) -> CreditRequirement:
    """A year's requirement for a group: the total and per-category minimums in `unit` (学时 or 学分).
    `rates` sets categories' 学时 per 学分 at the same time (the command line's --hours-per-credit)."""
    for key, rate in (rates or {}).items():
        category = category_lookup(county=county, key=key)
        category.hours_per_credit = rate
        category.full_clean()
        category.save(update_fields=["hours_per_credit"])
    requirement = CreditRequirement.objects.filter(county=county, year=year, group=group).first() or CreditRequirement(
        county=county, year=year, group=group
    )
    requirement.total_hours, requirement.unit, requirement.new_within_years = total, unit, new_within_years
    requirement.full_clean()
    requirement.save()
    resolved = {category_lookup(county=county, key=k): v for k, v in (minimums or {}).items()}
    requirement.minimums.exclude(category__in=list(resolved)).delete()
    for category, minimum in resolved.items():
        RequirementMinimum.objects.update_or_create(
            requirement=requirement, category=category, defaults={"minimum": minimum}
        )
    for row in requirement.minimums.all():
        row.full_clean()
    audit(
        action="requirement_save",
        obj=requirement,
        actor=actor,
        year=year,
        group=group,
        unit=unit,
        total=total,
        minimums={c.code: v for c, v in resolved.items()},
        rates={str(k): v for k, v in (rates or {}).items()},
    )
    return requirement


@transaction.atomic
def cycle_save(
    *,
    county: Region,
    start_year: int,
    years: int = 5,
    unit: str = Unit.HOURS,
    total: Decimal = Decimal(360),
    actor: Any,
) -> CreditCycle:
    cycle = CreditCycle.objects.filter(county=county, start_year=start_year).first() or CreditCycle(
        county=county, start_year=start_year
    )
    cycle.years, cycle.unit, cycle.total = years, unit, total
    cycle.full_clean()
    cycle.save()
    audit(action="cycle_save", obj=cycle, actor=actor, start_year=start_year, years=years, total=total, unit=unit)
    return cycle


def cycle_for(*, county_id: int, year: int) -> CreditCycle:
    """The county's cycle containing `year`. Past its last defined cycle, cycles of the same length follow
    on; with none defined, the national five-year cycles of 360 学时 aligned with the five-year plans
    (2021–2025, 2026–2030, …)."""
    return cycle_of(list(CreditCycle.objects.filter(county_id=county_id)), county_id=county_id, year=year)


def cycle_of(defined_cycles: list[CreditCycle], *, county_id: int, year: int) -> CreditCycle:
    """`cycle_for` over the county's cycles already read."""
    started = [c for c in defined_cycles if c.start_year <= year]
    defined = max(started, key=lambda c: c.start_year) if started else None
    if defined is not None and year <= defined.end_year:
        return defined
    if defined is None:
        start = year - (year - DEFAULT_CYCLE_ANCHOR) % 5
        return CreditCycle(county_id=county_id, start_year=start, years=5, total=Decimal(360))
    start = defined.start_year + (year - defined.start_year) // defined.years * defined.years
    return CreditCycle(
        county_id=county_id, start_year=start, years=defined.years, unit=defined.unit, total=defined.total
    )


DEFAULT_CYCLE_ANCHOR = 2021


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
    # The attendees' 校本 rows enter the ledger now, not at the next full rebuild.
    attendees = SchoolAttendance.objects.filter(session__project=project).values_list("teacher_id", flat=True)
    ledger_refresh(teacher_ids=attendees, years=[project.year])
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
# The tally: a full rebuild of a year's ledger, then a GROUP BY over it (see ledger.py)


@dataclass
class TallyOutcome:
    teachers: int = 0
    written: int = 0  # tally rows
    ledger_written: int = 0  # ledger rows inserted, changed or deleted


def _q(value: Decimal, step: Decimal = TENTH) -> Decimal:
    return Decimal(value).quantize(step, rounding=ROUND_HALF_UP)


TALLY_FIELDS = (
    "centralized_hours",
    "online_hours",
    "school_based_hours",
    "total_hours",
    "credits",
    "met",
    "shortfall_hours",
    "rule",
)
# Teachers per chunk: every statement of a chunk costs a fixed part (planning, the work tables' ANALYZE)
# and a part per teacher; at a million teachers 50,000 took 51 s where 10,000 took 86 s. The chunk's
# rows live in PostgreSQL's temporary tables, not in this process.
CHUNK_TEACHERS = 50_000
ATTENDED_TABLE = "assessment_tally_attended"
CHANGED_TABLE = "assessment_tally_changed"


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
        CreditEntry.objects.filter(year=year, updated_at__gte=since).values("teacher"),
    ]
    changed = Q(updated_at__gte=since) | ~Q(pk__in=CreditTally.objects.filter(year=year).values("teacher"))
    for source in sources:
        changed |= Q(pk__in=source)
    return Teacher.objects.filter(changed)


def _analyze(cursor: Any, table: str) -> None:
    """Fresh statistics for a work table so PostgreSQL plans the joins on it well."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")


def _collect_teachers(sql: str, params: tuple) -> None:
    """The teachers to recompute (changed ones, or those a service names), once per run."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {CHANGED_TABLE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {CHANGED_TABLE} (teacher_id bigint PRIMARY KEY)")
        if sql:
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
            ledger.drop_work_tables(cursor)


def _sql(qs: QuerySet) -> tuple[str, tuple]:
    sql, params = qs.order_by().query.sql_with_params()
    return sql, tuple(params)


def _chunk_starts(teachers: QuerySet[Teacher]) -> list[int]:
    """The first id of each run of CHUNK_TEACHERS of `teachers` in id order (one query): a county's
    teachers need not have neighbouring ids, so chunks are cut by count, not by id span."""
    sql, params = _sql(teachers.annotate(tid=F("pk")).values_list("tid"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tid FROM (SELECT tid, ROW_NUMBER() OVER (ORDER BY tid) AS n FROM ({sql}) everyone) ranked "
            f"WHERE (n - 1) %% {CHUNK_TEACHERS} = 0 ORDER BY tid",
            params,
        )
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class _Chunk:
    counties: tuple[int, ...]
    lo: int | None = None  # an id range, for a county with more teachers than a chunk
    below: int | None = None


def _chunks(everyone: QuerySet[Teacher], counties: list[Region]) -> tuple[list[_Chunk], int]:
    """Whole counties gathered up to CHUNK_TEACHERS teachers, a larger county cut into id ranges: a
    chunk's statements then carry the rules of its own few counties only (one CASE branch per
    requirement is evaluated per teacher, so a province's rules in every chunk would cost 150 times)."""
    sizes = dict(everyone.order_by().values_list("school__county").annotate(n=Count("pk")))
    chunks: list[_Chunk] = []
    group: list[int] = []
    size = 0
    for county in counties:
        n = sizes.get(county.pk, 0)
        if not n:
            continue
        if n > CHUNK_TEACHERS:
            starts = _chunk_starts(everyone.filter(school__county=county))
            chunks += [
                _Chunk((county.pk,), lo, starts[i + 1] if i + 1 < len(starts) else None) for i, lo in enumerate(starts)
            ]
            continue
        if group and size + n > CHUNK_TEACHERS:
            chunks.append(_Chunk(tuple(group)))
            group, size = [], 0
        group.append(county.pk)
        size += n
    if group:
        chunks.append(_Chunk(tuple(group)))
    return chunks, sum(sizes.values())


def _tally_counties(
    *,
    year: int,
    counties: list[Region],
    report: Callable[[int, int], None],
    filtered: bool = False,
    force: bool = False,
) -> TallyOutcome:
    """Rebuild the ledger and tallies of the counties' teachers, chunk by chunk of teachers, several
    counties in the same statements (see ledger.py)."""
    constants = ledger.run_constants(counties=counties, year=year)
    everyone = Teacher.objects.filter(school__county__in=counties)
    if filtered:
        everyone = everyone.filter(pk__in=_changed_only())
    chunks, size = _chunks(everyone, counties)
    outcome = TallyOutcome(teachers=Teacher.objects.filter(school__county__in=counties).count() if filtered else size)
    if not chunks:
        report(1, 1)
        return outcome
    # The chunk's teachers, in the work table when this runs; rebuild_chunk adds the chunk's id bounds
    # (as values), so the enrolments are read by a range of their teacher index: without bounds the
    # planner hashed the year's enrolments of the whole province for each chunk (a county: 288 ms
    # against 38 ms at a million teachers).
    work = ledger.TEACHERS_TABLE
    earn = earning_enrolments(year=year).filter(teacher__in=RawSQL(f"SELECT id FROM {work}", ()))
    earn = earn.values_list(
        "pk",
        "teacher_id",
        "subproject__credit_category",
        "subproject__hours",
        "online_study__online_hours",
        "subproject__program__county__credit_settings__mode",
        "subproject__program__name",
        "subproject__name",
    )
    for number, chunk in enumerate(chunks, start=1):
        teachers = everyone.filter(school__county__in=chunk.counties)
        if chunk.lo is not None:
            teachers = teachers.filter(pk__gte=chunk.lo)
        if chunk.below is not None:
            teachers = teachers.filter(pk__lt=chunk.below)
        ledger_rows, tally_rows = ledger.rebuild_chunk(
            teachers=teachers, earn=earn, constants=constants, counties=chunk.counties, force=force
        )
        outcome.ledger_written += ledger_rows
        outcome.written += tally_rows
        report(number, len(chunks))
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
    teacher_ids: Iterable[int] | None = None,
    force: bool = False,
) -> TallyOutcome:
    """Rebuild the ledger of `year` from the records, then every teacher's tally (hours per category,
    credits, 达标, the rule that applied) from the ledger.

    Idempotent: only changed rows are written, so a second run over the same records writes nothing;
    locked rows (registration submitted or approved, a reviewed cycle) are left alone. With
    `changed_since`, only teachers with stamped changes since then are redone, unless a county's
    settings or requirement changed; with `teacher_ids`, only those (a service's own write)."""
    if county is not None:
        counties = [county]
    elif teacher_ids is not None:
        counties = list(Region.objects.filter(schools__teachers__in=list(teacher_ids)).distinct().order_by("pk"))
    else:
        counties = list(
            Region.objects.filter(level=Region.Level.COUNTY, schools__isnull=False).distinct().order_by("pk")
        )
    outcome = TallyOutcome()
    since = changed_since
    if since is not None and any(_rules_changed_since(year=year, county=c, since=since) for c in counties):
        since = None  # a county's settings or requirement changed: everyone's figures may change
    filtered = since is not None or teacher_ids is not None
    try:
        with connection.cursor() as cursor:
            ledger.create_work_tables(cursor)
        if teacher_ids is not None:
            ids = sorted({int(i) for i in teacher_ids})
            _collect_teachers(*_sql(Teacher.objects.filter(pk__in=ids).values_list("pk")) if ids else ("", ()))
        elif since is not None:
            _collect_teachers(*_sql(changed_teachers(year=year, since=since).values_list("pk")))
        if not force:  # a forced run recomputes tallies from the ledger as it stands
            _collect_attended_hours(year=year, changed_only=filtered)

        def report(done: int, total: int) -> None:
            if progress is not None:
                progress(min(100, int(done / total * 100) if total else 100))

        if counties:
            outcome = _tally_counties(year=year, counties=counties, report=report, filtered=filtered, force=force)
    finally:
        _drop_work_tables()
    if progress is not None:
        progress(100)
    return outcome


def ledger_refresh(*, teacher_ids: Iterable[int], years: Iterable[int], force: bool = False) -> int:
    """Bring the ledger and tallies of these teachers up to date after a service changed their records."""
    ids = sorted({int(i) for i in teacher_ids})
    if not ids:
        return 0
    return sum(tally_credits(year=y, teacher_ids=ids, force=force).ledger_written for y in sorted(set(years)))


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


# ---------------------------------------------------------------------------------------------
# Exports that leave the county: audited


def national_training_export(*, year: int, county: Region | None = None, user: Any = None, actor: Any) -> Any:
    """The national system's 国内培训 workbook for `year` (a county, or what `user` may see), audited."""
    from .exports import national_training_workbook
    from .selectors import national_trainings

    enrolments = national_trainings(year=year, county=county, user=user)
    workbook = national_training_workbook(enrolments=enrolments, year=year)
    AuditEntry.objects.create(
        action="national_training_export",
        object_type="NationalTraining",
        object_id=str(year),
        detail={"year": year, "county": county.name if county else None, "rows": enrolments.count()},
        actor=actor if getattr(actor, "pk", None) else None,
    )
    return workbook


# ---------------------------------------------------------------------------------------------
# Group rules: exemptions


@transaction.atomic
def exemption_add(
    *,
    requirement: CreditRequirement,
    gender: str = "",
    min_age: int | None = None,
    stage: str = "",
    post: str = "",
    category: Any = None,
    actor: Any,
) -> RequirementExemption:
    """An exemption from `requirement` (or only from its minimum in `category`) for teachers matching
    every condition given; age and gender come from the 身份证号 (the teacher's birth date and gender)."""
    if not (gender or min_age is not None or stage or post):
        raise ValidationError(_(ERR_EXEMPTION_EMPTY))
    resolved = category_lookup(county=requirement.county, key=category) if category is not None else None
    exemption = RequirementExemption(
        requirement=requirement, gender=gender, min_age=min_age, stage=stage, post=post, category=resolved
    )
    exemption.full_clean()
    exemption.save()
    audit(
        action="exemption_add",
        obj=exemption,
        actor=actor,
        requirement=requirement.pk,
        gender=gender,
        min_age=min_age,
        stage=stage,
        post=post,
        category=resolved.code if resolved else None,
    )
    return exemption
