"""Every number of the annual summary and the dashboard, aggregated in SQL and already scoped.

Distinct counts (参训人数, 参训教师数) are computed by the database at each level they are shown
(row, year, range, school, township, area): a distinct count can never be summed from the rows above.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
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

from assessment.models import CreditRequirement, CreditTally
from attendance.models import ATTENDED, AttendanceRecord
from core.scoping import get_visible_or_404, visible
from outreach.models import Cycle, OnlineStudy, PhaseTask, Resource, TaskSubmission
from outreach.selectors import OutreachStatistics, outreach_statistics
from programs.models import Enrolment, Level, Session, SubProject
from trainees.models import Region, School, Teacher

from .models import ExportJob

PARTICIPATING = list(Enrolment.PARTICIPATING)
ATTENDED_STATUSES = list(ATTENDED)
LEVEL_ORDER = [value for value, _label in Level.choices]
ZERO = Decimal("0")


@dataclass(frozen=True)
class ReportScope:
    """Whose records a report covers: the requesting user's scope, narrowed to one county if given.

    `user=None` is the trusted command-line run (`manage.py annual_summary`), limited only by county.
    """

    user: Any | None
    county_id: int | None = None

    def filter(self, qs: QuerySet, *, county: str) -> QuerySet:
        if self.user is not None:
            qs = visible(qs, self.user, county=county)
        if self.county_id is not None:
            qs = qs.filter(**{county: self.county_id})
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
    return scope.filter(SubProject.objects.all(), county="program__county").filter(
        program__year__gte=period.year_from, program__year__lte=period.year_to
    )


def _participation_aggregates() -> dict[str, Any]:
    taking_part = Q(enrolments__status__in=PARTICIPATING)
    return {
        "subprojects": Count("id", distinct=True),
        "person_times": Count("enrolments", filter=taking_part),
        "persons": Count("enrolments__teacher", filter=taking_part, distinct=True),
    }


# 年度汇总 -----------------------------------------------------------------------------------------


def summary_rows(*, scope: ReportScope, period: Period) -> list[dict[str, Any]]:
    """One row per year × level × category having sub-projects, in the order of the official table."""
    qs = (
        _subprojects(scope, period)
        .values("program__year", "program__level", "program__category__name", "program__category__sort_order")
        .annotate(level_rank=_level_rank(), **_participation_aggregates())
        .order_by("program__year", "level_rank", "program__category__sort_order", "program__category__name")
    )
    labels = dict(Level.choices)
    return [
        {
            "year": r["program__year"],
            "level": str(labels[r["program__level"]]),
            "category": r["program__category__name"],
            "subprojects": r["subprojects"],
            "person_times": r["person_times"],
            "persons": r["persons"],
        }
        for r in qs
    ]


def summary_year_totals(*, scope: ReportScope, period: Period) -> dict[int, dict[str, int]]:
    """Per year: sub-projects, person-times, and persons counted distinct over the whole year."""
    qs = (
        _subprojects(scope, period)
        .values("program__year")
        .annotate(**_participation_aggregates())
        .order_by("program__year")
    )
    return {r.pop("program__year"): r for r in qs}


def summary_grand_total(*, scope: ReportScope, period: Period) -> dict[str, int]:
    """The 合计 row: persons distinct over the whole range."""
    return _subprojects(scope, period).aggregate(**_participation_aggregates())


# 学校参训 -----------------------------------------------------------------------------------------

# Keys a participation row can be grouped by, as paths from School.
GROUPINGS = {
    "school": "id",
    "township": "township",
    "area": "area",
    "total": None,
}


def _group_values(qs: QuerySet, prefix: str, key: str | None) -> QuerySet:
    """GROUP BY the key under the alias `k`; a constant key groups everything into one row."""
    return qs.values(k=F(f"{prefix}{key}") if key else Value(1, output_field=IntegerField()))


def participation(*, scope: ReportScope, period: Period, by: str) -> dict[Any, dict[str, Any]]:
    """Teachers, trained teachers (distinct), person-times and attended hours grouped by `by`.

    Teachers are counted at their current school; training is counted at the school the teacher
    belonged to when enrolled (Enrolment.school), as the county's records do.
    """
    key = GROUPINGS[by]
    out: dict[Any, dict[str, Any]] = {}

    def row(k: Any) -> dict[str, Any]:
        return out.setdefault(k, {"teachers": 0, "trained": 0, "person_times": 0, "hours": ZERO})

    teachers = scope.filter(Teacher.objects.all(), county="school__county")
    for r in _group_values(teachers, "school__", key).annotate(n=Count("id")).order_by():
        row(r["k"])["teachers"] = r["n"]

    enrolments = scope.filter(Enrolment.objects.all(), county="subproject__program__county").filter(
        status__in=PARTICIPATING,
        subproject__program__year__gte=period.year_from,
        subproject__program__year__lte=period.year_to,
    )
    for r in (
        _group_values(enrolments, "school__", key)
        .annotate(trained=Count("teacher", distinct=True), person_times=Count("id"))
        .order_by()
    ):
        row(r["k"]).update(trained=r["trained"], person_times=r["person_times"])

    attended = scope.filter(AttendanceRecord.objects.all(), county="enrolment__subproject__program__county").filter(
        status__in=ATTENDED_STATUSES,
        enrolment__status__in=PARTICIPATING,
        enrolment__subproject__program__year__gte=period.year_from,
        enrolment__subproject__program__year__lte=period.year_to,
    )
    for r in _group_values(attended, "enrolment__school__", key).annotate(hours=Sum("session__hours")).order_by():
        row(r["k"])["hours"] = r["hours"] or ZERO
    return out


def schools(*, scope: ReportScope) -> QuerySet[School]:
    return (
        scope.filter(School.objects.all(), county="county")
        .select_related("township")
        .order_by("township__name", "code")
    )


def townships(*, scope: ReportScope) -> QuerySet[Region]:
    return scope.filter(Region.objects.filter(level=Region.Level.TOWNSHIP), county="parent").order_by("name")


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def per_teacher(hours: Decimal, teachers: int) -> float | None:
    return round(float(hours) / teachers, 1) if teachers else None


# 培训覆盖 -----------------------------------------------------------------------------------------


def coverage_teachers(*, scope: ReportScope, period: Period, not_trained_years: int, many_times: int) -> QuerySet:
    """Teachers with their last training year, trainings in the last N years and in the range."""
    taking_part = Q(enrolments__status__in=PARTICIPATING)
    county_programs = Q()
    if scope.county_id is not None:
        county_programs = Q(enrolments__subproject__program__county=scope.county_id)
    recent_from = period.year_to - not_trained_years + 1
    return (
        scope.filter(Teacher.objects.all(), county="school__county")
        .annotate(
            last_year=Max("enrolments__subproject__program__year", filter=taking_part & county_programs),
            recent=Count(
                "enrolments",
                filter=taking_part
                & county_programs
                & Q(enrolments__subproject__program__year__gte=recent_from)
                & Q(enrolments__subproject__program__year__lte=period.year_to),
            ),
            times=Count(
                "enrolments",
                filter=taking_part
                & county_programs
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
            "last_year",
            "recent",
            "times",
        )
        .order_by("school__code", "name", "pk")
    )


# 学分达标 -----------------------------------------------------------------------------------------


def _tallies(scope: ReportScope, period: Period) -> QuerySet[CreditTally]:
    return scope.filter(CreditTally.objects.all(), county="county").filter(
        year__gte=period.year_from, year__lte=period.year_to
    )


def _required_hours() -> Subquery:
    return Subquery(
        CreditRequirement.objects.filter(county=OuterRef("county"), year=OuterRef("year")).values("total_hours")[:1]
    )


def credit_by_school(*, scope: ReportScope, period: Period) -> QuerySet:
    return (
        _tallies(scope, period)
        .values("year", "school__code", "school__name")
        .annotate(
            tallied=Count("id"),
            met_count=Count("id", filter=Q(met=True)),
            shortfall=Coalesce(Sum("shortfall_hours", filter=Q(met=False)), ZERO, output_field=DecimalField()),
        )
        .order_by("year", "school__code")
    )


def credit_shortfalls(*, scope: ReportScope, period: Period) -> QuerySet:
    return (
        _tallies(scope, period)
        .filter(met=False)
        .annotate(required=_required_hours())
        .values(
            "year",
            "school__name",
            "teacher__name",
            "teacher__id_number",
            "total_hours",
            "required",
            "shortfall_hours",
        )
        .order_by("year", "school__code", "teacher__name", "teacher_id")
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
        .select_related("subproject")
        .order_by("year", "subject", "pk")
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
        .select_related("program")
        .order_by("program__year", "name", "pk")
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


def export_jobs(*, user: Any) -> QuerySet[ExportJob]:
    return visible(ExportJob.objects.all(), user, county="county").select_related("requested_by", "county")


def export_job_get(*, user: Any, pk: Any) -> ExportJob:
    return get_visible_or_404(ExportJob.objects.select_related("county", "requested_by"), user, pk=pk, county="county")


def person_times_by_year_category(*, scope: ReportScope, period: Period) -> QuerySet:
    return (
        scope.filter(Enrolment.objects.all(), county="subproject__program__county")
        .filter(
            status__in=PARTICIPATING,
            subproject__program__year__gte=period.year_from,
            subproject__program__year__lte=period.year_to,
        )
        .values("subproject__program__year", "subproject__program__category__name")
        .annotate(person_times=Count("id"), sort=Max("subproject__program__category__sort_order"))
        .order_by("sort", "subproject__program__category__name", "subproject__program__year")
    )
