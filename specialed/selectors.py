"""Every read of the special-education app, already scoped to the user."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from core.scoping import visible
from programs.models import Enrolment, SubProject
from trainees.models import School, Teacher

from .models import ParticipantEnrolment, SupportVisit

ZERO = Decimal(0)


def support_visit_queryset(*, user: Any) -> QuerySet[SupportVisit]:
    """County staff and the offices above see the county's records; a coordinator those of their school."""
    return visible(SupportVisit.objects.all(), user, county="county", school="school")


def support_visit_list(*, user: Any, year: int | None = None, kind: str = "") -> QuerySet[SupportVisit]:
    qs = support_visit_queryset(user=user)
    if year:
        qs = qs.filter(date__year=year)
    if kind:
        qs = qs.filter(kind=kind)
    return (
        qs.select_related("school", "township", "target_school")
        .prefetch_related(Prefetch("teachers", queryset=Teacher.objects.only("pk", "name").order_by("name")))
        .order_by("-date", "-pk")
    )


def support_visit_get(*, user: Any, pk: Any) -> SupportVisit:
    try:
        return support_visit_list(user=user).get(pk=pk)
    except (SupportVisit.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class VisitFigures:
    label: str
    visits: int  # 次数
    person_times: int  # 人次: teachers on each visit, summed
    hours: Decimal  # 学时: hours of the visits
    teacher_hours: Decimal  # each teacher's hours, summed (what a credit rule would count)


GROUPS = {"school": ("school", "school__name"), "township": ("township", "township__name"), "year": None}


def support_visit_stats(*, user: Any, year: int | None = None, by: str = "school") -> list[VisitFigures]:
    """次数, 人次 and 学时 of the visible records grouped by school, township or year: two queries."""
    visits = support_visit_queryset(user=user)
    if year:
        visits = visits.filter(date__year=year)
    links = SupportVisit.teachers.through.objects.filter(supportvisit__in=visits)
    if by == "year":
        head = visits.values(k=F("date__year"), label=F("date__year"))
        tail = links.values(k=F("supportvisit__date__year"))
    else:
        key, name = GROUPS[by]
        head = visits.values(k=F(key), label=F(name))
        tail = links.values(k=F(f"supportvisit__{key}"))
    people = {r["k"]: r for r in tail.annotate(n=Count("pk"), hours=Sum("supportvisit__hours")).order_by()}
    rows = head.annotate(visits=Count("pk"), hours=Sum("hours")).order_by("label")
    return [
        VisitFigures(
            label=str(r["label"]) if r["label"] is not None else "—",
            visits=r["visits"],
            person_times=people.get(r["k"], {}).get("n", 0),
            hours=r["hours"] or ZERO,
            teacher_hours=people.get(r["k"], {}).get("hours") or ZERO,
        )
        for r in rows
    ]


def teacher_visit_hours(*, year: int, county_id: int | None = None) -> dict[int, Decimal]:
    """Each teacher's 送教上门 and 巡回指导 hours in `year`: what a county credit rule may recognise.

    For the credits ledger (off unless the county turns the rule on); one query."""
    links = SupportVisit.teachers.through.objects.filter(supportvisit__date__year=year)
    if county_id is not None:
        links = links.filter(supportvisit__county_id=county_id)
    return {
        r["teacher_id"]: r["hours"] or ZERO
        for r in links.values("teacher_id").annotate(hours=Sum("supportvisit__hours")).order_by()
    }


# The special-education report


@dataclass(frozen=True)
class SchoolRow:
    school: School
    resource_teachers: int
    inclusive_teachers: int
    trained_resource: int
    trained_inclusive: int
    backbone: int
    trained_backbone: int
    no_trained_backbone: bool  # a special school without a trained backbone teacher this year


def special_ed_report(*, user: Any, year: int) -> list[SchoolRow]:
    """Per special school and per school with a resource room: its resource and 随班就读 teachers, those
    trained in `year` (any completed enrolment), and its backbone teachers; one query."""
    trained = Q(
        teachers__enrolments__status=Enrolment.Status.COMPLETED,
        teachers__enrolments__subproject__program__year=year,
    )
    resource, inclusive, backbone = (
        Q(teachers__is_resource_teacher=True),
        Q(teachers__is_inclusive_teacher=True),
        Q(teachers__is_backbone=True),
    )
    schools = (
        visible(
            School.objects.filter(Q(kind=School.Kind.SPECIAL) | Q(has_resource_room=True)),
            user,
            county="county",
            school="pk",
        )
        .select_related("township")
        .annotate(
            n_resource=Count("teachers", filter=resource, distinct=True),
            n_inclusive=Count("teachers", filter=inclusive, distinct=True),
            n_trained_resource=Count("teachers", filter=resource & trained, distinct=True),
            n_trained_inclusive=Count("teachers", filter=inclusive & trained, distinct=True),
            n_backbone=Count("teachers", filter=backbone, distinct=True),
            n_trained_backbone=Count("teachers", filter=backbone & trained, distinct=True),
        )
        .order_by("-kind", "code")
    )
    return [
        SchoolRow(
            school=s,
            resource_teachers=s.n_resource,
            inclusive_teachers=s.n_inclusive,
            trained_resource=s.n_trained_resource,
            trained_inclusive=s.n_trained_inclusive,
            backbone=s.n_backbone,
            trained_backbone=s.n_trained_backbone,
            no_trained_backbone=s.kind == School.Kind.SPECIAL and s.n_trained_backbone == 0,
        )
        for s in schools
    ]


# Participants who are not registry teachers (counted apart in every report)


def participant_list(*, user: Any, year: int | None = None) -> QuerySet[ParticipantEnrolment]:
    qs = visible(ParticipantEnrolment.objects.all(), user, county="participant__county")
    if year:
        qs = qs.filter(subproject__program__year=year)
    return qs.select_related("participant", "subproject__program").order_by(
        "-subproject__program__year", "subproject__name", "participant__name", "pk"
    )


def subproject_choices(*, user: Any) -> QuerySet[SubProject]:
    return (
        visible(SubProject.objects.all(), user, county="program__county")
        .select_related("program")
        .order_by("-program__year", "program__name", "name")
    )


@dataclass(frozen=True)
class ParticipantFigures:
    person_times: int  # 人次: places on sub-projects attended
    persons: int  # 人数: distinct participants


def participant_figures(
    *, enrolments: QuerySet[ParticipantEnrolment], year_from: int, year_to: int
) -> tuple[dict[int, ParticipantFigures], ParticipantFigures]:
    """Per year and over the range: 人次 and 人数 of the non-teacher participants who attended.
    `enrolments` comes scoped from the caller (the reports' scope); two queries."""
    attended = enrolments.filter(
        attended=True, subproject__program__year__gte=year_from, subproject__program__year__lte=year_to
    )
    per_year = {
        r["year"]: ParticipantFigures(r["n"], r["persons"])
        for r in attended.values(year=F("subproject__program__year"))
        .annotate(n=Count("pk"), persons=Count("participant", distinct=True))
        .order_by()
    }
    total = attended.aggregate(n=Count("pk"), persons=Count("participant", distinct=True))
    return per_year, ParticipantFigures(total["n"], total["persons"])
