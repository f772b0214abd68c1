"""Every read the assessment pages and exports need, already scoped to the user."""

from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Round
from django.http import Http404
from django.shortcuts import get_object_or_404

from attendance.models import ATTENDED, AttendanceRecord
from core.scoping import COUNTY, REGION, SCHOOL, SELF, get_visible_or_404, is_county_level, scope_of, visible
from programs.models import Enrolment, SubProject
from trainees.models import Region, School, Teacher

from .credits import HUNDREDTH, _q, cycle_of
from .ledger import counted, teacher_year_sums
from .models import (
    AssessmentScheme,
    ClaimEvidence,
    ClaimItem,
    ClaimObjection,
    Component,
    CountyCreditCategory,
    CreditClaim,
    CreditCycle,
    CreditEntry,
    CreditRegistration,
    CreditRequirement,
    CreditTally,
    CycleResult,
    CycleReview,
    Grade,
    ManualScore,
    Result,
    SchoolProject,
    SurveyAnswered,
    TallyRun,
    Unit,
)
from .scoring import assessed_enrolments

SCHEME_PATHS = {"county": "county"}
SUBPROJECT_PATHS = {"county": "program__county"}
ENROLMENT_PATHS = {"county": "subproject__program__county", "school": "school", "teacher": "teacher"}
TALLY_PATHS = {"county": "county", "school": "school", "teacher": "teacher"}
SCHOOL_PROJECT_PATHS = {"county": "school__county", "school": "school"}
TEACHER_PATHS = {"county": "school__county", "school": "school", "teacher": "pk"}


def counties(*, user: Any) -> QuerySet[Region]:
    return visible(Region.objects.filter(level=Region.Level.COUNTY), user, county="pk").order_by("name")


# Schemes and scores


def scheme_overview(*, user: Any) -> tuple[QuerySet[SubProject], QuerySet[AssessmentScheme]]:
    subprojects = (
        visible(SubProject.objects.all(), user, **SUBPROJECT_PATHS)
        .select_related("program", "assessment_scheme")
        .order_by("-program__year", "program__name", "name")
    )
    templates = visible(AssessmentScheme.objects.filter(is_template=True), user, **SCHEME_PATHS)
    return subprojects, templates.prefetch_related("components")


def subproject_get(*, user: Any, pk: Any) -> SubProject:
    return get_visible_or_404(SubProject.objects.select_related("program"), user, pk=pk, **SUBPROJECT_PATHS)


def scheme_get(*, user: Any, pk: Any) -> AssessmentScheme:
    return get_visible_or_404(
        AssessmentScheme.objects.select_related("subproject", "subproject__program", "county"),
        user,
        pk=pk,
        **SCHEME_PATHS,
    )


def scheme_for_scoring(*, user: Any, pk: Any) -> AssessmentScheme:
    """A sub-project's scheme whose scores `user` may enter: county staff of its county, or a tutor or
    visiting-team member of that sub-project's cohort. Coordinators get 403; other teachers 404."""
    from outreach.selectors import tutored_subproject_ids

    if is_county_level(user):
        scheme = scheme_get(user=user, pk=pk)
    elif scope_of(user).kind == REGION:
        scheme_get(user=user, pk=pk)  # offices above read the scheme (404 outside their region), never score
        raise PermissionDenied
    elif scope_of(user).kind != SELF:
        raise PermissionDenied
    else:
        qs = AssessmentScheme.objects.select_related("subproject", "subproject__program", "county")
        scheme = qs.filter(pk=pk, subproject_id__in=tutored_subproject_ids(user=user)).first()
    if scheme is None or scheme.subproject_id is None:
        raise Http404
    return scheme


def tutor_schemes(*, user: Any) -> QuerySet[AssessmentScheme]:
    """Schemes a tutor enters scores for (empty for anyone who tutors nothing)."""
    from outreach.selectors import tutored_subproject_ids

    ids = tutored_subproject_ids(user=user)
    return AssessmentScheme.objects.filter(subproject_id__in=ids).select_related("subproject__program")


def template_choices(*, user: Any, county_id: int) -> QuerySet[AssessmentScheme]:
    return visible(AssessmentScheme.objects.filter(is_template=True, county_id=county_id), user, **SCHEME_PATHS)


def score_grid(*, scheme: AssessmentScheme) -> tuple[list[Component], list[dict[str, Any]]]:
    """Rows for the score-entry grid: trainee, manual scores, computed result and its version."""
    components = list(scheme.components.all())
    enrolments = list(
        assessed_enrolments(scheme)
        .select_related("teacher", "school", "assessment_result")
        .order_by("school__code", "teacher__name", "pk")
    )
    manual = {
        (m.enrolment_id, m.component_id): m.value
        for m in ManualScore.objects.filter(component__scheme=scheme, enrolment__in=enrolments)
    }
    rows = []
    for e in enrolments:
        result = getattr(e, "assessment_result", None)
        rows.append(
            {
                "enrolment": e,
                "result": result,
                "version": result.version if result else 0,
                "cells": [
                    {
                        "component": c,
                        "manual": manual.get((e.pk, c.pk)),
                        "computed": (result.component_scores or {}).get(c.label) if result else None,
                    }
                    for c in components
                ],
            }
        )
    return components, rows


def excellent_trainees(*, scheme: AssessmentScheme) -> QuerySet[Result]:
    return (
        Result.objects.filter(scheme=scheme, grade=Grade.EXCELLENT)
        .select_related("enrolment__teacher", "enrolment__school")
        .order_by("-final_score", "enrolment__teacher__name")
    )


# Surveys


def enrolment_get(*, user: Any, pk: Any) -> Enrolment:
    return get_visible_or_404(
        Enrolment.objects.select_related("subproject", "subproject__program", "teacher"),
        user,
        pk=pk,
        **ENROLMENT_PATHS,
    )


# Credits


def requirements(*, user: Any) -> QuerySet[CreditRequirement]:
    return (
        visible(CreditRequirement.objects.select_related("county"), user, county="county")
        .prefetch_related("minimums__category")
        .order_by("-year", "county__name", "group")
    )


def school_projects(*, user: Any, status: str = "") -> QuerySet[SchoolProject]:
    qs = visible(SchoolProject.objects.all(), user, **SCHOOL_PROJECT_PATHS)
    if status in SchoolProject.Status.values:
        qs = qs.filter(status=status)
    return (
        qs.select_related("school").annotate(session_count=Count("sessions")).order_by("-year", "school__code", "title")
    )


def school_project_get(*, user: Any, pk: Any) -> SchoolProject:
    return get_visible_or_404(
        SchoolProject.objects.select_related("school").prefetch_related(
            Prefetch("sessions", to_attr="session_list"), "sessions__attendance__teacher"
        ),
        user,
        pk=pk,
        **SCHOOL_PROJECT_PATHS,
    )


def schools(*, user: Any) -> QuerySet[School]:
    return visible(School.objects.all(), user, county="county", school="pk").order_by("code")


def school_teachers(*, school: School) -> QuerySet[Teacher]:
    return school.teachers.order_by("name", "pk")


def _ledger_sum(field: str, **filters: Any) -> Coalesce:
    places = 2 if field == "credits" else 1
    output = DecimalField(max_digits=9, decimal_places=places)
    rows = (
        counted(CreditEntry.objects.filter(teacher=OuterRef("teacher"), year=OuterRef("year"), **filters))
        .order_by()
        .values("teacher")
        .annotate(s=Round(Sum(field), places))
        .values("s")[:1]
    )
    return Coalesce(Subquery(rows, output_field=output), Value(Decimal(0)), output_field=output)


def tallies(*, user: Any, year: int, school_id: Any = None) -> QuerySet[CreditTally]:
    """Tallies with their figures read from the ledger (`ledger_*`: the sums of the rows now, one index
    probe each per listed row); 达标, 差额 and the rule stay the tally's decision. A row whose ledger
    total differs from the tally's was changed since the tally ran."""
    qs = visible(CreditTally.objects.filter(year=year), user, **TALLY_PATHS)
    if school_id:
        qs = qs.filter(school_id=school_id)
    from programs.models import CreditCategory as SubProjectCategory

    by_kind = "category__subproject_category"
    return (
        qs.select_related("teacher", "school")
        .annotate(
            ledger_centralized=_ledger_sum("hours", **{by_kind: SubProjectCategory.CENTRALIZED}),
            ledger_online=_ledger_sum("hours", **{by_kind: SubProjectCategory.ONLINE}),
            ledger_school_based=_ledger_sum("hours", **{by_kind: SubProjectCategory.SCHOOL_BASED}),
            ledger_hours=_ledger_sum("hours"),
            ledger_credits=_ledger_sum("credits"),
        )
        .order_by("school__code", "teacher__name", "pk")
    )


def tally_get(*, user: Any, pk: Any) -> CreditTally:
    return get_visible_or_404(
        CreditTally.objects.select_related("teacher", "school", "county").prefetch_related("corrections__actor"),
        user,
        pk=pk,
        **TALLY_PATHS,
    )


def tally_run_get(*, user: Any, pk: Any) -> TallyRun:
    return get_visible_or_404(TallyRun.objects.select_related("county"), user, pk=pk, county="county")


def registrations(*, user: Any, year: int, status: str = "") -> QuerySet[School]:
    """Schools in scope with their registration for the year and tally figures, one query."""
    reg = CreditRegistration.objects.filter(school=OuterRef("pk"), year=year)
    qs = schools(user=user)
    if status in CreditRegistration.Status.values:
        qs = qs.filter(Exists(reg.filter(status=status)))
    return qs.annotate(
        reg_status=Subquery(reg.values("status")[:1]),
        reg_reason=Subquery(reg.values("reason")[:1]),
        tally_count=Count("credit_tallies", filter=Q(credit_tallies__year=year)),
        met_count=Count("credit_tallies", filter=Q(credit_tallies__year=year, credit_tallies__met=True)),
    )


def registration_for(*, school: School, year: int) -> CreditRegistration | None:
    return CreditRegistration.objects.filter(school=school, year=year).first()


def school_get(*, user: Any, pk: Any) -> School:
    return get_visible_or_404(School.objects.select_related("county"), user, pk=pk, county="county", school="pk")


@dataclass(frozen=True)
class YearHours:
    hours: Decimal
    required: Decimal | None  # None: the county set no requirement for the year
    unit: str = Unit.HOURS


def year_hours(*, teacher_id: int, year: int) -> YearHours:
    """A teacher's ledger total of `year` against the requirement that applied in the tally (or the
    county's general one before the first tally), in one query."""
    done = (
        counted(CreditEntry.objects.filter(teacher_id=OuterRef("pk"), year=year))
        .order_by()
        .values("teacher_id")
        .annotate(h=Sum("hours"))
        .values("h")[:1]
    )
    tally = CreditTally.objects.filter(teacher_id=OuterRef("pk"), year=year)
    general = CreditRequirement.objects.filter(
        county_id=OuterRef("school__county_id"), year=year, group=CreditRequirement.Group.ALL, unit=Unit.HOURS
    )
    row = (
        Teacher.objects.filter(pk=teacher_id)
        .annotate(
            done=Subquery(done),
            tally_required=Subquery(tally.filter(unit=Unit.HOURS).values("requirement_total")[:1]),
            has_tally=Exists(tally),
            required=Subquery(general.values("total_hours")[:1]),
        )
        .values("done", "tally_required", "has_tally", "required")
        .first()
    ) or {"done": None, "tally_required": None, "has_tally": False, "required": None}
    required = row["tally_required"] if row["has_tally"] else row["required"]
    return YearHours(hours=_q(row["done"] or Decimal(0)), required=required)


# Transcript


def teacher_get(*, user: Any, pk: Any) -> Teacher:
    return get_visible_or_404(Teacher.objects.select_related("school"), user, pk=pk, **TEACHER_PATHS)


def transcript(*, teacher: Teacher) -> "OrderedDict[int, dict[str, Any]]":
    """Year by year: every enrolment with attendance, score and grade; the year's ledger rows (what was
    credited, from any source) and their sums, which are the year's totals; the year's tally (达标)."""
    attended = (
        AttendanceRecord.objects.filter(enrolment=OuterRef("pk"), status__in=ATTENDED)
        .order_by()
        .values("enrolment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    sessions = SubProject.objects.filter(pk=OuterRef("subproject")).annotate(n=Count("sessions")).values("n")
    credited = (
        counted(CreditEntry.objects.filter(source_kind=CreditEntry.Source.ENROLMENT, source_id=OuterRef("pk")))
        .order_by()
        .values("source_id")
        .annotate(h=Sum("hours"))
        .values("h")[:1]
    )
    enrolments = (
        Enrolment.objects.filter(teacher=teacher)
        .select_related("subproject", "subproject__program", "school", "assessment_result__scheme")
        .annotate(
            attended_sessions=Coalesce(Subquery(attended, output_field=IntegerField()), Value(0)),
            session_count=Coalesce(Subquery(sessions, output_field=IntegerField()), Value(0)),
            earned_hours=Subquery(credited),
            survey_done=Exists(SurveyAnswered.objects.filter(enrolment=OuterRef("pk"))),
        )
        .order_by("-subproject__program__year", "subproject__start_date", "pk")
    )
    years: OrderedDict[int, dict[str, Any]] = OrderedDict()

    def year_data(year: int) -> dict[str, Any]:
        return years.setdefault(year, {"enrolments": [], "entries": [], "tally": None, "hours": Decimal(0)})

    for e in enrolments:
        e.attendance_rate = (
            (Decimal(100) * e.attended_sessions / e.session_count).quantize(Decimal("0.1")) if e.session_count else None
        )
        e.earned_hours = _q(e.earned_hours) if e.earned_hours is not None else None
        result = getattr(e, "assessment_result", None)
        # Scores are the trainee's business only once the county publishes them.
        e.published_result = result if result is not None and result.scheme.published_at is not None else None
        year_data(e.subproject.program.year)["enrolments"].append(e)
    # Enrolment rows show on their enrolment; the other sources (校本, claims, corrections…) are listed apart.
    entries = (
        counted(teacher.credit_entries.exclude(source_kind=CreditEntry.Source.ENROLMENT))
        .select_related("category")
        .order_by("-year", "category__order", "pk")
    )
    for entry in entries:
        year_data(entry.year)["entries"].append(entry)
    sums = (
        counted(teacher.credit_entries.all())
        .values("year")
        .annotate(hours=Sum("hours"), credits=Sum("credits"))
        .order_by()
    )
    for row in sums:
        data = year_data(row["year"])
        # Quantized: SQLite returns a sum of decimals unrounded.
        data["hours"], data["credits"] = _q(row["hours"]), _q(row["credits"], HUNDREDTH)
    for tally in teacher.credit_tallies.all():
        year_data(tally.year)["tally"] = tally
    defined = list(cycles(county=teacher.school.county_id))
    for year, data in years.items():
        cycle = cycle_of(defined, county_id=teacher.school.county_id, year=year)
        data["cycle"] = cycle
        # The cycle so far (its first year up to this one), summed from the ledger.
        data["cycle_hours"] = sum((d["hours"] for y, d in years.items() if cycle.start_year <= y <= year), Decimal(0))
        data["cycle_required"] = cycle.total
    return OrderedDict(sorted(years.items(), reverse=True))


# Categories, cycles and the ledger behind a tally


def credit_categories(*, county: Region) -> QuerySet[CountyCreditCategory]:
    return CountyCreditCategory.objects.filter(county=county).order_by("order", "pk")


def cycles(*, county: Region | int) -> QuerySet[CreditCycle]:
    return CreditCycle.objects.filter(county=county).order_by("-start_year")


def tally_category_hours(*, tally: CreditTally) -> tuple[list[CountyCreditCategory], dict[int, Decimal]]:
    """The county's categories and the tally's ledger hours in each (one GROUP BY)."""
    categories = list(credit_categories(county=tally.county))
    sums = teacher_year_sums(teacher_ids=[tally.teacher_id], year=tally.year).get(tally.teacher_id, {})
    return categories, {pk: row["hours"] for pk, row in sums.items()}


def ledger_entries(*, user: Any, year: int, teacher_id: Any = None) -> QuerySet[CreditEntry]:
    qs = visible(counted(CreditEntry.objects.filter(year=year)), user, **TALLY_PATHS)
    if teacher_id:
        qs = qs.filter(teacher_id=teacher_id)
    return qs.select_related("teacher", "school", "category").order_by("school__code", "teacher__name", "pk")


# The county's tally sheet and the national system's 国内培训 layout


@dataclass(frozen=True)
class TallySheet:
    county: Region
    year: int
    categories: list[CountyCreditCategory]
    tallies: Any  # CreditTally rows with teacher and school
    sums: dict[int, dict[int, dict[str, Decimal]]]  # teacher → category → hours/credits


def tally_sheet(*, county: Region, year: int) -> TallySheet:
    """Every tally of the county and year with its ledger sums per category (two queries)."""
    tallies = (
        CreditTally.objects.filter(county=county, year=year)
        .select_related("teacher", "school")
        .order_by("school__code", "teacher__name", "pk")
    )
    sums: dict[int, dict[int, dict[str, Decimal]]] = {}
    rows = (
        counted(CreditEntry.objects.filter(county=county, year=year))
        .values("teacher_id", "category_id")
        .annotate(hours=Sum("hours"), credits=Sum("credits"))
        .order_by()
    )
    for row in rows:
        sums.setdefault(row["teacher_id"], {})[row["category_id"]] = {
            "hours": _q(row["hours"]),
            "credits": _q(row["credits"], HUNDREDTH),
        }
    return TallySheet(county, year, list(credit_categories(county=county)), tallies, sums)


def national_trainings(*, year: int, county: Region | None = None, user: Any = None) -> QuerySet[Enrolment]:
    """Completed enrolments of `year` with the ledger's hours and credits for each (one query), for the
    national system's 国内培训 table; scoped to `user` when given (the browser), else all or `county`."""
    ledger_rows = counted(
        CreditEntry.objects.filter(source_kind=CreditEntry.Source.ENROLMENT, source_id=OuterRef("pk"))
    ).order_by()
    qs = Enrolment.objects.filter(status=Enrolment.Status.COMPLETED, subproject__program__year=year)
    if county is not None:
        qs = qs.filter(teacher__school__county=county)
    if user is not None:
        qs = visible(qs, user, county="teacher__school__county", school="teacher__school", teacher="teacher")
    return (
        qs.select_related("teacher", "subproject", "subproject__program")
        .annotate(
            ledger_hours=Subquery(ledger_rows.values("source_id").annotate(h=Sum("hours")).values("h")[:1]),
            ledger_credits=Subquery(ledger_rows.values("source_id").annotate(c=Sum("credits")).values("c")[:1]),
        )
        .order_by("teacher__school__code", "teacher__name", "teacher_id", "subproject__start_date", "pk")
    )


# Cycle reviews 周期核定 (the pages in views_cycles.py)

CYCLE_REVIEW_PATHS = {"county": "county", "school_sees_county": True}
CYCLE_RESULT_PATHS = {"county": "review__county", "school": "school", "teacher": "teacher"}
RESULT_MET, RESULT_SHORT, RESULT_GRACE = "met", "short", "grace"
RESULT_FILTERS = {RESULT_MET: Q(met=True), RESULT_SHORT: Q(met=False), RESULT_GRACE: Q(grace=True)}
# Cycles a county may review: those containing one of the last ten years.
REVIEWABLE_YEARS = 10


def cycle_review_get(*, user: Any, pk: Any) -> CycleReview:
    return get_visible_or_404(
        CycleReview.objects.select_related("county", "reviewed_by", "carry_category"),
        user,
        pk=pk,
        **CYCLE_REVIEW_PATHS,
    )


def _result_count(results: QuerySet[CycleResult], **filters: Any) -> Coalesce:
    sub = results.filter(**filters).order_by().values("review").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def cycle_reviews(*, user: Any) -> QuerySet[CycleReview]:
    """The reviews in scope, newest cycle first, with the counts of the results the user may see (a
    coordinator: their school's) in one query."""
    results = visible(CycleResult.objects.filter(review=OuterRef("pk")), user, **CYCLE_RESULT_PATHS)
    return (
        visible(CycleReview.objects.select_related("county", "reviewed_by"), user, **CYCLE_REVIEW_PATHS)
        .annotate(
            teacher_count=_result_count(results),
            met_count=_result_count(results, met=True),
            grace_count=_result_count(results, grace=True),
        )
        .order_by("-start_year", "county__name", "pk")
    )


def cycle_review_results(
    *, user: Any, review: CycleReview, school_id: Any = None, status: str = "", name: str = ""
) -> QuerySet[CycleResult]:
    """A review's results the user may see, filtered by school, 达标/未达标/宽限 and a name."""
    qs = visible(review.results.all(), user, **CYCLE_RESULT_PATHS)
    if school_id:
        qs = qs.filter(school_id=school_id)
    if status in RESULT_FILTERS:
        qs = qs.filter(RESULT_FILTERS[status])
    if name:
        qs = qs.filter(teacher__name__icontains=name)
    shortfall = ExpressionWrapper(Value(review.total) - F("earned"), output_field=DecimalField(max_digits=8, decimal_places=1))
    return (
        qs.select_related("teacher", "school")
        .annotate(shortfall=shortfall)
        .order_by("school__code", "teacher__name", "pk")
    )


def cycle_review_summary(*, results: QuerySet[CycleResult]) -> dict[str, Any]:
    """Teachers, 达标, 未达标, 宽限补修 and the hours carried over, in one aggregate."""
    figures = results.order_by().aggregate(
        teachers=Count("pk"),
        met=Count("pk", filter=Q(met=True)),
        grace=Count("pk", filter=Q(grace=True)),
        carried=Coalesce(Sum("carried"), Value(Decimal(0)), output_field=DecimalField()),
    )
    figures["short"] = figures["teachers"] - figures["met"]
    figures["carried"] = _q(figures["carried"])
    return figures


def cycle_review_history(*, review: CycleReview) -> QuerySet[Any]:
    """Who requested, ran and reopened the review, and why (the audit trail)."""
    from .models import AuditEntry

    return (
        AuditEntry.objects.filter(object_type=CycleReview.__name__, object_id=str(review.pk))
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


def cycle_choices(*, county: Region, today: Any) -> list[CreditCycle]:
    """The county's cycles containing one of the last ten years, newest first (defined or implied)."""
    defined = list(cycles(county=county))
    found: dict[int, CreditCycle] = {}
    for year in range(today.year, today.year - REVIEWABLE_YEARS, -1):
        cycle = cycle_of(defined, county_id=county.pk, year=year)
        # Before the first defined cycle the national ones are implied; one overlapping it is not offered.
        if not any(c.start_year <= cycle.end_year and cycle.start_year <= c.end_year for c in found.values()):
            found[cycle.start_year] = cycle
    return list(found.values())


def cycle_review_statuses(*, county: Region) -> dict[int, str]:
    """{start year: the review's status label} of the county's reviewed cycles, for the cycle choice."""
    labels = dict(CycleReview.Status.choices)
    rows = CycleReview.objects.filter(county=county).values_list("start_year", "status")
    return {year: str(labels[status]) for year, status in rows}


@dataclass(frozen=True)
class CyclePreview:
    cycle: CreditCycle
    teachers: int
    met: int
    carrying: int  # teachers over the total: a carry-over row each if the cap is above zero
    unlocked_rows: int  # the cycle's ledger rows the review will lock

    @property
    def short(self) -> int:
        return self.teachers - self.met


def cycle_review_preview(*, county: Region, cycle: CreditCycle) -> CyclePreview:
    """What reviewing `cycle` now would decide, for the confirmation page (four counts)."""
    years = range(cycle.start_year, cycle.end_year + 1)
    field = "credits" if cycle.unit == Unit.CREDITS else "hours"
    teachers = Teacher.objects.filter(school__county=county)
    sums = (
        counted(CreditEntry.objects.filter(county=county, year__in=years, teacher__school__county=county))
        .values("teacher_id")
        .annotate(s=Sum(field))
        .order_by()
    )
    return CyclePreview(
        cycle=cycle,
        teachers=teachers.count(),
        met=sums.filter(s__gte=cycle.total).count(),
        carrying=sums.filter(s__gt=cycle.total).count(),
        unlocked_rows=CreditEntry.objects.filter(county=county, year__in=years, locked=False).count(),
    )


def teacher_cycle_results(*, teacher: Teacher) -> QuerySet[CycleResult]:
    """The teacher's results of reviews that stand (a reopened review is being redone)."""
    return (
        teacher.cycle_results.filter(review__status=CycleReview.Status.DONE)
        .select_related("review")
        .order_by("-review__start_year")
    )


def cycle_results(*, review: Any) -> QuerySet[Any]:
    return review.results.select_related("teacher", "school").order_by("school__code", "teacher__name", "pk")


# Self-study claims 学分申报: the claimant, their school's coordinator and the county's staff see a
# claim; offices above the county see none (a claim's evidence is the teacher's own papers).

CLAIM_PATHS = {"county": "county", "school": "school", "teacher": "teacher"}


def _outside_claims(qs: QuerySet, user: Any) -> QuerySet:
    return qs.none() if scope_of(user).kind == REGION else qs


def _claims_visible(qs: QuerySet, user: Any) -> QuerySet:
    return visible(_outside_claims(qs, user), user, **CLAIM_PATHS)


def _claim_rows(qs: QuerySet) -> QuerySet:
    return qs.select_related("teacher", "school", "item__category").prefetch_related("evidence")


def claims_mine(*, user: Any) -> QuerySet[CreditClaim]:
    scope = scope_of(user)
    qs = CreditClaim.objects.filter(teacher_id=scope.teacher_id) if scope.kind == SELF else CreditClaim.objects.none()
    return _claim_rows(qs).order_by("-created_at", "-pk")


def claim_get(*, user: Any, pk: Any) -> CreditClaim:
    qs = _claim_rows(CreditClaim.objects.select_related("school_reviewer", "county_reviewer"))
    return get_visible_or_404(_outside_claims(qs, user), user, pk=pk, **CLAIM_PATHS)


def claim_evidence_get(*, user: Any, pk: Any) -> ClaimEvidence:
    qs = _outside_claims(ClaimEvidence.objects.all(), user)
    return get_visible_or_404(qs, user, pk=pk, county="claim__county", school="claim__school", teacher="claim__teacher")


def claims_for_review(*, user: Any, status: str = "", term: str = "") -> QuerySet[CreditClaim]:
    """The claims a coordinator (own school) or county staff (own county) review, filtered."""

    qs = _claims_visible(CreditClaim.objects.all(), user)
    if status in CreditClaim.Status.values:
        qs = qs.filter(status=status)
    if term:
        qs = qs.filter(Q(teacher__name__icontains=term) | Q(item__name__icontains=term))
    return _claim_rows(qs).order_by("-created_at", "-pk")


def publicity_county_id(*, user: Any) -> int | None:
    """The county whose 公示 list a user may read: their own (staff, coordinators and teachers)."""
    scope = scope_of(user)
    if scope.kind == SELF:
        return Teacher.objects.filter(pk=scope.teacher_id).values_list("school__county_id", flat=True).first()
    if scope.kind in (COUNTY, SCHOOL):
        return scope.county_id
    return None


def claims_in_publicity(*, county_id: int) -> QuerySet[CreditClaim]:
    open_objections = ClaimObjection.objects.filter(claim=OuterRef("pk"), status=ClaimObjection.Status.OPEN)
    return (
        CreditClaim.objects.filter(county_id=county_id, status=CreditClaim.Status.IN_PUBLICITY)
        .select_related("teacher", "school", "item__category")
        .annotate(
            open_objections=Coalesce(
                Subquery(
                    open_objections.order_by().values("claim").annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            )
        )
        .order_by("publicity_until", "school__code", "pk")
    )


def claim_in_publicity_get(*, user: Any, pk: Any) -> CreditClaim:
    """A claim of the user's county's 公示 list (404 for any other, or once 公示 is over)."""
    county_id = publicity_county_id(user=user)
    if county_id is None:
        raise PermissionDenied
    return get_object_or_404(claims_in_publicity(county_id=county_id), pk=pk)


def claim_objections(*, claim: CreditClaim) -> QuerySet[ClaimObjection]:
    return claim.objections.select_related(
        "raised_by__teacher__school", "raised_by__school", "handled_by"
    ).order_by("created_at", "pk")


def claim_objection_get(*, user: Any, pk: Any) -> ClaimObjection:
    qs = ClaimObjection.objects.select_related("claim")
    return get_visible_or_404(qs, user, pk=pk, county="claim__county", school="claim__school", teacher="claim__teacher")


def claim_items(*, county: Region | int, active_only: bool = False) -> QuerySet[ClaimItem]:
    qs = ClaimItem.objects.filter(county=county).select_related("category")
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("-active", "kind", "name", "pk")


def claim_item_get(*, user: Any, pk: Any) -> ClaimItem:
    return get_visible_or_404(ClaimItem.objects.select_related("category", "county"), user, pk=pk, county="county")
