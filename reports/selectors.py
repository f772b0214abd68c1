"""Every number of the annual summary and the dashboard, aggregated in SQL and already scoped.

Distinct counts (参训人数, 参训教师数) are computed by the database at each level they are shown
(row, year, range, school, township, area): a distinct count can never be summed from the rows above.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from assessment.models import CreditEntry, CreditRequirement, CreditTally
from attendance.models import ATTENDED, AttendanceRecord
from core.scoping import get_visible_or_404, regions_below, visible
from outreach.models import Cycle, OnlineStudy, PhaseTask, Resource, TaskSubmission
from outreach.selectors import OutreachStatistics, outreach_statistics
from programs.models import Enrolment, Level, Session, SubProject
from trainees.models import Region, School, Teacher

from .models import ExportJob, SavedStatistic

PARTICIPATING = list(Enrolment.PARTICIPATING)
ATTENDED_STATUSES = list(ATTENDED)
LEVEL_ORDER = [value for value, _label in Level.choices]
ZERO = Decimal("0")


@dataclass(frozen=True)
class ReportScope:
    """Whose records a report covers: the requesting user's scope, narrowed to one county or to one
    city or province (its counties, and the programs it and the cities below it run) if given.

    `user=None` is the trusted command-line run (`manage.py annual_summary`), limited only by these.
    Programs are counted with their owner (a county's, or a city's or province's own); teachers and
    their training with the county of their school.
    """

    user: Any | None
    county_id: int | None = None
    region_id: int | None = None
    # The dashboard's drill-down below the county: teacher-level figures of one township or school.
    township_id: int | None = None
    school_id: int | None = None

    @cached_property
    def _below(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return regions_below(self.region_id) if self.region_id is not None else ((), ())

    @property
    def county_ids(self) -> tuple[int, ...] | None:
        """The counties covered, or None for every county the user sees."""
        if self.county_id is not None:
            return (self.county_id,)
        if self.region_id is not None:
            return self._below[0]
        return None

    @property
    def is_rollup(self) -> bool:
        """Several counties: the sheets get a 县区 column, per-county subtotals and a total."""
        return self.county_id is None

    def filter(self, qs: QuerySet, *, county: str, region: str | None = None, school: str | None = None) -> QuerySet:
        """Rows whose county (by the `county` path) is covered; with `region`, also the rows of programs
        run by the city or province covered (or a city below the province); with `school` (a path to
        the row's School), only the township's or school's rows when the scope is drilled down."""
        if school is not None:
            if self.township_id is not None:
                qs = qs.filter(**{f"{school}__township_id": self.township_id})
            if self.school_id is not None:
                qs = qs.filter(**{school: self.school_id})
        if self.user is not None:
            qs = visible(qs, self.user, county=county, region=region)
        if self.county_id is not None:
            qs = qs.filter(**{county: self.county_id})
        elif self.region_id is not None:
            county_ids, region_ids = self._below
            q = Q(**{f"{county}__in": county_ids})
            if region:
                q |= Q(**{f"{region}__in": region_ids})
            qs = qs.filter(q)
        return qs


@dataclass(frozen=True)
class Period:
    year_from: int
    year_to: int

    @property
    def years(self) -> range:
        return range(self.year_from, self.year_to + 1)


def _level_rank() -> Case:
    return Case(
        *[When(program__level=value, then=Value(i)) for i, value in enumerate(LEVEL_ORDER)],
        output_field=IntegerField(),
    )


def _subprojects(scope: ReportScope, period: Period) -> QuerySet[SubProject]:
    return scope.filter(SubProject.objects.all(), county="program__county", region="program__region").filter(
        program__year__gte=period.year_from, program__year__lte=period.year_to
    )


def _participation_aggregates() -> dict[str, Any]:
    taking_part = Q(enrolments__status__in=PARTICIPATING)
    return {
        "subprojects": Count("id", distinct=True),
        "person_times": Count("enrolments", filter=taking_part),
        "persons": Count("enrolments__teacher", filter=taking_part, distinct=True),
    }


# Who runs a program: its county, or (county empty) the city or province. A roll-up's blocks.
OWNER = ("program__county", "program__region")


def owner_key(row: dict[str, Any], prefix: str = "program__") -> tuple[str, int | None]:
    """("county", id) or ("region", id) of a grouped row: the block it belongs to."""
    county = row.get(f"{prefix}county")
    return ("county", county) if county is not None else ("region", row.get(f"{prefix}region"))


def owners(*, scope: ReportScope, period: Period) -> list[tuple[tuple[str, int | None], str]]:
    """The blocks of a roll-up, in order: every county covered (by name; also those without programs,
    so a county that reported nothing shows as such), then the cities' and provinces' own programs."""
    counties = scope.filter(Region.objects.filter(level=Region.Level.COUNTY), county="pk")
    blocks: list[tuple[tuple[str, int | None], str]] = [(("county", c.pk), c.name) for c in counties.order_by("name")]
    region_ids = (
        _subprojects(scope, period)
        .filter(program__region__isnull=False)
        .order_by()
        .values_list("program__region", flat=True)
        .distinct()
    )
    for region in Region.objects.filter(pk__in=list(region_ids)).order_by("level", "name"):
        blocks.append((("region", region.pk), _("{name}本级").format(name=region.name)))
    return blocks


# 年度汇总 -----------------------------------------------------------------------------------------


def summary_rows(*, scope: ReportScope, period: Period, by_owner: bool = False) -> list[dict[str, Any]]:
    """One row per year × level × category having sub-projects, in the order of the official table
    (per owner first with `by_owner`: a county, or a city's or province's own programs)."""
    keys = [*(OWNER if by_owner else ()), "program__year", "program__level"]
    qs = (
        _subprojects(scope, period)
        .values(*keys, "program__category__name", "program__category__sort_order")
        .annotate(level_rank=_level_rank(), **_participation_aggregates())
        .order_by("program__year", "level_rank", "program__category__sort_order", "program__category__name")
    )
    labels = dict(Level.choices)
    return [
        {
            "owner": owner_key(r) if by_owner else None,
            "year": r["program__year"],
            "level": str(labels[r["program__level"]]),
            "category": r["program__category__name"],
            "subprojects": r["subprojects"],
            "person_times": r["person_times"],
            "persons": r["persons"],
        }
        for r in qs
    ]


def summary_year_totals(*, scope: ReportScope, period: Period, by_owner: bool = False) -> dict[Any, dict[str, int]]:
    """Per year (per owner and year with `by_owner`): sub-projects, person-times, and persons counted
    distinct over the whole year."""
    keys = [*(OWNER if by_owner else ()), "program__year"]
    qs = _subprojects(scope, period).values(*keys).annotate(**_participation_aggregates()).order_by(*keys)
    out: dict[Any, dict[str, int]] = {}
    for r in qs:
        year = r.pop("program__year")
        if by_owner:
            key = (owner_key(r), year)
            r.pop("program__county")
            r.pop("program__region")
        else:
            key = year
        out[key] = r
    return out


def summary_grand_total(*, scope: ReportScope, period: Period) -> dict[str, int]:
    """The 合计 row: persons distinct over the whole range."""
    return _subprojects(scope, period).aggregate(**_participation_aggregates())


def summary_owner_totals(*, scope: ReportScope, period: Period) -> dict[tuple[str, int | None], dict[str, int]]:
    """Each owner's 合计 over the range, persons distinct within the owner's programs."""
    qs = _subprojects(scope, period).values(*OWNER).annotate(**_participation_aggregates()).order_by()
    return {owner_key(r): r for r in qs}


# 上报汇总: the layout counties send up (年份 | 类别 | 子项目数 | 参训人数 | 年度合计 | 备注) ------------


def report_rows(*, scope: ReportScope, period: Period, by_owner: bool = False) -> list[dict[str, Any]]:
    """One row per year × category (levels merged, as the published tables do), with sub-projects and
    person-times; per owner with `by_owner`."""
    keys = [*(OWNER if by_owner else ()), "program__year"]
    qs = (
        _subprojects(scope, period)
        .values(*keys, "program__category__name", "program__category__sort_order")
        .annotate(
            subprojects=Count("id", distinct=True),
            person_times=Count("enrolments", filter=Q(enrolments__status__in=PARTICIPATING)),
        )
        .order_by("program__year", "program__category__sort_order", "program__category__name")
    )
    return [
        {
            "owner": owner_key(r) if by_owner else None,
            "year": r["program__year"],
            "category": r["program__category__name"],
            "subprojects": r["subprojects"],
            "person_times": r["person_times"],
        }
        for r in qs
    ]


# 学校参训 -----------------------------------------------------------------------------------------

# Keys a participation row can be grouped by, as paths from School.
GROUPINGS: dict[str, tuple[str, ...]] = {
    "school": ("id",),
    "township": ("township",),
    "area": ("area",),
    "county": ("county",),
    "county_area": ("county", "area"),
    "total": (),
}


def _group_values(qs: QuerySet, prefix: str, keys: tuple[str, ...]) -> QuerySet:
    """GROUP BY the keys under the aliases k0, k1…; no key groups everything into one row."""
    if not keys:
        return qs.values(k0=Value(1, output_field=IntegerField()))
    return qs.values(**{f"k{i}": F(f"{prefix}{key}") for i, key in enumerate(keys)})


def _key(row: dict[str, Any], keys: tuple[str, ...]) -> Any:
    if len(keys) <= 1:
        return row["k0"]
    return tuple(row[f"k{i}"] for i in range(len(keys)))


def teacher_enrolments(scope: ReportScope, period: Period) -> QuerySet[Enrolment]:
    """Participating enrolments of the teachers covered, by the school they were made for: a county's
    teachers' training in its own programs and in those its city or province runs."""
    return scope.filter(Enrolment.objects.all(), county="school__county", school="school").filter(
        status__in=PARTICIPATING,
        subproject__program__year__gte=period.year_from,
        subproject__program__year__lte=period.year_to,
    )


def participation(*, scope: ReportScope, period: Period, by: str) -> dict[Any, dict[str, Any]]:
    """Teachers, trained teachers (distinct), person-times and attended hours grouped by `by`.

    Teachers are counted at their current school; training is counted at the school the teacher
    belonged to when enrolled (Enrolment.school), as the county's records do.
    """
    keys = GROUPINGS[by]
    out: dict[Any, dict[str, Any]] = {}

    def row(k: Any) -> dict[str, Any]:
        return out.setdefault(k, {"teachers": 0, "trained": 0, "person_times": 0, "hours": ZERO})

    teachers = scope.filter(Teacher.objects.all(), county="school__county", school="school")
    for r in _group_values(teachers, "school__", keys).annotate(n=Count("id")).order_by():
        row(_key(r, keys))["teachers"] = r["n"]

    enrolments = teacher_enrolments(scope, period)
    for r in (
        _group_values(enrolments, "school__", keys)
        .annotate(trained=Count("teacher", distinct=True), person_times=Count("id"))
        .order_by()
    ):
        row(_key(r, keys)).update(trained=r["trained"], person_times=r["person_times"])

    attended = scope.filter(
        AttendanceRecord.objects.all(), county="enrolment__school__county", school="enrolment__school"
    ).filter(
        status__in=ATTENDED_STATUSES,
        enrolment__status__in=PARTICIPATING,
        enrolment__subproject__program__year__gte=period.year_from,
        enrolment__subproject__program__year__lte=period.year_to,
    )
    for r in _group_values(attended, "enrolment__school__", keys).annotate(hours=Sum("session__hours")).order_by():
        row(_key(r, keys))["hours"] = r["hours"] or ZERO
    return out


def schools(*, scope: ReportScope) -> QuerySet[School]:
    return (
        scope.filter(School.objects.all(), county="county")
        .select_related("township", "county")
        .order_by("county__name", "township__name", "code")
    )


def townships(*, scope: ReportScope) -> QuerySet[Region]:
    return (
        scope.filter(Region.objects.filter(level=Region.Level.TOWNSHIP), county="parent")
        .select_related("parent")
        .order_by("parent__name", "name")
    )


def counties(*, scope: ReportScope) -> QuerySet[Region]:
    return scope.filter(Region.objects.filter(level=Region.Level.COUNTY), county="pk").order_by("name")


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def per_teacher(hours: Decimal, teachers: int) -> float | None:
    return round(float(hours) / teachers, 1) if teachers else None


# 培训覆盖 -----------------------------------------------------------------------------------------


def _covered_training(scope: ReportScope, prefix: str = "enrolments__") -> Q:
    """The training a teacher's coverage counts: taken part, at a school covered."""
    q = Q(**{f"{prefix}status__in": PARTICIPATING})
    if scope.county_ids is not None:
        q &= Q(**{f"{prefix}school__county_id__in": scope.county_ids})
    return q


def coverage_teachers(*, scope: ReportScope, period: Period, not_trained_years: int, many_times: int) -> QuerySet:
    """Teachers with their last training year, trainings in the last N years and in the range."""
    taking_part = _covered_training(scope)
    recent_from = period.year_to - not_trained_years + 1
    return (
        scope.filter(Teacher.objects.all(), county="school__county")
        .annotate(
            last_year=Max("enrolments__subproject__program__year", filter=taking_part),
            recent=Count(
                "enrolments",
                filter=taking_part
                & Q(enrolments__subproject__program__year__gte=recent_from)
                & Q(enrolments__subproject__program__year__lte=period.year_to),
            ),
            times=Count(
                "enrolments",
                filter=taking_part
                & Q(enrolments__subproject__program__year__gte=period.year_from)
                & Q(enrolments__subproject__program__year__lte=period.year_to),
            ),
        )
        .values(
            "pk",
            "name",
            "id_number",
            "stage",
            "subject",
            "school__name",
            "school__township__name",
            "school__county__name",
            "last_year",
            "recent",
            "times",
        )
        .order_by("school__county__name", "school__code", "name", "pk")
    )


def coverage_counts(
    *, scope: ReportScope, period: Period, not_trained_years: int, many_times: int, by_county: bool = False
) -> dict[Any, dict[str, int]]:
    """Teachers, teachers not trained in the last N years and teachers trained more than M times in
    the range (per county with `by_county`, the scope's total under the key None either way).

    The two groups are the teachers of `coverage_teachers` filtered on its per-teacher aggregates and
    counted through a semi-join: one pass over the teachers' training each, where a correlated
    subquery per teacher would run once for each of 500,000 teachers."""
    teachers = scope.filter(Teacher.objects.all(), county="school__county", school="school")
    per_teacher = coverage_teachers(
        scope=scope, period=period, not_trained_years=not_trained_years, many_times=many_times
    ).order_by()
    groups = {
        "total": teachers,
        "not_trained": teachers.filter(pk__in=per_teacher.filter(recent=0).values("pk")),
        "many": teachers.filter(pk__in=per_teacher.filter(times__gt=many_times).values("pk")),
    }
    out: dict[Any, dict[str, int]] = {}
    for name, qs in groups.items():
        rows = qs.values("school__county").annotate(n=Count("pk")).order_by()
        for r in rows:
            out.setdefault(r["school__county"], {"total": 0, "not_trained": 0, "many": 0})[name] = r["n"]
    # Each teacher belongs to one county: the scope's total is the sum of the counties' counts.
    total = {key: sum(c[key] for c in out.values()) for key in ("total", "not_trained", "many")}
    return {**(out if by_county else {}), None: total}


# 学分达标 -----------------------------------------------------------------------------------------


def _tallies(scope: ReportScope, period: Period) -> QuerySet[CreditTally]:
    return scope.filter(CreditTally.objects.all(), county="county", school="school").filter(
        year__gte=period.year_from, year__lte=period.year_to
    )


def tallies_of(*, scope: ReportScope, period: Period) -> QuerySet[CreditTally]:
    return _tallies(scope, period)


def _required_hours() -> Subquery:
    return Subquery(
        CreditRequirement.objects.filter(county=OuterRef("county"), year=OuterRef("year")).values("total_hours")[:1]
    )


def _credit_aggregates() -> dict[str, Any]:
    return {
        "tallied": Count("id"),
        "met_count": Count("id", filter=Q(met=True)),
        "shortfall": Coalesce(Sum("shortfall_hours", filter=Q(met=False)), ZERO, output_field=DecimalField()),
    }


def credit_by_school(*, scope: ReportScope, period: Period) -> QuerySet:
    return (
        _tallies(scope, period)
        .values("year", "county__name", "school__code", "school__name")
        .annotate(**_credit_aggregates())
        .order_by("year", "county__name", "school__code")
    )


def credit_by_county(*, scope: ReportScope, period: Period) -> QuerySet:
    """Per year and county: the roll-up's subtotals (tallies are per teacher, so they add up)."""
    return (
        _tallies(scope, period)
        .values("year", "county", "county__name")
        .annotate(**_credit_aggregates())
        .order_by("year", "county__name")
    )


def credit_by_year(*, scope: ReportScope, period: Period) -> QuerySet:
    return _tallies(scope, period).values("year").annotate(**_credit_aggregates()).order_by("year")


def _ledger_hours() -> Coalesce:
    """The teacher's ledger total of the tally's year: the figure is the sum of the rows, even of rows
    added since the tally ran (one index probe on (teacher, year) per listed row, in the same query)."""
    rows = (
        CreditEntry.objects.filter(
            teacher=OuterRef("teacher"), year=OuterRef("year"), status=CreditEntry.Status.COUNTED
        )
        .order_by()
        .values("teacher")
        .annotate(h=Sum("hours"))
        .values("h")[:1]
    )
    return Coalesce(Subquery(rows, output_field=DecimalField()), ZERO, output_field=DecimalField())


def credit_shortfalls(*, scope: ReportScope, period: Period) -> QuerySet:
    """Teachers short of the year's requirement per their tally (达标 and 差额 are the tally's decision,
    made with the rules that applied); their total hours are the ledger's sum."""
    return (
        _tallies(scope, period)
        .filter(met=False)
        .annotate(required=_required_hours(), ledger_hours=_ledger_hours())
        .values(
            "year",
            "county__name",
            "school__name",
            "teacher__name",
            "teacher__id_number",
            "ledger_hours",
            "required",
            "shortfall_hours",
        )
        .order_by("year", "county__name", "school__code", "teacher__name", "teacher_id")
    )


# 送教下乡 and 工作坊 ------------------------------------------------------------------------------


def _count_of(qs: QuerySet, fk: str, outer: str = "pk", *, field: str = "pk", distinct: bool = False) -> Coalesce:
    """A correlated COUNT subquery per outer row (keeps one row per cycle, no join fan-out)."""
    sub = (
        qs.filter(**{fk: OuterRef(outer)})
        .order_by()
        .values(fk)
        .annotate(n=Count(field, distinct=distinct))
        .values("n")[:1]
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def _sum_of(qs: QuerySet, fk: str, field: str, *, decimal: bool = True) -> Coalesce:
    """A correlated SUM subquery per outer row, 0 when there is nothing to add."""
    sub = qs.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(s=Sum(field)).values("s")[:1]
    output = DecimalField() if decimal else IntegerField()
    return Coalesce(Subquery(sub, output_field=output), ZERO if decimal else 0, output_field=output)


def _participating_enrolments() -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(status__in=PARTICIPATING)


def _attended_records() -> QuerySet[AttendanceRecord]:
    return AttendanceRecord.objects.filter(status__in=ATTENDED_STATUSES, enrolment__status__in=PARTICIPATING)


def outreach_cycles(*, scope: ReportScope, period: Period) -> QuerySet[Cycle]:
    sessions = Session.objects.all()
    return (
        scope.filter(Cycle.objects.all(), county="county")
        .filter(year__gte=period.year_from, year__lte=period.year_to)
        .annotate(
            host_schools=_count_of(sessions, "subproject", "subproject", field="host_school", distinct=True),
            trainees=_count_of(_participating_enrolments(), "subproject", "subproject"),
            tasks=_count_of(PhaseTask.objects.all(), "phase__cycle"),
            submissions=_count_of(TaskSubmission.objects.all(), "task__phase__cycle"),
            done=_count_of(TaskSubmission.objects.filter(status=TaskSubmission.Status.DONE), "task__phase__cycle"),
            resource_count=_count_of(Resource.objects.all(), "cycle"),
            approved_resources=_count_of(Resource.objects.filter(status=Resource.Status.APPROVED), "cycle"),
        )
        .select_related("subproject", "county")
        .order_by("year", "county__name", "subject", "pk")
    )


def workshops(*, scope: ReportScope, period: Period) -> QuerySet[SubProject]:
    online = OnlineStudy.objects.filter(enrolment__status__in=PARTICIPATING)
    return (
        _subprojects(scope, period)
        .filter(kind=SubProject.Kind.WORKSHOP)
        .annotate(
            members=_count_of(_participating_enrolments(), "subproject"),
            offline=_count_of(Session.objects.all(), "subproject"),
            attended=_count_of(_attended_records(), "session__subproject"),
            online_hours=_sum_of(online, "enrolment__subproject", "online_hours"),
            tasks_done=_sum_of(online, "enrolment__subproject", "tasks_done", decimal=False),
        )
        .select_related("program", "program__county", "program__region")
        .order_by("program__year", "program__county__name", "name", "pk")
    )


def additive_totals(rows: Iterable[Any], fields: Iterable[str]) -> dict[str, Any]:
    """Column sums for counts that are additive across rows (visits, tasks, hours), never for persons."""
    fields = list(fields)
    out: dict[str, Any] = dict.fromkeys(fields, 0)
    for r in rows:
        for f in fields:
            out[f] += getattr(r, f)
    return out


def outreach_figures(*, cycles: QuerySet[Cycle]) -> OutreachStatistics:
    """班次, 天数, 人次, 人数, activities and resources per cycle, year and in total (the outreach app's)."""
    return outreach_statistics(cycles=cycles)


def outreach_distinct_totals(*, cycles: QuerySet[Cycle]) -> dict[str, int]:
    """Host schools and trainees counted once over all cycles (a school may host several)."""
    subprojects = cycles.values("subproject")
    hosts = Session.objects.filter(subproject__in=subprojects).aggregate(n=Count("host_school", distinct=True))["n"]
    trainees = (
        _participating_enrolments().filter(subproject__in=subprojects).aggregate(n=Count("teacher", distinct=True))["n"]
    )
    return {"host_schools": hosts, "trainees": trainees}


def workshop_distinct_members(*, workshops: QuerySet[SubProject]) -> int:
    members = _participating_enrolments().filter(subproject__in=workshops.values("pk"))
    return members.aggregate(n=Count("teacher", distinct=True))["n"]


# Export jobs ------------------------------------------------------------------------------------


# Saved statistics: a county's by its staff (and the offices above it), an office's by that office.
def saved_statistics(*, user: Any) -> QuerySet[SavedStatistic]:
    return visible(SavedStatistic.objects.all(), user, county="county", region="region").select_related(
        "county", "region", "created_by"
    )


def saved_statistic_get(*, user: Any, pk: Any) -> SavedStatistic:
    return get_visible_or_404(SavedStatistic.objects.all(), user, pk=pk, county="county", region="region")


# A county's jobs are seen by its staff and the offices above it; a city's or province's roll-up by
# that office (and the province over a city).
EXPORT_JOB_PATHS = {"county": "county", "region": "region"}


def export_jobs(*, user: Any) -> QuerySet[ExportJob]:
    return visible(ExportJob.objects.all(), user, **EXPORT_JOB_PATHS).select_related("requested_by", "county", "region")


def export_job_get(*, user: Any, pk: Any) -> ExportJob:
    return get_visible_or_404(
        ExportJob.objects.select_related("county", "region", "requested_by"), user, pk=pk, **EXPORT_JOB_PATHS
    )


def person_times_by_year_category(*, scope: ReportScope, period: Period) -> QuerySet:
    return (
        scope.filter(
            Enrolment.objects.all(), county="subproject__program__county", region="subproject__program__region"
        )
        .filter(
            status__in=PARTICIPATING,
            subproject__program__year__gte=period.year_from,
            subproject__program__year__lte=period.year_to,
        )
        .values("subproject__program__year", "subproject__program__category__name")
        .annotate(person_times=Count("id"), sort=Max("subproject__program__category__sort_order"))
        .order_by("sort", "subproject__program__category__name", "subproject__program__year")
    )
