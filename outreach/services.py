"""Every write of the outreach app: cycles, phases, visits, teams, tasks, resources and workshops."""

import datetime as dt
import secrets
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Avg, Count, Max, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.excel import new_workbook, workbook_bytes, write_sheet
from programs.models import Enrolment, Session, SubProject
from trainees.idcard import normalize_id_number
from trainees.models import School, Teacher

from .models import (
    DEFAULT_PHASES,
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
from .uploads import check_upload, stored_name

ERR_NOT_OUTREACH = "只能为“送教下乡”类子项目建立周期"
ERR_NOT_WORKSHOP = "只能为“教师工作坊研修”类子项目建立工作坊"
ERR_NO_PHASES = "至少需要一个阶段"
ERR_DUPLICATE_PHASE = "阶段名称不能重复"
ERR_PHASE_ORDER = "日期与阶段顺序不符：应在前一阶段（{before}）之后、后一阶段（{after}）之前"
ERR_HOST_OTHER_COUNTY = "承办学校不在本县区"
ERR_POOL_OTHER_COUNTY = "该成员不在本县区的培训团队库中"
ERR_POOL_NAME = "请填写姓名或选择教师"
ERR_NOT_ON_TEAM = "主讲人不是本周期送培团队成员"
ERR_PRESENTER_REQUIRED = "除研讨外，活动须有主讲人"
ERR_DAY_TAKEN = "本子项目在 {date} 已有培训活动：每天只能有一个送教日"
ERR_NUMBER_TAKEN = "本周期已有第 {number} 次送教"
ERR_NOT_IN_ROSTER = "您不在本周期的学员名单中"
ERR_ALREADY_DONE = "该任务已合格，无需再次提交"
ERR_EMPTY_SUBMISSION = "请填写内容或上传文件"
ERR_REVIEW_STATUS = "审核结果只能是“合格”或“需重做”"
ERR_COMMENT_REQUIRED = "退回或需重做时请填写意见"
ERR_OTHER_CYCLE = "阶段或送教活动不属于本周期"
ERR_RESOURCE_STATUS = "审核结果只能是“已通过”或“退回”"
ERR_WORKSHOP_FULL = "工作坊已满（上限 {capacity} 人）"
ERR_NOT_IN_SUBPROJECT = "该报名不属于本工作坊的子项目或未在有效状态"
ERR_WEIGHTS = "成员成绩权重与个人工作权重之和应为 100"
ERR_MEMBER_WEIGHTS = "在线学时、线下研修与研修任务的权重之和应为 100"
ERR_GROUP_OTHER_WORKSHOP = "研修小组不属于本工作坊"
ERR_TOO_MANY_FILES = "每次最多上传 {limit} 个附件"

MAX_FILES_PER_SUBMISSION = 10


def _save(obj: Any, *, fields: Iterable[str] | None = None) -> Any:
    obj.full_clean()
    obj.save(update_fields=list(fields) if fields is not None else None)
    return obj


# Cycles and phases


@transaction.atomic
def cycle_create(
    *, subproject: SubProject, subject: str, stage: str = "", phase_names: Sequence[str] = DEFAULT_PHASES
) -> Cycle:
    if subproject.kind != SubProject.Kind.OUTREACH:
        raise ValidationError({"subproject": _(ERR_NOT_OUTREACH)})
    names = [name.strip() for name in phase_names if name.strip()]
    if not names:
        raise ValidationError({"phase_names": _(ERR_NO_PHASES)})
    if len(set(names)) != len(names):
        raise ValidationError({"phase_names": _(ERR_DUPLICATE_PHASE)})
    program = subproject.program
    cycle = _save(
        Cycle(subproject=subproject, county_id=program.county_id, year=program.year, subject=subject, stage=stage)
    )
    Phase.objects.bulk_create([Phase(cycle=cycle, order=index, name=name) for index, name in enumerate(names, 1)])
    return cycle


@transaction.atomic
def phase_rename(*, phase: Phase, name: str) -> Phase:
    name = name.strip()
    if phase.cycle.phases.exclude(pk=phase.pk).filter(name=name).exists():
        raise ValidationError({"name": _(ERR_DUPLICATE_PHASE)})
    phase.name = name
    return _save(phase, fields=["name"])


def _phase_bounds(phases: Iterable[Phase]) -> tuple[dt.date | None, dt.date | None]:
    """The earliest and latest date of the visits and tasks of `phases`."""
    ids = [p.pk for p in phases]
    visits = VisitDay.objects.filter(visit__phase_id__in=ids).aggregate(
        lo=Min("session__date"), hi=Max("session__date")
    )
    tasks = PhaseTask.objects.filter(phase_id__in=ids).aggregate(lo=Min("due_date"), hi=Max("due_date"))
    lows = [d for d in (visits["lo"], tasks["lo"]) if d]
    highs = [d for d in (visits["hi"], tasks["hi"]) if d]
    return (min(lows) if lows else None, max(highs) if highs else None)


def check_phase_order(*, phase: Phase, date: dt.date) -> None:
    """Phases run in order: nothing of a phase may be dated before an earlier phase's last date or
    after a later phase's first date."""
    phases = list(Phase.objects.select_for_update().filter(cycle_id=phase.cycle_id))
    _lo, before = _phase_bounds([p for p in phases if p.order < phase.order])
    after, _hi = _phase_bounds([p for p in phases if p.order > phase.order])
    if (before and date < before) or (after and date > after):
        raise ValidationError({"date": _(ERR_PHASE_ORDER).format(before=before or "—", after=after or "—")})


# Visits, team and activities


@transaction.atomic
def pool_member_create(
    *,
    county: Any,
    name: str,
    teacher: Teacher | None = None,
    subject: str = "",
    title: str = "",
    phone: str = "",
    member_type: str = MemberType.FRONTLINE,
    id_number: str = "",
) -> TeamPool:
    if teacher is not None and teacher.school.county_id != county.pk:
        raise ValidationError({"teacher": _(ERR_POOL_OTHER_COUNTY)})
    if not name.strip() and teacher is None:
        raise ValidationError({"name": _(ERR_POOL_NAME)})
    return _save(
        TeamPool(
            county=county,
            name=name.strip() or teacher.name,
            teacher=teacher,
            subject=subject,
            title=title,
            phone=phone,
            member_type=member_type,
            id_number=normalize_id_number(id_number) if id_number else "",
        )
    )


@transaction.atomic
def pool_member_update(*, member: TeamPool, member_type: str, is_active: bool) -> TeamPool:
    member.member_type = member_type
    member.is_active = is_active
    return _save(member, fields=["member_type", "is_active"])


@transaction.atomic
def team_member_add(*, cycle: Cycle, member: TeamPool, role: str) -> CycleTeamMember:
    if member.county_id != cycle.county_id:
        raise ValidationError({"member": _(ERR_POOL_OTHER_COUNTY)})
    return _save(CycleTeamMember(cycle=cycle, member=member, role=role))


def _next_visit_number(cycle: Cycle) -> int:
    return (cycle.visits.aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def visit_create(
    *,
    phase: Phase,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    host_school: School,
    title: str = "",
    place: str = "",
    hours: Decimal = Decimal(0),
    number: int | None = None,
) -> Visit:
    """A visit 班次 with its first day; `visit_day_add` adds the others."""
    cycle = Cycle.objects.select_for_update().get(pk=phase.cycle_id)
    number = number or _next_visit_number(cycle)
    if cycle.visits.filter(number=number).exists():
        raise ValidationError({"number": _(ERR_NUMBER_TAKEN).format(number=number)})
    visit = _save(Visit(cycle=cycle, phase=phase, number=number, title=(title or phase.name).strip()))
    visit_day_add(visit=visit, date=date, start_time=start_time, end_time=end_time, host_school=host_school,
                  place=place, hours=hours)  # fmt: skip
    return visit


@transaction.atomic
def visit_day_add(
    *,
    visit: Visit,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    host_school: School,
    place: str = "",
    hours: Decimal = Decimal(0),
) -> VisitDay:
    """One more day of a visit: a session of the cycle's sub-project on a date no other session has, so
    attendance imported by date finds exactly one."""
    cycle = visit.cycle
    if host_school.county_id != cycle.county_id:
        raise ValidationError({"host_school": _(ERR_HOST_OTHER_COUNTY)})
    check_phase_order(phase=visit.phase, date=date)
    if Session.objects.filter(subproject_id=cycle.subproject_id, date=date).exists():
        raise ValidationError({"date": _(ERR_DAY_TAKEN).format(date=f"{date:%Y-%m-%d}")})
    session = _save(
        Session(
            subproject_id=cycle.subproject_id,
            title=visit.title or visit.phase.name,
            date=date,
            start_time=start_time,
            end_time=end_time,
            place=place or host_school.name,
            host_school=host_school,
            hours=hours,
            kind=Session.Kind.OUTREACH_VISIT,
        )
    )
    return _save(VisitDay(visit=visit, session=session))


@transaction.atomic
def visit_book(*, day: VisitDay, member: CycleTeamMember) -> VisitBooking:
    if member.cycle_id != day.visit.cycle_id:
        raise ValidationError({"member": _(ERR_NOT_ON_TEAM)})
    booking, _created = VisitBooking.objects.get_or_create(day=day, member=member)
    return booking


@transaction.atomic
def activity_add(
    *,
    day: VisitDay,
    kind: str,
    title: str,
    presenter: CycleTeamMember | None = None,
    class_grade: str = "",
    hours: Decimal = Decimal(0),
) -> VisitActivity:
    if presenter is None and kind not in VisitActivity.WITHOUT_PRESENTER:
        raise ValidationError({"presenter": _(ERR_PRESENTER_REQUIRED)})
    if presenter is not None and presenter.cycle_id != day.visit.cycle_id:
        raise ValidationError({"presenter": _(ERR_NOT_ON_TEAM)})
    activity = _save(
        VisitActivity(day=day, kind=kind, title=title, presenter=presenter, class_grade=class_grade, hours=hours)
    )
    if presenter is not None:
        # Presenting books the member on the day, so the same-day double-booking check sees it.
        VisitBooking.objects.get_or_create(day=day, member=presenter)
    return activity


@transaction.atomic
def activity_update(*, activity: VisitActivity, presenter: CycleTeamMember | None, hours: Decimal) -> VisitActivity:
    if presenter is None and activity.kind not in VisitActivity.WITHOUT_PRESENTER:
        raise ValidationError({"presenter": _(ERR_PRESENTER_REQUIRED)})
    activity.presenter, activity.hours = presenter, hours
    _save(activity, fields=["presenter", "hours"])
    if presenter is not None:
        VisitBooking.objects.get_or_create(day=activity.day, member=presenter)
    return activity


@transaction.atomic
def visit_day_hours_from_activities(*, day: VisitDay) -> Session:
    """A day's hours are its activities' hours (as the visit import keeps them)."""
    session = day.session
    session.hours = day.activities.aggregate(total=Sum("hours"))["total"] or Decimal(0)
    return _save(session, fields=["hours"])


# Back-at-school tasks


@transaction.atomic
def task_create(*, phase: Phase, title: str, description: str = "", due_date: dt.date) -> PhaseTask:
    check_phase_order(phase=phase, date=due_date)
    return _save(PhaseTask(phase=phase, title=title, description=description, due_date=due_date))


def _store(field_owner: Any, upload: Any, **extra: Any) -> Any:
    checked = check_upload(upload)
    field_owner.original_name = checked.original_name
    field_owner.file_type = checked.file_type
    field_owner.size = checked.size
    for key, value in extra.items():
        setattr(field_owner, key, value)
    field_owner.file.save(stored_name(checked), upload, save=False)
    return field_owner


@transaction.atomic
def submission_submit(
    *, task: PhaseTask, teacher: Teacher, text: str = "", files: Sequence[Any] = ()
) -> TaskSubmission:
    """A trainee hands in (or, after 需重做, hands in again) a back-at-school task."""
    enrolment = (
        Enrolment.objects.filter(
            subproject_id=task.phase.cycle.subproject_id, teacher=teacher, status__in=Enrolment.PARTICIPATING
        )
        .order_by("-pk")
        .first()
    )
    if enrolment is None:
        raise ValidationError(_(ERR_NOT_IN_ROSTER))
    if not text.strip() and not files:
        raise ValidationError(_(ERR_EMPTY_SUBMISSION))
    if len(files) > MAX_FILES_PER_SUBMISSION:
        raise ValidationError(_(ERR_TOO_MANY_FILES).format(limit=MAX_FILES_PER_SUBMISSION))
    for upload in files:
        check_upload(upload)  # refuse before anything is written
    submission = TaskSubmission.objects.select_for_update().filter(task=task, enrolment=enrolment).first()
    if submission is not None and submission.status == TaskSubmission.Status.DONE:
        raise ValidationError(_(ERR_ALREADY_DONE))
    if submission is None:
        submission = _save(TaskSubmission(task=task, enrolment=enrolment, text=text))
    else:
        submission.text = text
        submission.status = TaskSubmission.Status.SUBMITTED
        _save(submission, fields=["text", "status"])
    for upload in files:
        _save(_store(SubmissionFile(submission=submission), upload))
    return submission


@transaction.atomic
def submission_review(*, submission: TaskSubmission, status: str, comment: str = "", actor: Any) -> TaskSubmission:
    if status not in (TaskSubmission.Status.DONE, TaskSubmission.Status.REDO):
        raise ValidationError({"status": _(ERR_REVIEW_STATUS)})
    if status == TaskSubmission.Status.REDO and not comment.strip():
        raise ValidationError({"comment": _(ERR_COMMENT_REQUIRED)})
    submission.status = status
    submission.comment = comment.strip()
    submission.reviewed_at = timezone.now()
    submission.reviewed_by = actor
    return _save(submission, fields=["status", "comment", "reviewed_at", "reviewed_by"])


# Generated resources and the resource pack


@transaction.atomic
def resource_upload(
    *,
    cycle: Cycle,
    kind: str,
    title: str,
    upload: Any,
    actor: Any,
    phase: Phase | None = None,
    visit: Visit | None = None,
    author: Teacher | None = None,
    author_name: str = "",
) -> Resource:
    if (phase is not None and phase.cycle_id != cycle.pk) or (visit is not None and visit.cycle_id != cycle.pk):
        raise ValidationError(_(ERR_OTHER_CYCLE))
    if visit is not None and phase is None:
        phase = visit.phase
    if author is None and getattr(actor, "teacher_id", None):
        author = actor.teacher
    name = author_name.strip() or (author.name if author else str(actor))
    resource = Resource(
        cycle=cycle,
        phase=phase,
        visit=visit,
        author=author,
        author_name=name,
        kind=kind,
        title=title,
        uploaded_by=actor,
    )
    try:
        _store(resource, upload)
    except ValidationError as exc:
        raise ValidationError({"upload": exc.messages}) from exc
    return _save(resource)


@transaction.atomic
def resource_review(*, resource: Resource, status: str, comment: str = "", actor: Any) -> Resource:
    if status not in (Resource.Status.APPROVED, Resource.Status.RETURNED):
        raise ValidationError({"status": _(ERR_RESOURCE_STATUS)})
    if status == Resource.Status.RETURNED and not comment.strip():
        raise ValidationError({"comment": _(ERR_COMMENT_REQUIRED)})
    resource.status = status
    resource.review_comment = comment.strip()
    resource.reviewed_at = timezone.now()
    resource.reviewed_by = actor
    return _save(resource, fields=["status", "review_comment", "reviewed_at", "reviewed_by"])


@transaction.atomic
def pack_request(*, cycle: Cycle, actor: Any) -> ResourcePack:
    """Queue a resource-pack build; the worker starts once this transaction has committed."""
    from .tasks import build_resource_pack

    pack = ResourcePack.objects.create(cycle=cycle, requested_by=actor if getattr(actor, "pk", None) else None)
    transaction.on_commit(lambda: build_resource_pack.delay(pack.pk))
    return pack


PACK_INDEX_HEADERS = ("序号", "资源类型", "标题", "阶段", "送教活动", "作者", "审核时间", "包内文件")


def _pack_entry_name(number: int, resource: Resource) -> str:
    # Titles are user text: keep them out of the archive's paths (no separators, no dot-dot tricks).
    kind = resource.get_kind_display()
    return f"{kind}/{number:04d}.{resource.file_type}"


def pack_build(*, pack: ResourcePack) -> ResourcePack:
    """Write the zip of every approved resource of the pack's cycle, with an index sheet."""
    resources = list(
        Resource.objects.filter(cycle_id=pack.cycle_id, status=Resource.Status.APPROVED)
        .select_related("phase", "visit")
        .order_by("kind", "created_at", "pk")
    )
    rows = []
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for number, resource in enumerate(resources, 1):
                entry = _pack_entry_name(number, resource)
                with resource.file.open("rb") as source, archive.open(entry, "w", force_zip64=True) as target:
                    for chunk in iter(lambda source=source: source.read(1024 * 1024), b""):
                        target.write(chunk)
                rows.append(
                    [
                        number,
                        resource.get_kind_display(),
                        resource.title,
                        resource.phase.name if resource.phase else "",
                        str(resource.visit) if resource.visit else "",
                        resource.author_name,
                        timezone.localtime(resource.reviewed_at).strftime("%Y-%m-%d %H:%M")
                        if resource.reviewed_at
                        else "",
                        entry,
                    ]
                )
            wb = new_workbook()
            write_sheet(wb, "资源索引", PACK_INDEX_HEADERS, rows, widths=[8, 12, 40, 12, 30, 12, 18, 24])
            archive.writestr("资源索引.xlsx", workbook_bytes(wb))
        spool.seek(0)
        with transaction.atomic():
            pack = ResourcePack.objects.select_for_update().get(pk=pack.pk)
            pack.file.save(f"{secrets.token_hex(16)}.zip", File(spool), save=False)
            pack.status = ResourcePack.Status.READY
            pack.resource_count = len(resources)
            pack.finished_at = timezone.now()
            pack.save(update_fields=["file", "status", "resource_count", "finished_at"])
    return pack


def pack_fail(*, pack_id: int, error: str) -> None:
    ResourcePack.objects.filter(pk=pack_id).update(
        status=ResourcePack.Status.FAILED, error=error[:200], finished_at=timezone.now()
    )


# Workshops


def _check_weights(members_weight: int, own_weight: int) -> None:
    if members_weight + own_weight != 100:
        raise ValidationError({"members_weight": _(ERR_WEIGHTS)})


def _check_member_weights(online_weight: int, offline_weight: int, tasks_weight: int) -> None:
    if online_weight + offline_weight + tasks_weight != 100:
        raise ValidationError({"online_weight": _(ERR_MEMBER_WEIGHTS)})


@transaction.atomic
def workshop_create(
    *,
    subproject: SubProject,
    name: str,
    subject: str,
    host: Teacher | None = None,
    capacity: int = 50,
    required_online_hours: Decimal = Decimal(80),
    members_weight: int = 50,
    own_weight: int = 50,
) -> Workshop:
    if subproject.kind != SubProject.Kind.WORKSHOP:
        raise ValidationError({"subproject": _(ERR_NOT_WORKSHOP)})
    _check_weights(members_weight, own_weight)
    return _save(
        Workshop(
            subproject=subproject,
            county_id=subproject.program.county_id,
            name=name,
            subject=subject,
            host=host,
            capacity=capacity,
            required_online_hours=required_online_hours,
            members_weight=members_weight,
            own_weight=own_weight,
        )
    )


@transaction.atomic
def workshop_set_weights(*, workshop: Workshop, members_weight: int, own_weight: int) -> Workshop:
    _check_weights(members_weight, own_weight)
    workshop.members_weight = members_weight
    workshop.own_weight = own_weight
    return _save(workshop, fields=["members_weight", "own_weight"])


EVALUATION_FIELDS = (
    "members_weight",
    "own_weight",
    "required_online_hours",
    "online_weight",
    "offline_weight",
    "tasks_weight",
    "required_tasks",
)


@transaction.atomic
def workshop_set_evaluation(
    *,
    workshop: Workshop,
    members_weight: int,
    own_weight: int,
    required_online_hours: Decimal,
    online_weight: int,
    offline_weight: int,
    tasks_weight: int,
    required_tasks: int,
) -> Workshop:
    """How this workshop evaluates: tutors' split between members and own work, the online hours a
    member must reach, and how a member's result weighs online hours, offline attendance and tasks."""
    _check_weights(members_weight, own_weight)
    _check_member_weights(online_weight, offline_weight, tasks_weight)
    workshop.members_weight, workshop.own_weight = members_weight, own_weight
    workshop.required_online_hours, workshop.required_tasks = required_online_hours, required_tasks
    workshop.online_weight, workshop.offline_weight, workshop.tasks_weight = online_weight, offline_weight, tasks_weight
    return _save(workshop, fields=EVALUATION_FIELDS)


def workshop_bulletin_build(*, workshop: Workshop, today: dt.date) -> WorkshopBulletin:
    """This week's progress bulletin: who is behind the even pace to the required online hours.
    Run again in the same week, it replaces that week's bulletin."""
    from .selectors import expected_hours, members_behind

    expected = expected_hours(workshop=workshop, today=today)
    behind = list(members_behind(workshop=workshop, expected=expected))
    stats = workshop.members.aggregate(n=Count("pk"), avg=Avg("enrolment__online_study__online_hours"))
    week_start = today - dt.timedelta(days=today.weekday())
    with transaction.atomic():
        bulletin, _created = WorkshopBulletin.objects.update_or_create(
            workshop=workshop,
            week_start=week_start,
            defaults={
                "members": stats["n"],
                "behind_count": len(behind),
                "expected_hours": expected,
                "average_hours": Decimal(stats["avg"] or 0).quantize(Decimal("0.1")),
                "behind": [
                    {
                        "name": m.enrolment.teacher.name,
                        "school": m.enrolment.school.name,
                        "group": m.group.name if m.group_id else "",
                        "hours": str(Decimal(m.hours).quantize(Decimal("0.1"))),
                    }
                    for m in behind
                ],
            },
        )
    return bulletin


def workshop_bulletins_weekly(*, today: dt.date | None = None) -> int:
    """The beat job: a bulletin for every workshop in its study period."""
    from .selectors import active_workshops

    today = today or timezone.localdate()
    count = 0
    for workshop in active_workshops(today=today):
        workshop_bulletin_build(workshop=workshop, today=today)
        count += 1
    return count


@transaction.atomic
def workshop_staff_add(
    *, workshop: Workshop, teacher: Teacher, role: str, own_score: Decimal | None = None
) -> WorkshopStaff:
    return _save(WorkshopStaff(workshop=workshop, teacher=teacher, role=role, own_score=own_score))


@transaction.atomic
def workshop_staff_score(*, staff: WorkshopStaff, own_score: Decimal | None) -> WorkshopStaff:
    staff.own_score = own_score
    return _save(staff, fields=["own_score"])


@transaction.atomic
def research_group_create(
    *,
    workshop: Workshop,
    name: str,
    leader: Teacher | None = None,
    tutor: WorkshopStaff | None = None,
    leader_own_score: Decimal | None = None,
) -> ResearchGroup:
    if tutor is not None and tutor.workshop_id != workshop.pk:
        raise ValidationError({"tutor": _(ERR_GROUP_OTHER_WORKSHOP)})
    return _save(
        ResearchGroup(workshop=workshop, name=name, leader=leader, tutor=tutor, leader_own_score=leader_own_score)
    )


@transaction.atomic
def workshop_member_add(
    *, workshop: Workshop, enrolment: Enrolment, group: ResearchGroup | None = None
) -> WorkshopMember:
    # Lock the workshop row so two simultaneous additions cannot both take the last place.
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if enrolment.subproject_id != workshop.subproject_id or enrolment.status not in Enrolment.ACTIVE:
        raise ValidationError({"enrolment": _(ERR_NOT_IN_SUBPROJECT)})
    if group is not None and group.workshop_id != workshop.pk:
        raise ValidationError({"group": _(ERR_GROUP_OTHER_WORKSHOP)})
    if workshop.members.count() >= workshop.capacity:
        raise ValidationError(_(ERR_WORKSHOP_FULL).format(capacity=workshop.capacity))
    return _save(WorkshopMember(workshop=workshop, enrolment=enrolment, group=group))


def content_file(data: bytes, name: str) -> ContentFile:
    """Wrap bytes as an upload (used by commands and tests that build files in memory)."""
    return ContentFile(data, name=name)


ERR_REVIEW_NONE_SELECTED = "请至少勾选一份提交"
ERR_REVIEW_ROW = "{name}：{message}"
ERR_REVIEW_OTHER_TASK = "所勾选的提交不属于同一任务"


@transaction.atomic
def submissions_review(
    *,
    submissions: Sequence[TaskSubmission],
    status: str,
    actor: Any,
    comment: str = "",
    comments: dict[int, str] | None = None,
) -> list[TaskSubmission]:
    """Mark many submissions of one task done or redo at once: one comment for all, or one each (a
    row's own comment wins). Redo needs a comment on every row; all rows are saved or none."""
    if not submissions:
        raise ValidationError(_(ERR_REVIEW_NONE_SELECTED))
    if status not in (TaskSubmission.Status.DONE, TaskSubmission.Status.REDO):
        raise ValidationError({"status": _(ERR_REVIEW_STATUS)})
    rows = list(
        TaskSubmission.objects.select_for_update(of=("self",))
        .select_related("enrolment__teacher")
        .filter(pk__in=[s.pk for s in submissions])
        .order_by("pk")
    )
    if len({row.task_id for row in rows}) != 1:
        raise ValidationError(_(ERR_REVIEW_OTHER_TASK))
    comments = comments or {}
    now, errors = timezone.now(), []
    for row in rows:
        row.comment = (comments.get(row.pk) or comment or "").strip()
        if status == TaskSubmission.Status.REDO and not row.comment:
            errors.append(_(ERR_REVIEW_ROW).format(name=row.enrolment.teacher.name, message=_(ERR_COMMENT_REQUIRED)))
        row.status, row.reviewed_at, row.reviewed_by = status, now, actor
        # The task and the enrolment are unchanged: checking them again would cost a query per row.
        row.full_clean(exclude=["task", "enrolment", "reviewed_by"], validate_constraints=False)
    if errors:
        raise ValidationError({"comment": errors})
    TaskSubmission.objects.bulk_update(rows, ["status", "comment", "reviewed_at", "reviewed_by"])
    return rows
