"""Every read of the outreach app a view, export or report needs, already scoped to the user."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Avg,
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
)
from django.db.models.functions import Coalesce, Least
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import ATTENDED, AttendanceRecord
from core.scoping import SCHOOL, SELF, is_county_level, scope_of, visible
from programs.models import Enrolment, Session, SubProject
from trainees.models import School, Teacher

from .models import (
    Cycle,
    CycleTeamMember,
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
    Workshop,
    WorkshopMember,
    WorkshopStaff,
)

# The usual staffing guide: one visiting-team member per about thirty trainees.
TRAINEES_PER_MEMBER_LIMIT = 30
WARN_TOO_FEW_MEMBERS = "学员 {trainees} 人、送培团队 {team} 人：每名团队成员对应学员超过 {limit} 人"
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
    warnings: list[str] = field(default_factory=list)


def phase_states(*, cycle: Cycle, today: dt.date) -> tuple[list[PhaseState], PhaseState | None]:
    """Where the cycle stands, by the dates of each phase's visits and tasks: the current phase is the
    last one that has started."""
    phases = cycle.phases.annotate(
        visit_lo=Min("visits__session__date"),
        visit_hi=Max("visits__session__date"),
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


def team_warnings(*, cycle: Cycle, roster_size: int, team_size: int) -> list[str]:
    """The staffing guide (one member per thirty trainees) and same-day double bookings of a member,
    across every cycle the member is on."""
    warnings = []
    if roster_size and (team_size == 0 or roster_size / team_size > TRAINEES_PER_MEMBER_LIMIT):
        warnings.append(
            _(WARN_TOO_FEW_MEMBERS).format(trainees=roster_size, team=team_size, limit=TRAINEES_PER_MEMBER_LIMIT)
        )
    for row in double_bookings(cycle=cycle):
        warnings.append(
            f"{row['member__member__name']} 在 {row['visit__session__date']:%Y-%m-%d} 被安排了 {row['visits']} 场送教活动"
        )
    return warnings


def double_bookings(*, cycle: Cycle) -> QuerySet:
    """Pool members of this cycle's team booked on more than one visit on one day (in any cycle)."""
    pool_ids = cycle.team.values("member_id")
    return (
        VisitBooking.objects.filter(member__member_id__in=pool_ids)
        .values("member__member_id", "member__member__name", "visit__session__date")
        .annotate(visits=Count("visit", distinct=True))
        .filter(visits__gt=1)
        .order_by("visit__session__date", "member__member__name")
    )


def cycle_page(*, cycle: Cycle, today: dt.date | None = None) -> CyclePage:
    today = today or timezone.localdate()
    states, current = phase_states(cycle=cycle, today=today)
    roster_size = roster(cycle=cycle).count()
    visits = list(
        Visit.objects.filter(phase__cycle=cycle)
        .select_related("session__host_school", "phase")
        .annotate(
            activity_count=Count("activities", distinct=True),
            attended=Count("session__attendance", filter=Q(session__attendance__status__in=ATTENDED), distinct=True),
        )
        .order_by("session__date", "session__start_time", "pk")
    )
    team = list(
        cycle.team.select_related("member", "member__teacher__school").annotate(
            visit_count=Count("bookings", distinct=True)
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
    held = sum(1 for v in visits if v.session.date <= today)
    return CyclePage(
        phases=states,
        current=current,
        visits=visits,
        visits_held=held,
        progress_percent=round(100 * held / len(visits)) if visits else 0,
        team=team,
        tasks=tasks,
        roster_size=roster_size,
        warnings=team_warnings(cycle=cycle, roster_size=roster_size, team_size=len(team)),
    )


def phase_get(*, user: Any, pk: Any) -> Phase:
    return _one(Phase.objects.filter(cycle__in=cycle_queryset(user=user)).select_related("cycle"), pk)


def pool_queryset(*, user: Any) -> QuerySet[TeamPool]:
    return visible(TeamPool.objects.all(), user, county="county").select_related("teacher__school")


def pool_choices(*, cycle: Cycle) -> QuerySet[TeamPool]:
    return TeamPool.objects.filter(county_id=cycle.county_id, is_active=True).exclude(cycle_roles__cycle=cycle)


def teacher_choices(*, user: Any) -> QuerySet[Teacher]:
    return visible(Teacher.objects.all(), user, county="school__county").select_related("school").order_by("name")


def visit_get(*, user: Any, pk: Any) -> Visit:
    return _one(
        Visit.objects.filter(phase__cycle__in=cycle_queryset(user=user)).select_related(
            "session__host_school", "phase__cycle"
        ),
        pk,
    )


def cycle_visits(*, cycle: Cycle) -> QuerySet[Visit]:
    return Visit.objects.filter(phase__cycle=cycle).select_related("session").order_by("session__date", "pk")


def visit_activities(*, visit: Visit) -> QuerySet[VisitActivity]:
    return visit.activities.select_related("presenter__member")


def visit_team(*, visit: Visit) -> QuerySet[CycleTeamMember]:
    return CycleTeamMember.objects.filter(bookings__visit=visit).select_related("member")


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

    qs = resource_queryset(user=user).select_related("cycle", "phase", "visit__session")
    flt = ResourceFilter(params, queryset=qs, cycles=cycle_queryset(user=user).order_by("-year", "subject"))
    return flt, flt.qs.order_by("-created_at", "-pk")


def resource_get(*, user: Any, pk: Any) -> Resource:
    return _one(resource_queryset(user=user).select_related("cycle", "phase", "visit__session"), pk)


def pack_list(*, cycle: Cycle) -> QuerySet[ResourcePack]:
    return cycle.packs.all()[:5]


def pack_get(*, user: Any, pk: Any) -> ResourcePack:
    return _one(ResourcePack.objects.filter(cycle__in=cycle_queryset(user=user)), pk)


def require_resource_uploader(*, user: Any) -> None:
    """County staff, trainees and team members upload; coordinators only look."""
    if scope_of(user).kind == SCHOOL:
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


def workshop_members(*, workshop: Workshop) -> QuerySet[WorkshopMember]:
    return workshop.members.select_related(
        "enrolment__teacher", "enrolment__school", "enrolment__online_study", "group"
    ).order_by("group__name", "enrolment__teacher__name", "pk")


def workshop_candidates(*, workshop: Workshop) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(subproject_id=workshop.subproject_id, status__in=Enrolment.ACTIVE)
        .exclude(workshop_member__isnull=False)
        .select_related("teacher", "school")
        .order_by("school__code", "teacher__name")
    )


def _member_result(prefix: str, required: Decimal) -> Any:
    """A member's result on a 0–100 scale: online hours against the requirement, capped at 100."""
    hours = Coalesce(F(f"{prefix}enrolment__online_study__online_hours"), Value(Decimal(0)))
    return Least(
        ExpressionWrapper(hours * Value(Decimal(100)) / Value(required), output_field=DecimalField()),
        Value(Decimal(100)),
        output_field=DecimalField(),
    )


@dataclass(frozen=True)
class Evaluation:
    name: str
    role: str
    member_count: int
    members_result: Decimal
    own_score: Decimal | None
    total: Decimal


def _combine(workshop: Workshop, members_result: Decimal | None, own: Decimal | None) -> Decimal:
    members = members_result or Decimal(0)
    own_part = own or Decimal(0)
    total = (members * workshop.members_weight + own_part * workshop.own_weight) / Decimal(100)
    return total.quantize(Decimal("0.1"))


def workshop_evaluations(*, workshop: Workshop) -> list[Evaluation]:
    """Tutors and group leaders: their members' average result and their own work, weighted as the
    workshop is configured."""
    required = workshop.required_online_hours
    tutors = (
        workshop.staff.filter(role=WorkshopStaff.Role.TUTOR)
        .select_related("teacher")
        .annotate(
            member_count=Count("groups__members", distinct=True),
            members_result=Avg(_member_result("groups__members__", required)),
        )
        .order_by("teacher__name", "pk")
    )
    groups = (
        workshop.groups.filter(leader__isnull=False)
        .select_related("leader")
        .annotate(
            member_count=Count("members", distinct=True), members_result=Avg(_member_result("members__", required))
        )
        .order_by("name")
    )
    rows = [
        Evaluation(
            t.teacher.name,
            "辅导教师",
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
            f"组长（{g.name}）",
            g.member_count,
            _q(g.members_result),
            g.leader_own_score,
            _combine(workshop, g.members_result, g.leader_own_score),
        )
        for g in groups
    ]
    return rows


def _q(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.1"))


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
    """Visits held 班次, person-times 人次 (attended visit records), distinct persons 人数, attendance
    rate, tasks done and resources by type and status."""
    today = today or timezone.localdate()
    roster_size = roster(cycle=cycle).count()
    sessions = Session.objects.filter(outreach_visit__phase__cycle=cycle)
    stats = {"roster_size": roster_size, **_attendance_stats(sessions, roster_size, today)}
    stats["visits_held"] = stats["sessions_held"]
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
    stats["activities"] = list(
        VisitActivity.objects.filter(visit__phase__cycle=cycle)
        .values("kind")
        .annotate(n=Count("pk"), hours=Sum("hours"))
        .order_by("kind")
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


def _count_subquery(qs: QuerySet) -> Any:
    """A correlated COUNT(*) subquery, so several per-cycle counts do not multiply each other's joins."""
    return Coalesce(Subquery(qs.order_by().values("_group").annotate(n=Count("pk")).values("n")[:1]), Value(0))


def outreach_year_summary(*, user: Any, year: int) -> list[dict[str, Any]]:
    """One row per visible cycle of `year`: visits 班次, person-times 人次 and resources, for reports."""
    cycle = OuterRef("pk")
    visits = Visit.objects.filter(phase__cycle=cycle).annotate(_group=F("phase__cycle"))
    attended = AttendanceRecord.objects.filter(
        session__outreach_visit__phase__cycle=cycle, status__in=ATTENDED
    ).annotate(_group=F("session__outreach_visit__phase__cycle"))
    resources = Resource.objects.filter(cycle=cycle).annotate(_group=F("cycle"))
    return list(
        cycle_queryset(user=user)
        .filter(year=year)
        .annotate(
            visit_count=_count_subquery(visits),
            person_times=_count_subquery(attended),
            resource_count=_count_subquery(resources),
            approved_count=_count_subquery(resources.filter(status=Resource.Status.APPROVED)),
        )
        .values("pk", "subject", "stage", "visit_count", "person_times", "resource_count", "approved_count")
        .order_by("subject", "pk")
    )
