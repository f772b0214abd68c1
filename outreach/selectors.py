"""Every read of the outreach app a view, export or report needs, already scoped to the user."""

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Avg,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, Least
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import ATTENDED, AttendanceRecord
from core.pickers import matching
from core.scoping import ALL, COUNTY, REGION, SCHOOL, SELF, is_county_level, scope_of, visible
from programs.models import Enrolment, Session, SubProject
from trainees.models import School, Teacher

from .models import (
    PRACTITIONER_TYPES,
    Cycle,
    CycleTeamMember,
    MemberType,
    Phase,
    PhaseTask,
    ResearchGroup,
    Resource,
    ResourcePack,
    SubmissionFile,
    TaskSubmission,
    TeamPool,
    Visit,
    VisitActivity,
    VisitBooking,
    VisitDay,
    Workshop,
    WorkshopBulletin,
    WorkshopMember,
    WorkshopStaff,
)

# The usual staffing guide: one visiting-team member per about thirty trainees.
TRAINEES_PER_MEMBER_LIMIT = 30
WARN_TOO_FEW_MEMBERS = (
    "学员 {trainees} 人，按每 {limit} 名学员 1 名团队成员，至少需要 {needed} 名送培团队成员（现有 {team} 名）"
)
WARN_DAY_TOO_FEW = "{date}：当天学员 {trainees} 人，至少需要 {needed} 名团队成员，已安排 {team} 名"
WARN_FEW_PRACTITIONERS = "送培团队 {team} 人中一线教师和教研员仅 {practitioners} 人，应不少于一半"
WARN_DOUBLE_BOOKED = "{name} 在 {date} 被安排了 {visits} 场送教活动"


def _one(qs: QuerySet, pk: Any) -> Any:
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# Cycles


def cycle_queryset(*, user: Any) -> QuerySet[Cycle]:
    """County staff see their county's cycles, coordinators the county's (read only), teachers the
    cycles they are enrolled in or on the visiting team of."""
    if scope_of(user).kind == SELF:
        enrolled = visible(Enrolment.objects.filter(status__in=Enrolment.ACTIVE), user, teacher="teacher")
        on_team = visible(CycleTeamMember.objects.all(), user, teacher="member__teacher")
        return Cycle.objects.filter(
            Q(subproject_id__in=enrolled.values("subproject_id")) | Q(pk__in=on_team.values("cycle_id"))
        )
    return visible(Cycle.objects.all(), user, county="county", school_sees_county=True)


def cycle_list(*, user: Any) -> QuerySet[Cycle]:
    return (
        cycle_queryset(user=user)
        .select_related("county", "subproject__program")
        .annotate(
            roster_size=Count(
                "subproject__enrolments",
                filter=Q(subproject__enrolments__status__in=Enrolment.PARTICIPATING),
                distinct=True,
            ),
            phase_count=Count("phases", distinct=True),
        )
        .order_by("-year", "subject", "pk")
    )


def cycle_get(*, user: Any, pk: Any) -> Cycle:
    return _one(cycle_queryset(user=user).select_related("county", "subproject__program"), pk)


def is_team_member(*, user: Any, cycle: Cycle) -> bool:
    teacher_id = getattr(user, "teacher_id", None)
    return bool(teacher_id) and cycle.team.filter(member__teacher_id=teacher_id).exists()


def tutored_subproject_ids(*, user: Any) -> set[int]:
    """Sub-projects whose cohort this teacher login tutors: as workshop core team or tutor, or as a
    member of a 送教下乡 visiting team. Tutors record scores for their own cohort."""
    if scope_of(user).kind != SELF:
        return set()
    workshops = visible(WorkshopStaff.objects.all(), user, teacher="teacher").values_list(
        "workshop__subproject_id", flat=True
    )
    cycles = visible(CycleTeamMember.objects.all(), user, teacher="member__teacher").values_list(
        "cycle__subproject_id", flat=True
    )
    return set(workshops) | set(cycles)


def require_cycle_manager(*, user: Any) -> None:
    """Setting up cycles, visits, teams and tasks is the county's work."""
    if not is_county_level(user):
        raise PermissionDenied


def can_review(*, user: Any, cycle: Cycle) -> bool:
    return is_county_level(user) or is_team_member(user=user, cycle=cycle)


def team_cycle_ids(*, user: Any) -> set[int]:
    """Cycles whose submissions and resources this teacher login reviews as a team member."""
    if scope_of(user).kind != SELF:
        return set()
    return set(
        visible(CycleTeamMember.objects.all(), user, teacher="member__teacher").values_list("cycle_id", flat=True)
    )


def require_reviewer(*, user: Any, cycle: Cycle) -> None:
    if not can_review(user=user, cycle=cycle):
        raise PermissionDenied


def subproject_choices(*, user: Any, kind: str) -> QuerySet[SubProject]:
    qs = visible(SubProject.objects.filter(kind=kind), user, county="program__county")
    return qs.select_related("program").order_by("-program__year", "name")


def school_choices(*, cycle: Cycle) -> QuerySet[School]:
    return School.objects.filter(county_id=cycle.county_id).order_by("code")


def roster(*, cycle: Cycle) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(subproject_id=cycle.subproject_id, status__in=Enrolment.PARTICIPATING)


@dataclass
class PhaseState:
    phase: Phase
    first_date: dt.date | None
    last_date: dt.date | None
    visit_count: int
    task_count: int
    state: str  # "done", "current" or "upcoming"


@dataclass
class CyclePage:
    phases: list[PhaseState]
    current: PhaseState | None
    visits: list[Visit]
    visits_held: int
    progress_percent: int
    team: list[CycleTeamMember]
    tasks: list[PhaseTask]
    roster_size: int
    figures: "OutreachFigures"
    warnings: list[str] = field(default_factory=list)


def phase_states(*, cycle: Cycle, today: dt.date) -> tuple[list[PhaseState], PhaseState | None]:
    """Where the cycle stands, by the dates of each phase's visits and tasks: the current phase is the
    last one that has started."""
    phases = cycle.phases.annotate(
        visit_lo=Min("visits__days__session__date"),
        visit_hi=Max("visits__days__session__date"),
        task_lo=Min("tasks__due_date"),
        task_hi=Max("tasks__due_date"),
        visit_count=Count("visits", distinct=True),
        task_count=Count("tasks", distinct=True),
    ).order_by("order")
    states = []
    for phase in phases:
        lows = [d for d in (phase.visit_lo, phase.task_lo) if d]
        highs = [d for d in (phase.visit_hi, phase.task_hi) if d]
        states.append(
            PhaseState(
                phase,
                min(lows) if lows else None,
                max(highs) if highs else None,
                phase.visit_count,
                phase.task_count,
                "upcoming",
            )
        )
    started = [s for s in states if s.first_date and s.first_date <= today]
    current = started[-1] if started else (states[0] if states else None)
    if current is not None:
        for state in states:
            if state.phase.order < current.phase.order:
                state.state = "done"
            elif state is current:
                state.state = "current"
    return states, current


def members_needed(trainees: int) -> int:
    """The 1:30 staffing guide: 430 trainees need at least 15 team members."""
    return math.ceil(trainees / TRAINEES_PER_MEMBER_LIMIT) if trainees > 0 else 0


def staffing_warning(*, trainees: int, team: int) -> str | None:
    needed = members_needed(trainees)
    if team >= needed:
        return None
    return _(WARN_TOO_FEW_MEMBERS).format(trainees=trainees, needed=needed, team=team, limit=TRAINEES_PER_MEMBER_LIMIT)


def practitioner_warning(*, team: list[CycleTeamMember]) -> str | None:
    """National rules: at least half of a trainer team are 一线教师 or 教研员."""
    practitioners = sum(1 for m in team if m.member.member_type in PRACTITIONER_TYPES)
    if not team or 2 * practitioners >= len(team):
        return None
    return _(WARN_FEW_PRACTITIONERS).format(team=len(team), practitioners=practitioners)


def day_staffing(*, cycle: Cycle, roster_size: int) -> list[str]:
    """The 1:30 guide per visit day: the trainees of the day (those present once attendance is taken,
    the roster before) against the members booked on it."""
    days = (
        VisitDay.objects.filter(visit__cycle=cycle)
        .annotate(
            booked=Count("bookings", distinct=True),
            present=Count(
                "session__attendance",
                filter=Q(session__attendance__status__in=ATTENDED),
                distinct=True,
            ),
            recorded=Count("session__attendance", distinct=True),
        )
        .values("session__date", "booked", "present", "recorded")
        .order_by("session__date")
    )
    warnings = []
    for day in days:
        trainees = day["present"] if day["recorded"] else roster_size
        if trainees and day["booked"] < members_needed(trainees):
            warnings.append(
                _(WARN_DAY_TOO_FEW).format(
                    date=f"{day['session__date']:%Y-%m-%d}",
                    trainees=trainees,
                    team=day["booked"],
                    needed=members_needed(trainees),
                )
            )
    return warnings


def team_warnings(*, cycle: Cycle, roster_size: int, team: list[CycleTeamMember]) -> list[str]:
    """The staffing guide for the cycle and for each day, the half rule, and same-day double bookings
    of a member across every cycle the member is on."""
    warnings = [
        w
        for w in (staffing_warning(trainees=roster_size, team=len(team)), practitioner_warning(team=team))
        if w is not None
    ]
    warnings += day_staffing(cycle=cycle, roster_size=roster_size)
    for row in double_bookings(cycle=cycle):
        warnings.append(
            _(WARN_DOUBLE_BOOKED).format(
                name=row["member__member__name"], date=f"{row['day__session__date']:%Y-%m-%d}", visits=row["days"]
            )
        )
    return warnings


def double_bookings(*, cycle: Cycle) -> QuerySet:
    """Pool members of this cycle's team booked on more than one visit day of one date (in any cycle)."""
    pool_ids = cycle.team.values("member_id")
    return (
        VisitBooking.objects.filter(member__member_id__in=pool_ids)
        .values("member__member_id", "member__member__name", "day__session__date")
        .annotate(days=Count("day", distinct=True))
        .filter(days__gt=1)
        .order_by("day__session__date", "member__member__name")
    )


def cycle_visits_detail(*, cycle: Cycle) -> list[Visit]:
    """The cycle's visits with their days (dates, host schools), activities and trainees present."""
    attended = Q(days__session__attendance__status__in=ATTENDED)
    return list(
        Visit.objects.filter(cycle=cycle)
        .select_related("phase")
        .annotate(
            first_date=Min("days__session__date"),
            last_date=Max("days__session__date"),
            day_count=Count("days", distinct=True),
            activity_count=Count("days__activities", distinct=True),
            attended=Count("days__session__attendance__enrolment__teacher", filter=attended, distinct=True),
        )
        .prefetch_related(Prefetch("days", queryset=VisitDay.objects.select_related("session__host_school")))
        .order_by("number", "pk")
    )


def cycle_page(*, cycle: Cycle, today: dt.date | None = None) -> CyclePage:
    today = today or timezone.localdate()
    states, current = phase_states(cycle=cycle, today=today)
    roster_size = roster(cycle=cycle).count()
    visits = cycle_visits_detail(cycle=cycle)
    team = list(
        cycle.team.select_related("member", "member__teacher__school").annotate(
            visit_count=Count("bookings__day__visit", distinct=True), day_count=Count("bookings", distinct=True)
        )
    )
    tasks = list(
        PhaseTask.objects.filter(phase__cycle=cycle)
        .select_related("phase")
        .annotate(
            submitted=Count("submissions", distinct=True),
            done=Count("submissions", filter=Q(submissions__status=TaskSubmission.Status.DONE), distinct=True),
        )
        .order_by("phase__order", "due_date", "pk")
    )
    held = sum(1 for v in visits if v.first_date and v.first_date <= today)
    figures = outreach_statistics(cycles=Cycle.objects.filter(pk=cycle.pk), levels=("cycle",)).for_cycle(cycle.pk)
    return CyclePage(
        phases=states,
        current=current,
        visits=visits,
        visits_held=held,
        progress_percent=round(100 * held / len(visits)) if visits else 0,
        team=team,
        tasks=tasks,
        roster_size=roster_size,
        figures=figures,
        warnings=team_warnings(cycle=cycle, roster_size=roster_size, team=team),
    )


@dataclass
class TeamStatistics:
    members: list[CycleTeamMember]
    roster_size: int
    needed: int
    practitioners: int
    by_type: list[tuple[str, int]]
    warnings: list[str]


def team_statistics(*, cycle: Cycle) -> TeamStatistics:
    """Per member of the cycle's team: visits 班次 and days served, activities given by kind and
    trainees reached (distinct trainees present on a day the member was booked); with the staffing
    guide and the half rule for the team as a whole. Three queries however large the team."""
    attended = Q(bookings__day__session__attendance__status__in=ATTENDED) & Q(
        bookings__day__session__attendance__enrolment__status__in=Enrolment.PARTICIPATING
    )
    members = list(
        cycle.team.select_related("member__teacher__school")
        .annotate(
            visit_count=Count("bookings__day__visit", distinct=True),
            day_count=Count("bookings__day", distinct=True),
            reached=Count("bookings__day__session__attendance__enrolment__teacher", filter=attended, distinct=True),
        )
        .order_by("role", "member__name", "pk")
    )
    given: dict[int, dict[str, int]] = {}
    for r in (
        VisitActivity.objects.filter(presenter__cycle=cycle)
        .values("presenter_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        given.setdefault(r["presenter_id"], {})[r["kind"]] = r["n"]
    for m in members:
        counts = given.get(m.pk, {})
        m.activity_counts = [counts.get(kind, 0) for kind in ACTIVITY_KINDS]
        m.activity_total = sum(m.activity_counts)
    roster_size = roster(cycle=cycle).count()
    types = {value: 0 for value, _label in MemberType.choices}
    for m in members:
        types[m.member.member_type] += 1
    warnings = [
        w
        for w in (staffing_warning(trainees=roster_size, team=len(members)), practitioner_warning(team=members))
        if w is not None
    ]
    return TeamStatistics(
        members=members,
        roster_size=roster_size,
        needed=members_needed(roster_size),
        practitioners=sum(types[t] for t in PRACTITIONER_TYPES),
        by_type=[(str(label), types[value]) for value, label in MemberType.choices],
        warnings=warnings,
    )


def activity_kind_labels() -> list[str]:
    return [str(label) for _value, label in VisitActivity.Kind.choices]


def pool_member_get(*, user: Any, pk: Any) -> TeamPool:
    return _one(pool_queryset(user=user), pk)


def phase_get(*, user: Any, pk: Any) -> Phase:
    return _one(Phase.objects.filter(cycle__in=cycle_queryset(user=user)).select_related("cycle"), pk)


def pool_queryset(*, user: Any) -> QuerySet[TeamPool]:
    return visible(TeamPool.objects.all(), user, county="county").select_related("teacher__school")


def pool_choices(*, cycle: Cycle) -> QuerySet[TeamPool]:
    return TeamPool.objects.filter(county_id=cycle.county_id, is_active=True).exclude(cycle_roles__cycle=cycle)


def teacher_choices(*, user: Any) -> QuerySet[Teacher]:
    return visible(Teacher.objects.all(), user, county="school__county").select_related("school").order_by("name")


def visit_get(*, user: Any, pk: Any) -> Visit:
    return _one(Visit.objects.filter(cycle__in=cycle_queryset(user=user)).select_related("phase", "cycle"), pk)


def cycle_visits(*, cycle: Cycle) -> QuerySet[Visit]:
    return Visit.objects.filter(cycle=cycle).order_by("number", "pk")


def visit_team(*, visit: Visit) -> QuerySet[CycleTeamMember]:
    """Team members booked on any day of the visit."""
    return CycleTeamMember.objects.filter(bookings__day__visit=visit).select_related("member").distinct()


def visit_days(*, visit: Visit) -> list[VisitDay]:
    """A visit's days, each with its activities (and presenters), booked members and trainees present."""
    return list(
        visit.days.select_related("session__host_school")
        .annotate(
            attended=Count("session__attendance", filter=Q(session__attendance__status__in=ATTENDED), distinct=True)
        )
        .prefetch_related(
            Prefetch("activities", queryset=VisitActivity.objects.select_related("presenter__member")),
            Prefetch("bookings", queryset=VisitBooking.objects.select_related("member__member")),
        )
        .order_by("session__date", "pk")
    )


# Tasks


def task_get(*, user: Any, pk: Any) -> PhaseTask:
    return _one(PhaseTask.objects.filter(phase__cycle__in=cycle_queryset(user=user)).select_related("phase__cycle"), pk)


def submission_queryset(*, user: Any) -> QuerySet[TaskSubmission]:
    """Submissions the user may see: the county's, a coordinator's school's, a trainee's own, and
    those of the cycles a team member works on."""
    if scope_of(user).kind == SELF:
        on_team = visible(CycleTeamMember.objects.all(), user, teacher="member__teacher").values("cycle_id")
        own = visible(TaskSubmission.objects.all(), user, teacher="enrolment__teacher").values("pk")
        return TaskSubmission.objects.filter(Q(pk__in=own) | Q(task__phase__cycle_id__in=on_team))
    return visible(TaskSubmission.objects.all(), user, county="task__phase__cycle__county", school="enrolment__school")


def task_submissions(*, user: Any, task: PhaseTask) -> QuerySet[TaskSubmission]:
    return (
        submission_queryset(user=user)
        .filter(task=task)
        .select_related("enrolment__teacher", "enrolment__school", "reviewed_by")
        .prefetch_related("files")
        .order_by("enrolment__school__code", "enrolment__teacher__name", "pk")
    )


def submission_get(*, user: Any, pk: Any) -> TaskSubmission:
    return _one(submission_queryset(user=user).select_related("task__phase__cycle"), pk)


def own_submission(*, task: PhaseTask, teacher_id: int | None) -> TaskSubmission | None:
    if not teacher_id:
        return None
    return (
        TaskSubmission.objects.filter(task=task, enrolment__teacher_id=teacher_id)
        .prefetch_related("files")
        .order_by("-pk")
        .first()
    )


def submission_file_get(*, user: Any, pk: Any) -> SubmissionFile:
    return _one(SubmissionFile.objects.filter(submission__in=submission_queryset(user=user)), pk)


def overdue(*, user: Any, today: dt.date | None = None) -> QuerySet[Enrolment]:
    """Trainees with a task past its due date and nothing accepted or waiting for review, one row per
    (trainee, task); coordinators see their own school only."""
    today = today or timezone.localdate()
    task_path = "subproject__outreach_cycle__phases__tasks"
    handed_in = TaskSubmission.objects.filter(
        task_id=OuterRef("task_id"),
        enrolment_id=OuterRef("pk"),
        status__in=(TaskSubmission.Status.SUBMITTED, TaskSubmission.Status.DONE),
    )
    qs = visible(
        Enrolment.objects.filter(status__in=Enrolment.PARTICIPATING),
        user,
        county="subproject__outreach_cycle__county",
        school="school",
    )
    return (
        qs.filter(**{f"{task_path}__due_date__lt": today})
        .annotate(
            task_id=F(f"{task_path}__pk"),
            task_title=F(f"{task_path}__title"),
            due_date=F(f"{task_path}__due_date"),
            cycle_name=F("subproject__name"),
        )
        .filter(~Exists(handed_in))
        .select_related("teacher", "school")
        .order_by("school__code", "due_date", "teacher__name", "pk")
    )


# Resources


def resource_queryset(*, user: Any) -> QuerySet[Resource]:
    """Approved resources to everyone who sees the cycle; the rest to reviewers and their uploader."""
    qs = Resource.objects.filter(cycle__in=cycle_queryset(user=user))
    if is_county_level(user):
        return qs
    teacher_id = getattr(user, "teacher_id", None)
    team_cycles = CycleTeamMember.objects.filter(member__teacher_id=teacher_id).values("cycle_id") if teacher_id else []
    return qs.filter(Q(status=Resource.Status.APPROVED) | Q(uploaded_by_id=user.pk) | Q(cycle_id__in=team_cycles))


def resource_list(*, user: Any, params: Any = None) -> tuple[Any, QuerySet[Resource]]:
    from .filters import ResourceFilter

    qs = resource_queryset(user=user).select_related("cycle", "phase", "visit")
    flt = ResourceFilter(params, queryset=qs, cycles=cycle_queryset(user=user).order_by("-year", "subject"))
    return flt, flt.qs.order_by("-created_at", "-pk")


def resource_get(*, user: Any, pk: Any) -> Resource:
    return _one(resource_queryset(user=user).select_related("cycle", "phase", "visit"), pk)


def pack_list(*, cycle: Cycle) -> QuerySet[ResourcePack]:
    return cycle.packs.all()[:5]


def pack_get(*, user: Any, pk: Any) -> ResourcePack:
    return _one(ResourcePack.objects.filter(cycle__in=cycle_queryset(user=user)), pk)


def require_resource_uploader(*, user: Any) -> None:
    """County staff, trainees and team members upload; coordinators and offices above only look."""
    if scope_of(user).kind in (SCHOOL, REGION):
        raise PermissionDenied


# Workshops


def workshop_queryset(*, user: Any) -> QuerySet[Workshop]:
    if scope_of(user).kind == SELF:
        teacher_id = user.teacher_id
        members = visible(WorkshopMember.objects.all(), user, teacher="enrolment__teacher").values("workshop_id")
        staff = WorkshopStaff.objects.filter(teacher_id=teacher_id).values("workshop_id")
        return Workshop.objects.filter(
            Q(pk__in=members) | Q(pk__in=staff) | Q(host_id=teacher_id) | Q(groups__leader_id=teacher_id)
        ).distinct()
    return visible(Workshop.objects.all(), user, county="county", school_sees_county=True)


def workshop_list(*, user: Any) -> QuerySet[Workshop]:
    return (
        workshop_queryset(user=user)
        .select_related("host", "subproject__program")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("subject", "name", "pk")
    )


def workshop_get(*, user: Any, pk: Any) -> Workshop:
    return _one(workshop_queryset(user=user).select_related("host", "subproject__program", "county"), pk)


def workshop_candidates(*, workshop: Workshop) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(subproject_id=workshop.subproject_id, status__in=Enrolment.ACTIVE)
        .exclude(workshop_member__isnull=False)
        .select_related("teacher", "school")
        .order_by("school__code", "teacher__name")
    )


def can_see_all_members(*, user: Any, workshop: Workshop) -> bool:
    """County staff, the offices above, the host and the workshop's own team see every member's hours."""
    if scope_of(user).kind in (ALL, COUNTY, REGION):
        return True
    teacher_id = getattr(user, "teacher_id", None)
    if scope_of(user).kind != SELF or not teacher_id:
        return False
    return workshop.host_id == teacher_id or workshop.staff.filter(teacher_id=teacher_id).exists()


def _offline_held(workshop: Workshop, today: dt.date) -> int:
    return Session.objects.filter(
        subproject_id=workshop.subproject_id, kind=Session.Kind.WORKSHOP_OFFLINE, date__lte=today
    ).count()


def _member_result(prefix: str, workshop: Workshop, held: int, today: dt.date) -> Any:
    """A member's result on a 0–100 scale, in SQL: online hours against the requirement, offline
    sessions attended of those held (full marks while none is held) and tasks against the requirement,
    each capped at 100 and weighted as the workshop is configured. Computed in floating point (a score,
    shown to one decimal), which SQLite and PostgreSQL divide alike."""

    def num(value: Any) -> Value:
        return Value(float(value), output_field=FloatField())

    def as_float(expression: Any) -> Any:
        return Cast(expression, FloatField())

    def capped(expression: Any) -> Any:
        return Least(expression, num(100), output_field=FloatField())

    hours = as_float(Coalesce(F(f"{prefix}enrolment__online_study__online_hours"), Value(Decimal(0))))
    tasks = as_float(Coalesce(F(f"{prefix}enrolment__online_study__tasks_done"), Value(0)))
    online = capped(hours * num(100) / num(workshop.required_online_hours))
    task_part = capped(tasks * num(100) / num(workshop.required_tasks))
    if held:
        attended = AttendanceRecord.objects.filter(
            enrolment_id=OuterRef(f"{prefix}enrolment_id"),
            session__subproject_id=workshop.subproject_id,
            session__kind=Session.Kind.WORKSHOP_OFFLINE,
            session__date__lte=today,
            status__in=ATTENDED,
        )
        count = Coalesce(
            Subquery(attended.order_by().values("enrolment_id").annotate(n=Count("pk")).values("n")[:1]), Value(0)
        )
        offline = capped(as_float(count) * num(100) / num(held))
    else:
        offline = num(100)
    return ExpressionWrapper(
        (
            online * num(workshop.online_weight)
            + offline * num(workshop.offline_weight)
            + task_part * num(workshop.tasks_weight)
        )
        / num(100),
        output_field=FloatField(),
    )


@dataclass
class MemberRows:
    """What the workshop page lists of its members, for one viewer."""

    rows: list[WorkshopMember]  # with hours and result
    names: list[tuple[str, str]]  # (group, name) of the viewer's group, without hours
    full: bool


def workshop_members(*, workshop: Workshop, user: Any = None, today: dt.date | None = None) -> MemberRows:
    """Every member with hours and result to those who run the workshop; a coordinator their own
    school's members; a member their own row and the names of their group."""
    today = today or timezone.localdate()
    qs = workshop.members.select_related(
        "enrolment__teacher", "enrolment__school", "enrolment__online_study", "group"
    ).order_by("group__name", "enrolment__teacher__name", "pk")
    held = _offline_held(workshop, today)
    result = _member_result("", workshop, held, today)
    if user is None or can_see_all_members(user=user, workshop=workshop):
        return MemberRows(list(qs.annotate(result=result)), [], True)
    scope = scope_of(user)
    if scope.kind == SCHOOL:
        return MemberRows(list(qs.filter(enrolment__school_id=scope.school_id).annotate(result=result)), [], False)
    if scope.kind == SELF:
        own = list(qs.filter(enrolment__teacher_id=scope.teacher_id).annotate(result=result))
        group_ids = [m.group_id for m in own if m.group_id]
        names = list(
            workshop.members.filter(group_id__in=group_ids)
            .exclude(enrolment__teacher_id=scope.teacher_id)
            .order_by("group__name", "enrolment__teacher__name")
            .values_list("group__name", "enrolment__teacher__name")
        )
        return MemberRows(own, names, False)
    return MemberRows([], [], False)


@dataclass(frozen=True)
class Evaluation:
    name: str
    role: str
    member_count: int
    members_result: Decimal
    own_score: Decimal | None
    total: Decimal


def _combine(workshop: Workshop, members_result: float | Decimal | None, own: Decimal | None) -> Decimal:
    members = _q(members_result)
    own_part = own or Decimal(0)
    total = (members * workshop.members_weight + own_part * workshop.own_weight) / Decimal(100)
    return total.quantize(Decimal("0.1"))


def workshop_evaluations(*, workshop: Workshop, today: dt.date | None = None) -> list[Evaluation]:
    """Tutors, group leaders and the core team's 校级管理员: their members' average result and their
    own work, weighted as the workshop is configured. A 校级管理员's members are those of their school."""
    today = today or timezone.localdate()
    held = _offline_held(workshop, today)
    tutors = (
        workshop.staff.filter(role=WorkshopStaff.Role.TUTOR)
        .select_related("teacher")
        .annotate(
            member_count=Count("groups__members", distinct=True),
            members_result=Avg(_member_result("groups__members__", workshop, held, today)),
        )
        .order_by("teacher__name", "pk")
    )
    groups = (
        workshop.groups.filter(leader__isnull=False)
        .select_related("leader")
        .annotate(
            member_count=Count("members", distinct=True),
            members_result=Avg(_member_result("members__", workshop, held, today)),
        )
        .order_by("name")
    )
    admins = list(
        workshop.staff.filter(role=WorkshopStaff.Role.SCHOOL_ADMIN).select_related("teacher").order_by("teacher__name")
    )
    by_school = {}
    if admins:
        by_school = {
            r["enrolment__school_id"]: r
            for r in workshop.members.filter(enrolment__school_id__in={a.teacher.school_id for a in admins})
            .values("enrolment__school_id")
            .annotate(n=Count("pk"), avg=Avg(_member_result("", workshop, held, today)))
            .order_by()
        }
    rows = [
        Evaluation(
            t.teacher.name,
            str(_("辅导教师")),
            t.member_count,
            _q(t.members_result),
            t.own_score,
            _combine(workshop, t.members_result, t.own_score),
        )
        for t in tutors
    ]
    rows += [
        Evaluation(
            g.leader.name,
            _("组长（{name}）").format(name=g.name),
            g.member_count,
            _q(g.members_result),
            g.leader_own_score,
            _combine(workshop, g.members_result, g.leader_own_score),
        )
        for g in groups
    ]
    for a in admins:
        r = by_school.get(a.teacher.school_id, {"n": 0, "avg": None})
        rows.append(
            Evaluation(
                a.teacher.name,
                str(_("校级管理员")),
                r["n"],
                _q(r["avg"]),
                a.own_score,
                _combine(workshop, r["avg"], a.own_score),
            )
        )
    return rows


def _q(value: float | Decimal | None) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.1"))


def workshop_period(*, workshop: Workshop) -> tuple[dt.date, dt.date]:
    """The study period online hours are paced over: the sub-project's dates, else its program's year."""
    year = workshop.subproject.program.year
    return (
        workshop.subproject.start_date or dt.date(year, 1, 1),
        workshop.subproject.end_date or dt.date(year, 12, 31),
    )


def expected_hours(*, workshop: Workshop, today: dt.date) -> Decimal:
    """Online hours a member should have by `today`, on an even pace through the study period."""
    start, end = workshop_period(workshop=workshop)
    if today <= start:
        return Decimal(0)
    if today >= end:
        return workshop.required_online_hours
    share = Decimal((today - start).days) / Decimal((end - start).days or 1)
    return (workshop.required_online_hours * share).quantize(Decimal("0.1"))


def members_behind(*, workshop: Workshop, expected: Decimal) -> QuerySet[WorkshopMember]:
    hours = Coalesce(F("enrolment__online_study__online_hours"), Value(Decimal(0)), output_field=DecimalField())
    return (
        workshop.members.annotate(hours=hours)
        .filter(hours__lt=expected)
        .select_related("enrolment__teacher", "enrolment__school", "group")
        .order_by("hours", "enrolment__teacher__name", "pk")
    )


def latest_bulletin(*, workshop: Workshop) -> WorkshopBulletin | None:
    return workshop.bulletins.order_by("-week_start").first()


def can_see_bulletin(*, user: Any, workshop: Workshop) -> bool:
    return can_see_all_members(user=user, workshop=workshop)


def active_workshops(*, today: dt.date) -> QuerySet[Workshop]:
    """Workshops whose study period includes `today` (the weekly bulletin's)."""
    return Workshop.objects.filter(
        Q(subproject__start_date__lte=today)
        | Q(subproject__start_date__isnull=True, subproject__program__year=today.year),
        Q(subproject__end_date__gte=today) | Q(subproject__end_date__isnull=True, subproject__program__year=today.year),
    ).select_related("subproject__program")


def workshop_groups(*, workshop: Workshop) -> QuerySet[ResearchGroup]:
    return workshop.groups.select_related("leader", "tutor__teacher").annotate(member_count=Count("members"))


def workshop_staff(*, workshop: Workshop) -> QuerySet[WorkshopStaff]:
    return workshop.staff.select_related("teacher")


# Statistics (also read by the year-end reports)


def _attendance_stats(sessions: QuerySet[Session], roster_size: int, today: dt.date) -> dict[str, Any]:
    held = sessions.filter(date__lte=today)
    agg = AttendanceRecord.objects.filter(session__in=held).aggregate(
        person_times=Count("pk", filter=Q(status__in=ATTENDED)),
        persons=Count("enrolment", filter=Q(status__in=ATTENDED), distinct=True),
    )
    held_count = held.count()
    expected = held_count * roster_size
    return {
        "sessions_total": sessions.count(),
        "sessions_held": held_count,
        "person_times": agg["person_times"],
        "persons": agg["persons"],
        "attendance_rate": round(100 * agg["person_times"] / expected, 1) if expected else None,
    }


def cycle_stats(*, cycle: Cycle, today: dt.date | None = None) -> dict[str, Any]:
    """The cycle's 班次, 天数, 人次 and 人数 (see `outreach_statistics`), attendance rate of the days held,
    tasks done, and resources by type and status."""
    today = today or timezone.localdate()
    roster_size = roster(cycle=cycle).count()
    sessions = Session.objects.filter(outreach_day__visit__cycle=cycle)
    stats = {"roster_size": roster_size, **_attendance_stats(sessions, roster_size, today)}
    figures = outreach_statistics(cycles=Cycle.objects.filter(pk=cycle.pk), levels=("cycle",)).for_cycle(cycle.pk)
    stats["figures"] = figures
    stats["visits_held"] = (
        Visit.objects.filter(cycle=cycle).annotate(first=Min("days__session__date")).filter(first__lte=today).count()
    )
    tasks = PhaseTask.objects.filter(phase__cycle=cycle).aggregate(
        task_count=Count("pk", distinct=True),
        submitted=Count("submissions", distinct=True),
        done=Count("submissions", filter=Q(submissions__status=TaskSubmission.Status.DONE), distinct=True),
    )
    stats.update(
        tasks=tasks["task_count"],
        submissions=tasks["submitted"],
        tasks_done=tasks["done"],
        tasks_expected=tasks["task_count"] * roster_size,
    )
    stats["resources"] = list(
        Resource.objects.filter(cycle=cycle).values("kind", "status").annotate(n=Count("pk")).order_by("kind", "status")
    )
    return stats


def workshop_stats(*, workshop: Workshop, today: dt.date | None = None) -> dict[str, Any]:
    """Members, offline sessions held and their attendance, online hours and tasks done."""
    today = today or timezone.localdate()
    members = workshop.members.aggregate(
        members=Count("pk"),
        online_hours=Sum("enrolment__online_study__online_hours"),
        tasks_done=Sum("enrolment__online_study__tasks_done"),
        reached=Count("pk", filter=Q(enrolment__online_study__online_hours__gte=workshop.required_online_hours)),
    )
    sessions = Session.objects.filter(subproject_id=workshop.subproject_id, kind=Session.Kind.WORKSHOP_OFFLINE)
    return {
        **members,
        "online_hours": members["online_hours"] or Decimal(0),
        "tasks_done": members["tasks_done"] or 0,
        "capacity": workshop.capacity,
        **_attendance_stats(sessions, members["members"], today),
    }


# 班次, 天数, 人次, 人数: the county reports' figures, per cycle, per year and in total


ACTIVITY_KINDS = [value for value, _label in VisitActivity.Kind.choices]
RESOURCE_KINDS = [value for value, _label in Resource.Kind.choices]


@dataclass
class OutreachFigures:
    """班次 = visits; 天数 = visit days; 参训人次 = per visit, the trainees present on at least one of its
    days, summed; 参训人数 = distinct trainees present at least once. Activities and resources by kind."""

    visits: int = 0
    days: int = 0
    person_times: int = 0
    persons: int = 0
    hours: Decimal = Decimal(0)
    activities: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACTIVITY_KINDS, 0))
    resources: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESOURCE_KINDS, 0))
    approved_resources: int = 0

    @property
    def activity_total(self) -> int:
        return sum(self.activities.values())

    @property
    def resource_total(self) -> int:
        return sum(self.resources.values())

    @property
    def activity_rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.activities[value]) for value, label in VisitActivity.Kind.choices]

    @property
    def resource_rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.resources[value]) for value, label in Resource.Kind.choices]

    def add(self, other: "OutreachFigures") -> None:
        """Add the additive figures of `other` (everything but 人数, which is never a sum)."""
        self.visits += other.visits
        self.days += other.days
        self.person_times += other.person_times
        self.hours += other.hours
        self.approved_resources += other.approved_resources
        for kind, n in other.activities.items():
            self.activities[kind] += n
        for kind, n in other.resources.items():
            self.resources[kind] += n


@dataclass
class OutreachStatistics:
    cycles: dict[int, OutreachFigures]
    years: dict[int, OutreachFigures]
    total: OutreachFigures

    def for_cycle(self, pk: int) -> OutreachFigures:
        return self.cycles.get(pk) or OutreachFigures()

    def for_year(self, year: int) -> OutreachFigures:
        return self.years.get(year) or OutreachFigures()


def _present_records(cycles: QuerySet[Cycle]) -> QuerySet[AttendanceRecord]:
    return AttendanceRecord.objects.filter(
        session__outreach_day__visit__cycle__in=cycles,
        status__in=ATTENDED,
        enrolment__status__in=Enrolment.PARTICIPATING,
    )


def _visit_person() -> Concat:
    """One key per (visit, teacher): counted distinct it is 人次 however many days a trainee came."""
    return Concat(
        Cast("session__outreach_day__visit_id", CharField()),
        Value("-"),
        Cast("enrolment__teacher_id", CharField()),
        output_field=CharField(),
    )


def _persons_by(cycles: QuerySet[Cycle], key: str | None) -> dict[Any, int]:
    records = _present_records(cycles)
    if key is None:
        return {None: records.aggregate(n=Count("enrolment__teacher", distinct=True))["n"]}
    rows = records.values(k=F(key)).annotate(n=Count("enrolment__teacher", distinct=True)).order_by()
    return {r["k"]: r["n"] for r in rows}


def outreach_statistics(
    *, cycles: QuerySet[Cycle], levels: tuple[str, ...] = ("cycle", "year", "total")
) -> OutreachStatistics:
    """The figures of every cycle of `cycles` (already scoped), of each year and of all of them, in a
    fixed number of queries: four per-cycle aggregates, and 人数 counted distinct again per year and
    in total (a distinct count is never the sum of the rows above it)."""
    per_cycle: dict[int, OutreachFigures] = {}
    year_of: dict[int, int] = dict(cycles.values_list("pk", "year"))

    def row(pk: int) -> OutreachFigures:
        return per_cycle.setdefault(pk, OutreachFigures())

    for r in (
        VisitDay.objects.filter(visit__cycle__in=cycles)
        .values(k=F("visit__cycle"))
        .annotate(visits=Count("visit", distinct=True), days=Count("pk"), hours=Sum("session__hours"))
        .order_by()
    ):
        figures = row(r["k"])
        figures.visits, figures.days, figures.hours = r["visits"], r["days"], r["hours"] or Decimal(0)
    for r in (
        _present_records(cycles)
        .values(k=F("session__outreach_day__visit__cycle"))
        .annotate(
            person_times=Count(_visit_person(), distinct=True), persons=Count("enrolment__teacher", distinct=True)
        )
        .order_by()
    ):
        row(r["k"]).person_times, row(r["k"]).persons = r["person_times"], r["persons"]
    for r in (
        VisitActivity.objects.filter(day__visit__cycle__in=cycles)
        .values("kind", k=F("day__visit__cycle"))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        row(r["k"]).activities[r["kind"]] = r["n"]
    for r in (
        Resource.objects.filter(cycle__in=cycles)
        .values("kind", k=F("cycle"))
        .annotate(n=Count("pk"), approved=Count("pk", filter=Q(status=Resource.Status.APPROVED)))
        .order_by()
    ):
        row(r["k"]).resources[r["kind"]] = r["n"]
        row(r["k"]).approved_resources += r["approved"]

    years: dict[int, OutreachFigures] = {}
    total = OutreachFigures()
    if "year" in levels:
        for pk, figures in per_cycle.items():
            years.setdefault(year_of[pk], OutreachFigures()).add(figures)
        for year, n in _persons_by(cycles, "session__outreach_day__visit__cycle__year").items():
            years.setdefault(year, OutreachFigures()).persons = n
    if "total" in levels:
        for figures in per_cycle.values():
            total.add(figures)
        total.persons = _persons_by(cycles, None)[None]
    return OutreachStatistics(cycles=per_cycle, years=years, total=total)


def member_search(*, user: Any, term: str) -> QuerySet[TeamPool]:
    """Active members of the user's training-team pool matching `term` (the picker's search)."""
    qs = pool_queryset(user=user).filter(is_active=True)
    return matching(qs, term, ("name", "phone", "subject")).order_by("name", "pk")
