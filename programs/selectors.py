"""Every read of programs a view or export needs, already scoped through core.scoping.

Programs, sub-projects and sessions are county records: coordinators see their county's through
`school_sees_county`. Enrolments belong to a school and a teacher: coordinators see their school's,
teachers their own.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from attendance.models import ATTENDED, AttendanceRecord
from core.scoping import ALL, REGION, SCHOOL, get_visible_or_404, regions_below, scope_of, visible
from trainees.models import Region, School, Teacher

from .filters import ProgramFilter, TraineeFilter
from .models import (
    Category,
    CountyQuota,
    Enrolment,
    Notice,
    Program,
    SchoolQuota,
    Session,
    SubProject,
    SubstitutionRequest,
)

# Programs run above the county are seen by the counties they allot places to (and their schools).
PROGRAM_PATHS = {
    "county": "county",
    "school_sees_county": True,
    "region": "region",
    "allotted": "subprojects__county_quotas__county",
}
SUBPROJECT_PATHS = {
    "county": "program__county",
    "school_sees_county": True,
    "region": "program__region",
    "allotted": "county_quotas__county",
}
SESSION_PATHS = {
    "county": "subproject__program__county",
    "school_sees_county": True,
    "region": "subproject__program__region",
    "allotted": "subproject__county_quotas__county",
}
# A county sees its own teachers' places in a city's or province's program.
ENROLMENT_PATHS = {
    "county": "subproject__program__county",
    "school": "school",
    "teacher": "teacher",
    "region": "subproject__program__region",
    "allotted": "school__county",
}
SCHOOL_PATHS = {"county": "county", "school": "pk"}


def _subquery_count(qs: QuerySet, outer: str) -> Subquery:
    grouped = qs.order_by().values(outer).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(grouped, output_field=IntegerField()), Value(0))


def category_queryset(*, user: Any = None) -> QuerySet[Category]:
    """The shared categories and the user's county's own (an office above: its counties' own)."""
    shared = Q(county__isnull=True)
    scope = scope_of(user) if user is not None else None
    if scope is not None and scope.kind == ALL:
        return Category.objects.all()
    if scope is not None and scope.kind == REGION:
        return Category.objects.filter(shared | Q(county_id__in=scope.county_ids))
    if scope is not None and scope.county_id:
        return Category.objects.filter(shared | Q(county_id=scope.county_id))
    return Category.objects.filter(shared)


def category_list(*, user: Any = None) -> QuerySet[Category]:
    return category_queryset(user=user).select_related("county").annotate(program_count=Count("programs"))


def category_choices(*, user: Any = None) -> QuerySet[Category]:
    return category_queryset(user=user).filter(is_active=True)


def category_get(*, user: Any, pk: Any) -> Category:
    """A category the user may see (404 otherwise: another county's own categories)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(category_queryset(user=user), pk=pk)


def program_queryset(*, user: Any) -> QuerySet[Program]:
    return visible(Program.objects.all(), user, **PROGRAM_PATHS)


def program_list(*, user: Any, params: Any = None) -> tuple[ProgramFilter, QuerySet[Program]]:
    subprojects = SubProject.objects.filter(program=OuterRef("pk"))
    trainees = Enrolment.objects.filter(subproject__program=OuterRef("pk"), status__in=Enrolment.PARTICIPATING)
    qs = (
        program_queryset(user=user)
        .select_related("county", "region", "category")
        .annotate(
            subproject_count=_subquery_count(subprojects, "program"),
            trainee_count=_subquery_count(trainees, "subproject__program"),
        )
    )
    flt = ProgramFilter(params, queryset=qs)
    return flt, flt.qs.order_by("-year", "name", "pk")


def program_get(*, user: Any, pk: Any) -> Program:
    return get_visible_or_404(
        Program.objects.select_related("county", "region", "category"), user, pk=pk, **PROGRAM_PATHS
    )


def program_subprojects(*, program: Program) -> QuerySet[SubProject]:
    return program.subprojects.annotate(
        trainee_count=_subquery_count(
            Enrolment.objects.filter(subproject=OuterRef("pk"), status__in=Enrolment.PARTICIPATING), "subproject"
        ),
        nominated_count=_subquery_count(
            Enrolment.objects.filter(subproject=OuterRef("pk"), status=Enrolment.Status.NOMINATED), "subproject"
        ),
        session_count=_subquery_count(Session.objects.filter(subproject=OuterRef("pk")), "subproject"),
    ).order_by("start_date", "name", "pk")


def subproject_get(*, user: Any, pk: Any) -> SubProject:
    return get_visible_or_404(
        SubProject.objects.select_related("program", "program__county", "program__region", "program__category"),
        user,
        pk=pk,
        **SUBPROJECT_PATHS,
    )


def subproject_sessions(*, subproject: SubProject) -> QuerySet[Session]:
    return subproject.sessions.select_related("host_school").order_by("date", "start_time", "pk")


def session_get(*, user: Any, pk: Any) -> Session:
    return get_visible_or_404(
        Session.objects.select_related("subproject", "subproject__program"), user, pk=pk, **SESSION_PATHS
    )


def school_choices(
    *, user: Any, county_id: int | None = None, subproject: SubProject | None = None
) -> QuerySet[School]:
    """The user's schools of one county, or of every county taking part in `subproject`'s program."""
    schools = School.objects.all()
    if subproject is not None:
        schools = schools.filter(county_id__in=taking_part_counties(subproject=subproject))
    else:
        schools = schools.filter(county_id=county_id)
    return visible(schools, user, **SCHOOL_PATHS).order_by("code")


def host_school_choices(*, user: Any, subproject: SubProject) -> QuerySet[School]:
    """Schools that may host a session: the county's, or any below a city's or province's program."""
    program = subproject.program
    if not program.region_id:
        return school_choices(user=user, county_id=program.county_id)
    schools = School.objects.filter(county_id__in=regions_below(program.region_id)[0])
    return visible(schools, user, **SCHOOL_PATHS).order_by("code")


def taking_part_counties(*, subproject: SubProject) -> Any:
    """The counties whose teachers a sub-project takes: its program's county, or (a city's or
    province's program) the counties it allots places to, as a subquery."""
    if not subproject.program.region_id:
        return [subproject.program.county_id]
    return CountyQuota.objects.filter(subproject=subproject).values("county_id")


@dataclass
class CountyQuotaUse:
    county: Region
    quota: int | None
    active: int
    participating: int
    school_quotas: int

    @property
    def remaining(self) -> int | None:
        return None if self.quota is None else self.quota - self.active


def county_quota_use(*, user: Any, subproject: SubProject, all_counties: bool = False) -> list[CountyQuotaUse]:
    """A city's or province's sub-project: places allotted, taken and passed on to schools, per county
    the user oversees (every county below the program's region if asked, for the allotment form)."""
    if not subproject.program.region_id:
        return []
    enrolments = Enrolment.objects.filter(subproject=subproject, school__county=OuterRef("pk"))
    counties = visible(Region.objects.filter(level=Region.Level.COUNTY), user, county="pk")
    if all_counties:
        counties = counties.filter(pk__in=regions_below(subproject.program.region_id)[0])
    else:
        counties = counties.filter(allotted_quotas__subproject=subproject)
    counties = counties.annotate(
        quota_value=Subquery(
            CountyQuota.objects.filter(subproject=subproject, county=OuterRef("pk")).values("quota")[:1]
        ),
        active=_subquery_count(enrolments.filter(status__in=Enrolment.ACTIVE), "school__county"),
        participating=_subquery_count(enrolments.filter(status__in=Enrolment.PARTICIPATING), "school__county"),
        school_quotas=Coalesce(
            Subquery(
                SchoolQuota.objects.filter(subproject=subproject, school__county=OuterRef("pk"))
                .order_by()
                .values("school__county")
                .annotate(n=Sum("quota"))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        ),
    )
    return [
        CountyQuotaUse(
            county=c, quota=c.quota_value, active=c.active, participating=c.participating, school_quotas=c.school_quotas
        )
        for c in counties.order_by("name", "pk")
    ]


@dataclass
class QuotaUse:
    school: School
    quota: int | None
    active: int
    participating: int
    attended: int
    sessions_held: int
    teachers: int = 0

    @property
    def remaining(self) -> int | None:
        return None if self.quota is None else self.quota - self.active

    @property
    def participation_rate(self) -> float | None:
        """Attended trainee-sessions over expected trainee-sessions, for sessions held so far."""
        expected = self.participating * self.sessions_held
        return self.attended / expected if expected else None

    @property
    def participation_percent(self) -> str:
        rate = self.participation_rate
        return "—" if rate is None else f"{rate:.1%}"


def quota_places(*, user: Any, subproject: SubProject) -> int:
    """The places a county shares among its schools: the sub-project's, or what a city or province
    allotted the user's county."""
    if not subproject.program.region_id:
        return subproject.quota
    county_id = scope_of(user).county_id
    allotted = CountyQuota.objects.filter(subproject=subproject, county_id=county_id).values_list("quota", flat=True)
    return allotted.first() or 0


def quota_use(*, user: Any, subproject: SubProject, all_schools: bool = False) -> list[QuotaUse]:
    """Quota and places used per school in one query; schools without quota or trainees only if asked."""
    enrolments = Enrolment.objects.filter(subproject=subproject, school=OuterRef("pk"))
    schools = school_choices(user=user, subproject=subproject).annotate(
        quota_value=Subquery(
            SchoolQuota.objects.filter(subproject=subproject, school=OuterRef("pk")).values("quota")[:1]
        ),
        active=_subquery_count(enrolments.filter(status__in=Enrolment.ACTIVE), "school"),
        participating=_subquery_count(enrolments.filter(status__in=Enrolment.PARTICIPATING), "school"),
        attended=_subquery_count(
            AttendanceRecord.objects.filter(
                session__subproject=subproject, enrolment__school=OuterRef("pk"), status__in=ATTENDED
            ),
            "enrolment__school",
        ),
        teacher_count=_subquery_count(Teacher.objects.filter(school=OuterRef("pk")), "school"),
    )
    if not all_schools:
        schools = schools.filter(Q(quota_value__isnull=False) | Q(active__gt=0) | Q(participating__gt=0))
    held = subproject.sessions.filter(date__lte=timezone.localdate()).count()
    return [
        QuotaUse(
            school=s,
            quota=s.quota_value,
            active=s.active,
            participating=s.participating,
            attended=s.attended,
            sessions_held=held,
            teachers=s.teacher_count,
        )
        for s in schools.select_related("township")
    ]


def enrolment_queryset(*, user: Any) -> QuerySet[Enrolment]:
    return visible(Enrolment.objects.all(), user, **ENROLMENT_PATHS)


def enrolment_get(*, user: Any, pk: Any) -> Enrolment:
    return get_visible_or_404(
        Enrolment.objects.select_related("subproject", "subproject__program", "teacher", "school"),
        user,
        pk=pk,
        **ENROLMENT_PATHS,
    )


def roster(*, user: Any, subproject: SubProject, participating_only: bool = False) -> QuerySet[Enrolment]:
    """The sub-project's enrolments the user may see, grouped by school."""
    qs = enrolment_queryset(user=user).filter(subproject=subproject)
    if participating_only:
        qs = qs.filter(status__in=Enrolment.PARTICIPATING)
    return qs.select_related("teacher", "school", "replaces__teacher", "changed_by").order_by(
        "school__code", "teacher__name", "pk"
    )


def nomination_candidates(*, user: Any, subproject: SubProject) -> QuerySet[Teacher]:
    """Teachers the user may nominate: their own school's (coordinator) or the county's (staff)."""
    qs = visible(
        Teacher.objects.filter(school__county_id__in=taking_part_counties(subproject=subproject)),
        user,
        county="school__county",
        school="school",
    )
    taken = Enrolment.objects.filter(subproject=subproject, status__in=Enrolment.ACTIVE).values("teacher_id")
    return qs.exclude(pk__in=taken).select_related("school").order_by("school__code", "name", "pk")


def school_trainees(*, user: Any, params: Any = None) -> tuple[TraineeFilter, QuerySet[Enrolment]]:
    """A coordinator's "my school's trainees" (county staff see their county's)."""
    # The answer to the place's current question (None: never asked, "": not answered yet).
    question = Notice.objects.filter(enrolment_id=OuterRef("pk"), needs_response=True).order_by("-created_at", "-pk")
    qs = (
        enrolment_queryset(user=user)
        .select_related("teacher", "school", "subproject", "subproject__program", "replaces__teacher")
        .annotate(
            notice_response=Subquery(question.values("response")[:1]),
            notice_reason=Subquery(question.values("response_reason")[:1]),
        )
    )
    flt = TraineeFilter(params, queryset=qs)
    return flt, flt.qs.order_by("-subproject__program__year", "-subproject__start_date", "teacher__name", "pk")


def my_enrolments(*, user: Any) -> QuerySet[Enrolment]:
    """A teacher's own enrolments (nothing for anyone else)."""
    return (
        visible(Enrolment.objects.all(), user, teacher="teacher")
        .select_related("subproject", "subproject__program", "replaces__teacher")
        .order_by("-subproject__program__year", "-subproject__start_date", "pk")
    )


def my_notices(*, user: Any) -> QuerySet[Notice]:
    """A teacher's notices; `answerable` marks those still waiting for 确认参训 / 无法参加."""
    from .notices import ANSWERABLE

    answerable = Q(needs_response=True, response="", enrolment__status__in=ANSWERABLE)
    return (
        visible(Notice.objects.all(), user, teacher="teacher")
        .select_related("enrolment__subproject")
        .annotate(answerable=ExpressionWrapper(answerable, output_field=BooleanField()))
    )


# Bulk pages and 换人 requests ------------------------------------------------------------------


def nominations_waiting(*, user: Any, subproject_id: Any = None) -> QuerySet[Enrolment]:
    """Nominations awaiting the county's decision, the user's scope, optionally of one sub-project."""
    qs = enrolment_queryset(user=user).filter(status=Enrolment.Status.NOMINATED)
    if subproject_id:
        qs = qs.filter(subproject_id=subproject_id)
    return qs.select_related("teacher", "school", "subproject__program").order_by(
        "subproject__start_date", "subproject_id", "school__code", "teacher__name", "pk"
    )


def places_left(*, user: Any, subproject: SubProject) -> int | None:
    """Places the user may still fill: their school's quota left (coordinators) or the sub-project's."""
    active = Enrolment.objects.filter(subproject=subproject, status__in=Enrolment.ACTIVE)
    scope = scope_of(user)
    if scope.kind == SCHOOL:
        quota = (
            SchoolQuota.objects.filter(subproject=subproject, school_id=scope.school_id)
            .values_list("quota", flat=True)
            .first()
        )
        return max((quota or 0) - active.filter(school_id=scope.school_id).count(), 0)
    if not subproject.quota:
        return None
    return max(subproject.quota - active.count(), 0)


def substitution_request_queryset(*, user: Any) -> QuerySet[SubstitutionRequest]:
    return visible(
        SubstitutionRequest.objects.all(), user, **{k: f"enrolment__{v}" for k, v in ENROLMENT_PATHS.items()}
    )


def substitution_requests(*, user: Any, pending_only: bool = True) -> QuerySet[SubstitutionRequest]:
    qs = substitution_request_queryset(user=user)
    if pending_only:
        qs = qs.filter(status=SubstitutionRequest.Status.PENDING)
    return qs.select_related(
        "enrolment__teacher", "enrolment__school", "enrolment__subproject__program", "replacement", "requested_by"
    ).order_by("-created_at", "-pk")


def substitution_request_get(*, user: Any, pk: Any) -> SubstitutionRequest:
    return get_visible_or_404(
        SubstitutionRequest.objects.select_related(
            "enrolment__teacher", "enrolment__school", "enrolment__subproject__program", "replacement"
        ),
        user,
        pk=pk,
        **{k: f"enrolment__{v}" for k, v in ENROLMENT_PATHS.items()},
    )
