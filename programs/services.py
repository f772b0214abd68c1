"""Every write to programs: categories, programs, sub-projects, sessions, quotas, enrolments, notices.

Enrolment changes run inside `pghistory.context(user=...)` so the database triggers record who made
each change; every change also stores a Notice for the teacher and e-mails it after the commit.
"""

import contextlib
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pghistory
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.scoping import ALL, COUNTY, REGION, SCHOOL, is_admin, regions_below, scope_of
from trainees.models import Region, School, Teacher

from . import notices as notices_module
from .models import (
    Category,
    CountyQuota,
    Enrolment,
    Level,
    Notice,
    Program,
    SchoolQuota,
    Session,
    SubProject,
    SubstitutionRequest,
)

ERR_DUPLICATE = "该教师已报名本子项目"
ERR_OVERLAP = "该教师已报名“{name}”（{start} 至 {end}），与本子项目的面授日期重叠"
ERR_NO_SCHOOL_QUOTA = "本校在该子项目没有分配名额"
ERR_SCHOOL_QUOTA_FULL = "本校名额（{quota} 人）已用完"
ERR_SUBPROJECT_FULL = "子项目名额（{quota} 人）已满"
ERR_TEACHER_NOT_IN_COUNTY = "该教师不属于本项目所在县区"
ERR_NOT_OWN_SCHOOL = "只能提名本校教师"
ERR_BAD_TRANSITION = "当前状态为“{status}”，不能执行此操作"
ERR_REASON_REQUIRED = "请填写原因"
ERR_SAME_TEACHER = "替换人不能是原参训教师"
ERR_SCHOOL_NOT_IN_COUNTY = "学校不属于本项目所在县区"
ERR_QUOTA_SUM = "各校名额合计 {total} 超过子项目名额 {quota}"
ERR_QUOTA_BELOW_USED = "该校已占用 {used} 个名额，名额不能少于已占用数"
ERR_HOST_SCHOOL_NOT_IN_COUNTY = "承办学校不属于本项目所在县区"
ERR_REQUEST_PENDING = "该学员已有待处理的换人申请"
ERR_REQUEST_NOT_ACTIVE = "只能为已提名或已确认的学员申请换人"
ERR_ONE_OWNER = "培训项目属于一个县区，或属于一个市、省（二者选一）"
ERR_REGION_LEVEL = "市级部门的项目级别为“市级”，省级部门的项目级别为“省级”"
ERR_NOT_REGION_PROGRAM = "只有市级、省级项目向县区分配名额"
ERR_COUNTY_NOT_BELOW = "该县区不在本项目主办市/省的范围内"
ERR_COUNTY_QUOTA_SUM = "各县区名额合计 {total} 超过子项目名额 {quota}"
ERR_COUNTY_QUOTA_BELOW_USED = "该县区已占用 {used} 个名额，名额不能少于已占用数"
ERR_NO_COUNTY_QUOTA = "本县区在该子项目没有分配名额"
ERR_COUNTY_QUOTA_FULL = "本县区名额（{quota} 人）已用完"
ERR_SCHOOL_QUOTAS_OVER_COUNTY = "本县区各校名额合计 {total} 超过市/省分配的 {quota} 个名额"
ERR_ROW = "{name}：{message}"
ERR_NONE_SELECTED = "请至少勾选一名教师"
ERR_SCHOOL_PLACES_LEFT = "本校名额还剩 {left} 个，勾选了 {chosen} 人"
ERR_SUBPROJECT_PLACES_LEFT = "子项目名额还剩 {left} 个，勾选了 {chosen} 人"
ERR_COUNTY_PLACES_LEFT = "本县区名额还剩 {left} 个，勾选了 {chosen} 人"
ERR_NOT_OWN_NOMINEE = "只能撤回本校尚未确认的提名"
ERR_REQUEST_DECIDED = "该换人申请已处理"
ERR_REPLACEMENT_REQUIRED = "同意换人须选择替换教师"
ERR_DECLINE_REASON = "不同意时请填写原因"

PROGRAM_FIELDS = ("year", "level", "category", "name", "issuer", "status")
SUBPROJECT_FIELDS = (
    "name",
    "kind",
    "institution",
    "modality",
    "start_date",
    "end_date",
    "hours",
    "credit_category",
    "quota",
    "budget",
)
SESSION_FIELDS = ("title", "date", "start_time", "end_time", "place", "host_school", "hours", "kind")

NOTICE_TEXT = {
    "nominated": (
        Notice.Kind.ENROLLED,
        "培训报名通知：{sub}",
        "您已被提名参加“{program} · {sub}”{dates}，待县培训中心确认。{first}",
    ),
    "confirmed": (
        Notice.Kind.ENROLLED,
        "培训报名确认：{sub}",
        "您参加“{program} · {sub}”{dates}的报名已确认，请按时参训。{first}",
    ),
    "rejected": (Notice.Kind.OTHER, "培训报名未通过：{sub}", "您参加“{program} · {sub}”的报名未通过。{reason}"),
    "withdrawn": (Notice.Kind.WITHDRAWN, "退出培训通知：{sub}", "您已退出“{program} · {sub}”。{reason}"),
    "substituted": (
        Notice.Kind.SUBSTITUTED,
        "换人参训通知：{sub}",
        "“{program} · {sub}”已由其他教师替换您参训。{reason}",
    ),
    "replacement": (
        Notice.Kind.ENROLLED,
        "培训报名确认（换人参训）：{sub}",
        "您已替换其他教师参加“{program} · {sub}”{dates}，报名已确认，请按时参训。{first}{reason}",
    ),
}


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def history_context(actor: Any, action: str) -> Any:
    """The pghistory context every enrolment write runs in: who and what.

    The history triggers exist only on PostgreSQL; on the SQLite used by `make run` there is nothing
    to attach the context to (and pghistory's SQL wrapper cannot run there).
    """
    if connection.vendor != "postgresql":
        return contextlib.nullcontext()
    return pghistory.context(user=getattr(actor, "pk", None), action=action)


# Categories and programs -------------------------------------------------------------------------


def can_change_category(user: Any, category: Category) -> bool:
    """A shared category (no county) is changed only above the counties: a city or province
    administrator, or a superuser. A county's own category by its administrator, as long as no
    other county's (or city's, province's) program uses it; an office above may change it too."""
    from accounts.models import REGION_ADMIN_ROLES

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    scope = scope_of(user)
    region_admin = scope.kind == REGION and user.role in REGION_ADMIN_ROLES
    if category.county_id is None:
        return region_admin
    if region_admin:
        return category.county_id in scope.county_ids
    return (
        is_admin(user)
        and category.county_id == user.county_id
        and not category.programs.exclude(county_id=category.county_id).exists()
    )


@transaction.atomic
def category_create(
    *, name: str, sort_order: int = 100, is_active: bool = True, county: Region | None = None
) -> Category:
    """`county`: the county keeping the category for itself; None makes a shared one."""
    category = Category(name=name.strip(), sort_order=sort_order, is_active=is_active, county=county)
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def category_update(*, category: Category, **fields: Any) -> Category:
    for key in fields:
        if key not in ("name", "sort_order", "is_active"):
            raise TypeError(f"unknown category field {key}")
        setattr(category, key, fields[key])
    category.full_clean()
    category.save(update_fields=list(fields))
    return category


REGION_PROGRAM_LEVEL = {Region.Level.CITY: Level.MUNICIPAL, Region.Level.PROVINCE: Level.PROVINCIAL}


@transaction.atomic
def program_create(
    *,
    year: int,
    level: str,
    category: Category,
    name: str,
    county: Region | None = None,
    region: Region | None = None,
    **fields: Any,
) -> Program:
    """A county's program, or (`region`) one a city or province runs at its own level (市级/省级)."""
    if (county is None) == (region is None):
        raise ValidationError(_(ERR_ONE_OWNER))
    if region is not None and REGION_PROGRAM_LEVEL.get(region.level) != level:
        raise ValidationError({"level": _(ERR_REGION_LEVEL)})
    program = Program(county=county, region=region, year=year, level=level, category=category, name=name)
    for key, value in fields.items():
        if key not in PROGRAM_FIELDS:
            raise TypeError(f"unknown program field {key}")
        setattr(program, key, value)
    program.full_clean()
    program.save()
    return program


@transaction.atomic
def program_update(*, program: Program, **fields: Any) -> Program:
    for key, value in fields.items():
        if key not in PROGRAM_FIELDS:
            raise TypeError(f"unknown program field {key}")
        setattr(program, key, value)
    if program.region_id and REGION_PROGRAM_LEVEL.get(program.region.level) != program.level:
        raise ValidationError({"level": _(ERR_REGION_LEVEL)})
    program.full_clean()
    program.save(update_fields=list(fields))
    return program


@transaction.atomic
def subproject_create(*, program: Program, name: str, **fields: Any) -> SubProject:
    subproject = SubProject(program=program, name=name)
    for key, value in fields.items():
        if key not in SUBPROJECT_FIELDS:
            raise TypeError(f"unknown sub-project field {key}")
        setattr(subproject, key, value)
    subproject.full_clean()
    subproject.save()
    return subproject


@transaction.atomic
def subproject_update(*, subproject: SubProject, **fields: Any) -> SubProject:
    for key, value in fields.items():
        if key not in SUBPROJECT_FIELDS:
            raise TypeError(f"unknown sub-project field {key}")
        setattr(subproject, key, value)
    subproject.full_clean()
    subproject.save(update_fields=list(fields))
    return subproject


def counties_reached(program: Program) -> set[int]:
    """The counties a program's trainees come from: its own, or every county below its city/province."""
    if not program.region_id:
        return {program.county_id}
    return set(regions_below(program.region_id)[0])


def _check_host_school(subproject: SubProject, host_school: School | None) -> None:
    if host_school is not None and host_school.county_id not in counties_reached(subproject.program):
        raise ValidationError({"host_school": _(ERR_HOST_SCHOOL_NOT_IN_COUNTY)})


@transaction.atomic
def session_create(
    *, subproject: SubProject, date: dt.date, start_time: dt.time, end_time: dt.time, **fields: Any
) -> Session:
    session = Session(subproject=subproject, date=date, start_time=start_time, end_time=end_time)
    for key, value in fields.items():
        if key not in SESSION_FIELDS:
            raise TypeError(f"unknown session field {key}")
        setattr(session, key, value)
    _check_host_school(subproject, session.host_school)
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def session_update(*, session: Session, **fields: Any) -> Session:
    for key, value in fields.items():
        if key not in SESSION_FIELDS:
            raise TypeError(f"unknown session field {key}")
        setattr(session, key, value)
    _check_host_school(session.subproject, session.host_school)
    session.full_clean()
    session.save(update_fields=list(fields))
    return session


# Quotas ------------------------------------------------------------------------------------------


def _active_count(subproject: SubProject, school: School | None = None) -> int:
    qs = Enrolment.objects.filter(subproject=subproject, status__in=Enrolment.ACTIVE)
    if school is not None:
        qs = qs.filter(school=school)
    return qs.count()


@transaction.atomic
def quota_set(*, subproject: SubProject, school: School, quota: int) -> SchoolQuota:
    """Set one school's quota; the schools' total may not exceed the sub-project's own quota."""
    subproject = SubProject.objects.select_for_update().select_related("program").get(pk=subproject.pk)
    if subproject.program.region_id:
        return _school_quota_within_county(subproject, school, quota)
    if school.county_id != subproject.program.county_id:
        raise ValidationError({"school": _(ERR_SCHOOL_NOT_IN_COUNTY)})
    others = SchoolQuota.objects.filter(subproject=subproject).exclude(school=school)
    _within_places(
        quota=quota,
        used=_active_count(subproject, school),
        others=others,
        cap=subproject.quota or None,
        below_used=ERR_QUOTA_BELOW_USED,
        over_cap=ERR_QUOTA_SUM,
    )
    row, _created = SchoolQuota.objects.update_or_create(
        subproject=subproject, school=school, defaults={"quota": quota}
    )
    return row


def _within_places(*, quota: int, used: int, others: QuerySet, cap: int | None, below_used: str, over_cap: str) -> None:
    """The rule every quota shares: not below the places already taken, and with the other rows' quotas
    (`others`) within the places above it (`cap`; none: no limit)."""
    if quota < used:
        raise ValidationError({"quota": _(below_used).format(used=used)})
    total = quota + sum(others.values_list("quota", flat=True))
    if cap is not None and total > cap:
        raise ValidationError({"quota": _(over_cap).format(total=total, quota=cap)})


@transaction.atomic
def quotas_set(*, subproject: SubProject, quotas: list[tuple[School, int]]) -> None:
    """Several schools' quotas at once: all are saved or none."""
    for school, quota in quotas:
        quota_set(subproject=subproject, school=school, quota=quota)


def _school_quota_within_county(subproject: SubProject, school: School, quota: int) -> SchoolQuota:
    """A county passes on the places a city or province allotted it: its schools' total stays within them."""
    county_quota = (
        CountyQuota.objects.filter(subproject=subproject, county_id=school.county_id)
        .values_list("quota", flat=True)
        .first()
    )
    if county_quota is None:
        raise ValidationError({"school": _(ERR_NO_COUNTY_QUOTA)})
    others = SchoolQuota.objects.filter(subproject=subproject, school__county_id=school.county_id).exclude(school=school)
    _within_places(
        quota=quota,
        used=_active_count(subproject, school),
        others=others,
        cap=county_quota,
        below_used=ERR_QUOTA_BELOW_USED,
        over_cap=ERR_SCHOOL_QUOTAS_OVER_COUNTY,
    )
    row, _created = SchoolQuota.objects.update_or_create(
        subproject=subproject, school=school, defaults={"quota": quota}
    )
    return row


def _county_active_count(subproject: SubProject, county_id: int) -> int:
    return Enrolment.objects.filter(
        subproject=subproject, status__in=Enrolment.ACTIVE, school__county_id=county_id
    ).count()


@transaction.atomic
def county_quota_set(*, subproject: SubProject, county: Region, quota: int) -> CountyQuota:
    """A city or province allots places of its sub-project to one county below it (0 keeps the county
    in view with no places); the counties' total may not exceed the sub-project's own quota."""
    subproject = SubProject.objects.select_for_update().select_related("program").get(pk=subproject.pk)
    if not subproject.program.region_id:
        raise ValidationError(_(ERR_NOT_REGION_PROGRAM))
    if county.level != Region.Level.COUNTY or county.pk not in counties_reached(subproject.program):
        raise ValidationError({"county": _(ERR_COUNTY_NOT_BELOW)})
    _within_places(
        quota=quota,
        used=_county_active_count(subproject, county.pk),
        others=CountyQuota.objects.filter(subproject=subproject).exclude(county=county),
        cap=subproject.quota or None,
        below_used=ERR_COUNTY_QUOTA_BELOW_USED,
        over_cap=ERR_COUNTY_QUOTA_SUM,
    )
    row, _created = CountyQuota.objects.update_or_create(
        subproject=subproject, county=county, defaults={"quota": quota}
    )
    return row


@transaction.atomic
def county_quotas_set(*, subproject: SubProject, quotas: list[tuple[Region, int]]) -> None:
    """Several counties' quotas at once: all are saved or none."""
    for county, quota in quotas:
        county_quota_set(subproject=subproject, county=county, quota=quota)


# Enrolment rules ---------------------------------------------------------------------------------


def _dates(subproject: SubProject) -> str:
    if subproject.start_date and subproject.end_date:
        return f"（{subproject.start_date:%Y-%m-%d} 至 {subproject.end_date:%Y-%m-%d}）"
    return ""


def overlap_conflicts(*, teacher_ids: Iterable[int], subproject: SubProject) -> dict[int, SubProject]:
    """For each teacher, another active face-to-face enrolment whose dates overlap `subproject`'s."""
    if subproject.modality not in SubProject.FACE_TO_FACE or not (subproject.start_date and subproject.end_date):
        return {}
    clashes = (
        Enrolment.objects.filter(
            teacher_id__in=list(teacher_ids),
            status__in=Enrolment.ACTIVE,
            subproject__modality__in=SubProject.FACE_TO_FACE,
            subproject__start_date__lte=subproject.end_date,
            subproject__end_date__gte=subproject.start_date,
        )
        .exclude(subproject=subproject)
        .select_related("subproject")
        .order_by("subproject__start_date", "pk")
    )
    found: dict[int, SubProject] = {}
    for enrolment in clashes:
        found.setdefault(enrolment.teacher_id, enrolment.subproject)
    return found


def overlap_message(other: SubProject) -> str:
    return _(ERR_OVERLAP).format(
        name=other.name, start=f"{other.start_date:%Y-%m-%d}", end=f"{other.end_date:%Y-%m-%d}"
    )


def _check_can_take_place(subproject: SubProject, teacher: Teacher) -> None:
    if Enrolment.objects.filter(subproject=subproject, teacher=teacher, status__in=Enrolment.ACTIVE).exists():
        raise ValidationError(_(ERR_DUPLICATE))
    other = overlap_conflicts(teacher_ids=[teacher.pk], subproject=subproject).get(teacher.pk)
    if other is not None:
        raise ValidationError(overlap_message(other))


def _allotted_counties(subproject: SubProject) -> set[int]:
    return set(CountyQuota.objects.filter(subproject=subproject).values_list("county_id", flat=True))


def _check_region_nominator(
    actor: Any, subproject: SubProject, teacher: Teacher, allotted: set[int] | None = None
) -> None:
    """A city's or province's sub-project: the counties it allots places to nominate their own teachers."""
    scope = scope_of(actor)
    if allotted is None:
        allotted = _allotted_counties(subproject)
    if scope.kind == SCHOOL:
        if teacher.school_id != scope.school_id:
            raise PermissionDenied(_(ERR_NOT_OWN_SCHOOL))
        if scope.county_id not in allotted:
            raise PermissionDenied
    elif scope.kind == COUNTY:
        if scope.county_id not in allotted:
            raise PermissionDenied
        if teacher.school.county_id != scope.county_id:
            raise ValidationError(_(ERR_TEACHER_NOT_IN_COUNTY))
    elif scope.kind != ALL:
        raise PermissionDenied
    if teacher.school.county_id not in allotted:
        raise ValidationError(_(ERR_NO_COUNTY_QUOTA))


def _check_nominator(actor: Any, subproject: SubProject, teacher: Teacher, allotted: set[int] | None = None) -> None:
    if subproject.program.region_id:
        return _check_region_nominator(actor, subproject, teacher, allotted)
    scope = scope_of(actor)
    if scope.kind == SCHOOL:
        if teacher.school_id != scope.school_id:
            raise PermissionDenied(_(ERR_NOT_OWN_SCHOOL))
        if subproject.program.county_id != scope.county_id:
            raise PermissionDenied
    elif scope.kind == COUNTY:
        if subproject.program.county_id != scope.county_id:
            raise PermissionDenied
    elif scope.kind != ALL:
        raise PermissionDenied
    if teacher.school.county_id != subproject.program.county_id:
        raise ValidationError(_(ERR_TEACHER_NOT_IN_COUNTY))


def _require_county_actor(actor: Any, enrolment: Enrolment) -> None:
    scope = scope_of(actor)
    if scope.kind == ALL:
        return
    if scope.kind != COUNTY:
        raise PermissionDenied
    program = enrolment.subproject.program
    # A city's or province's program: each county decides on its own teachers' places.
    county_id = enrolment.school.county_id if program.region_id else program.county_id
    if county_id != scope.county_id:
        raise PermissionDenied


def _lock(enrolment: Enrolment) -> Enrolment:
    return (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("subproject__program", "teacher", "school")
        .get(pk=enrolment.pk)
    )


def _transition(enrolment: Enrolment, allowed: tuple[str, ...]) -> None:
    if enrolment.status not in allowed:
        raise ValidationError(_(ERR_BAD_TRANSITION).format(status=enrolment.get_status_display()))


# Notices -----------------------------------------------------------------------------------------


def notice_build(
    *, enrolment: Enrolment, event: str, reason: str = "", first: dict[int, str] | None = None
) -> Notice:
    """An unsaved notice telling the enrolment's teacher about `event` (a key of NOTICE_TEXT).

    `first` caches the first-session line per sub-project for a batch, so a bulk action's notices
    cost one query for it, not one each."""
    kind, subject, body = NOTICE_TEXT[event]
    sub = enrolment.subproject
    values = {
        "program": sub.program.name,
        "sub": sub.name,
        "dates": _dates(sub),
        "reason": _("原因：{reason}").format(reason=reason) if reason else "",
    }
    asks = event in notices_module.ASKING_EVENTS
    if asks:
        first = {} if first is None else first
        if sub.pk not in first:
            first[sub.pk] = notices_module.first_session_text(sub)
        values["first"] = first[sub.pk]
    else:
        values["first"] = ""
    return Notice(
        teacher_id=enrolment.teacher_id,
        enrolment=enrolment,
        kind=kind,
        subject=_(subject).format(**values),
        body=_(body).format(**values),
        needs_response=asks,
    )


def notify(notices: list[Notice]) -> list[Notice]:
    """Store the notices now; e-mail and text them once the transaction that made the change commits."""
    notices_module.retire_open_questions(notices)
    created = Notice.objects.bulk_create(notices, batch_size=2000)
    ids = [n.pk for n in created]
    notices_send_later(emails=ids, texts=ids)
    return created


def notices_send_later(*, emails: list[int], texts: list[int]) -> None:
    """Queue the e-mail of the `emails` notices and the text message of the `texts` ones, a task per
    1,000, once the current transaction commits (each task skips a notice it cannot or need not send)."""
    from .tasks import send_notice_sms, send_notices

    for task, ids in ((send_notices, emails), (send_notice_sms, texts)):
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            transaction.on_commit(lambda task=task, chunk=chunk: task.delay(chunk))


def notices_email(*, notice_ids: list[int]) -> int:
    """E-mail stored notices not yet sent to teachers with an account e-mail; return how many were sent."""
    pending = (
        Notice.objects.filter(pk__in=notice_ids, emailed_at__isnull=True)
        .exclude(Q(teacher__user__isnull=True) | Q(teacher__user__email=""))
        .select_related("teacher__user")
    )
    sent = 0
    for notice in pending:
        send_mail(
            notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, [notice.teacher.user.email], fail_silently=False
        )
        # Marked one by one: if a later send fails and the task retries, nobody gets a mail twice.
        Notice.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


@transaction.atomic
def notices_mark_read(*, teacher: Teacher) -> int:
    return Notice.objects.filter(teacher=teacher, read_at__isnull=True).update(read_at=timezone.now())


# Enrolment changes -------------------------------------------------------------------------------


@transaction.atomic
def enrolment_nominate(*, subproject: SubProject, teacher: Teacher, actor: Any) -> Enrolment:
    """A coordinator nominates a teacher of their school within its quota; county staff any of their county."""
    # The row lock serialises nominations of one sub-project so two cannot both take the last place.
    subproject = SubProject.objects.select_for_update().select_related("program").get(pk=subproject.pk)
    teacher = Teacher.objects.select_related("school").get(pk=teacher.pk)
    _check_nominator(actor, subproject, teacher)
    _check_can_take_place(subproject, teacher)
    _check_places(actor, subproject, [teacher])
    with history_context(actor, "enrolment.nominate"):
        enrolment = Enrolment(
            subproject=subproject,
            teacher=teacher,
            school=teacher.school,
            status=Enrolment.Status.NOMINATED,
            created_by=_user(actor),
            changed_by=_user(actor),
        )
        enrolment.full_clean()
        enrolment.save()
    notify([notice_build(enrolment=enrolment, event="nominated")])
    return enrolment


def _change_status(enrolment: Enrolment, *, status: str, actor: Any, reason: str, action: str) -> Enrolment:
    enrolment.status = status
    enrolment.reason = reason
    enrolment.changed_by = _user(actor)
    with history_context(actor, action):
        enrolment.save(update_fields=["status", "reason", "changed_by", "changed_at"])
    return enrolment


@transaction.atomic
def enrolment_confirm(*, enrolment: Enrolment, actor: Any) -> Enrolment:
    enrolment = _lock(enrolment)
    _require_county_actor(actor, enrolment)
    _transition(enrolment, (Enrolment.Status.NOMINATED,))
    _change_status(enrolment, status=Enrolment.Status.CONFIRMED, actor=actor, reason="", action="enrolment.confirm")
    notify([notice_build(enrolment=enrolment, event="confirmed")])
    return enrolment


@transaction.atomic
def enrolment_reject(*, enrolment: Enrolment, actor: Any, reason: str = "") -> Enrolment:
    enrolment = _lock(enrolment)
    _require_county_actor(actor, enrolment)
    _transition(enrolment, (Enrolment.Status.NOMINATED,))
    _change_status(enrolment, status=Enrolment.Status.REJECTED, actor=actor, reason=reason, action="enrolment.reject")
    notify([notice_build(enrolment=enrolment, event="rejected", reason=reason)])
    return enrolment


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment, actor: Any, reason: str) -> Enrolment:
    if not reason.strip():
        raise ValidationError({"reason": _(ERR_REASON_REQUIRED)})
    enrolment = _lock(enrolment)
    _require_county_actor(actor, enrolment)
    _transition(enrolment, (Enrolment.Status.NOMINATED, Enrolment.Status.CONFIRMED))
    _change_status(
        enrolment, status=Enrolment.Status.WITHDRAWN, actor=actor, reason=reason.strip(), action="enrolment.withdraw"
    )
    notify([notice_build(enrolment=enrolment, event="withdrawn", reason=reason.strip())])
    return enrolment


@transaction.atomic
def enrolment_substitute(
    *, enrolment: Enrolment, replacement: Teacher, reason: str, actor: Any, nominated_too: bool = False
) -> Enrolment:
    """换人参训: the confirmed trainee steps down, `replacement` takes the place; both rows stay, linked.

    The place is handed over, so no quota is checked; the county may hand it to another school's teacher.
    `nominated_too` (a 换人 request answered before confirmation): a nomination is handed over too,
    and the replacement's place still awaits confirmation.
    """
    if not reason.strip():
        raise ValidationError({"reason": _(ERR_REASON_REQUIRED)})
    reason = reason.strip()
    enrolment = _lock(enrolment)
    _require_county_actor(actor, enrolment)
    handed_over = (
        (Enrolment.Status.CONFIRMED, Enrolment.Status.NOMINATED) if nominated_too else (Enrolment.Status.CONFIRMED,)
    )
    _transition(enrolment, handed_over)
    place_status = enrolment.status
    subproject = SubProject.objects.select_for_update().select_related("program").get(pk=enrolment.subproject_id)
    replacement = Teacher.objects.select_related("school").get(pk=replacement.pk)
    if replacement.pk == enrolment.teacher_id:
        raise ValidationError({"replacement": _(ERR_SAME_TEACHER)})
    # The place stays with its county: the county's own program, or the county a city allotted it to.
    place_county = enrolment.school.county_id if subproject.program.region_id else subproject.program.county_id
    if replacement.school.county_id != place_county:
        raise ValidationError({"replacement": _(ERR_TEACHER_NOT_IN_COUNTY)})
    try:
        _check_can_take_place(subproject, replacement)
    except ValidationError as exc:
        raise ValidationError({"replacement": exc.messages}) from exc
    _change_status(
        enrolment, status=Enrolment.Status.SUBSTITUTED, actor=actor, reason=reason, action="enrolment.substitute"
    )
    with history_context(actor, "enrolment.substitute"):
        new = Enrolment(
            subproject=subproject,
            teacher=replacement,
            school=replacement.school,
            status=place_status,
            replaces=enrolment,
            reason=reason,
            created_by=_user(actor),
            changed_by=_user(actor),
        )
        new.full_clean()
        new.save()
    notify(
        [
            notice_build(enrolment=enrolment, event="substituted", reason=reason),
            notice_build(
                enrolment=new,
                event="replacement" if place_status == Enrolment.Status.CONFIRMED else "nominated",
                reason=reason,
            ),
        ]
    )
    return new


# Substitution requests (换人申请) ----------------------------------------------------------------


@transaction.atomic
def substitution_request_create(
    *, enrolment: Enrolment, source: str, reason: str, actor: Any, replacement: Teacher | None = None
) -> SubstitutionRequest:
    """Ask county staff to replace a trainee; who may ask (the teacher, their coordinator) is the caller's check."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _(ERR_REASON_REQUIRED)})
    enrolment = _lock(enrolment)
    if enrolment.status not in (Enrolment.Status.NOMINATED, Enrolment.Status.CONFIRMED):
        raise ValidationError(_(ERR_REQUEST_NOT_ACTIVE))
    if SubstitutionRequest.objects.filter(enrolment=enrolment, status=SubstitutionRequest.Status.PENDING).exists():
        raise ValidationError(_(ERR_REQUEST_PENDING))
    request = SubstitutionRequest(
        enrolment=enrolment, source=source, reason=reason, replacement=replacement, requested_by=_user(actor)
    )
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def substitution_request_decide(
    *,
    request: SubstitutionRequest,
    approve: bool,
    actor: Any,
    replacement: Teacher | None = None,
    note: str = "",
) -> SubstitutionRequest:
    """County staff decide on a 换人 request: approved, the trainee is substituted (by `replacement`,
    or the one proposed) through `enrolment_substitute`; declined, the reason is kept."""
    note = (note or "").strip()
    request = (
        SubstitutionRequest.objects.select_for_update(of=("self",))
        .select_related("enrolment__subproject__program", "enrolment__school", "replacement")
        .get(pk=request.pk)
    )
    _require_county_actor(actor, request.enrolment)
    if request.status != SubstitutionRequest.Status.PENDING:
        raise ValidationError(_(ERR_REQUEST_DECIDED))
    if approve:
        replacement = replacement or request.replacement
        if replacement is None:
            raise ValidationError({"replacement": _(ERR_REPLACEMENT_REQUIRED)})
        request.result = enrolment_substitute(
            enrolment=request.enrolment, replacement=replacement, reason=request.reason, actor=actor, nominated_too=True
        )
        request.replacement = replacement
        request.status = SubstitutionRequest.Status.APPROVED
    else:
        if not note:
            raise ValidationError({"note": _(ERR_DECLINE_REASON)})
        request.status = SubstitutionRequest.Status.DECLINED
    request.decided_by = _user(actor)
    request.decided_at = timezone.now()
    request.decision_note = note
    request.full_clean(exclude=["enrolment", "requested_by", "decided_by", "result", "replacement"])
    request.save(update_fields=["status", "replacement", "result", "decided_by", "decided_at", "decision_note"])
    return request


# Bulk enrolment work (one transaction and a fixed number of queries however many rows) ---------


def _row_errors(errors: list[tuple[str, str]]) -> None:
    """Refuse the whole batch, naming every row that failed and why."""
    if errors:
        raise ValidationError([_(ERR_ROW).format(name=name, message=message) for name, message in errors])


def _nomination_errors(actor: Any, subproject: SubProject, teachers: list[Teacher]) -> list[tuple[str, str]]:
    allotted = _allotted_counties(subproject) if subproject.program.region_id else None
    errors: list[tuple[str, str]] = []
    for teacher in teachers:
        try:
            _check_nominator(actor, subproject, teacher, allotted)
        except ValidationError as exc:
            errors.append((teacher.name, " ".join(exc.messages)))
    taken = set(
        Enrolment.objects.filter(subproject=subproject, teacher__in=teachers, status__in=Enrolment.ACTIVE).values_list(
            "teacher_id", flat=True
        )
    )
    clashes = overlap_conflicts(teacher_ids=[t.pk for t in teachers], subproject=subproject)
    for teacher in teachers:
        if teacher.pk in taken:
            errors.append((teacher.name, _(ERR_DUPLICATE)))
        elif teacher.pk in clashes:
            errors.append((teacher.name, overlap_message(clashes[teacher.pk])))
    return errors


def _check_places(actor: Any, subproject: SubProject, teachers: Sequence[Teacher]) -> None:
    """The quota rule of every nomination, one teacher or a batch: at each level (the sub-project, the
    county a city or province allotted places to, the coordinator's school) the teachers chosen must
    fit in the places left. The county may place teachers beyond the school quotas it set."""
    chosen = len(teachers)
    if subproject.quota:
        _fit(
            chosen,
            quota=subproject.quota,
            used=_active_count(subproject),
            full=ERR_SUBPROJECT_FULL,
            short=ERR_SUBPROJECT_PLACES_LEFT,
        )
    if subproject.program.region_id:
        # The places a city or province allots a county bind the county's staff too.
        county_ids = sorted({t.school.county_id for t in teachers})
        quotas = dict(
            CountyQuota.objects.filter(subproject=subproject, county_id__in=county_ids).values_list(
                "county_id", "quota"
            )
        )
        used = dict(
            Enrolment.objects.filter(
                subproject=subproject, status__in=Enrolment.ACTIVE, school__county_id__in=county_ids
            )
            .values_list("school__county_id")
            .annotate(n=Count("pk"))
            .values_list("school__county_id", "n")
        )
        for county_id in county_ids:
            if not quotas.get(county_id):
                raise ValidationError(_(ERR_NO_COUNTY_QUOTA))
            _fit(
                sum(1 for t in teachers if t.school.county_id == county_id),
                quota=quotas[county_id],
                used=used.get(county_id, 0),
                full=ERR_COUNTY_QUOTA_FULL,
                short=ERR_COUNTY_PLACES_LEFT,
            )
    scope = scope_of(actor)
    if scope.kind != SCHOOL:
        return
    quota = (
        SchoolQuota.objects.filter(subproject=subproject, school_id=scope.school_id)
        .values_list("quota", flat=True)
        .first()
    )
    if not quota:
        raise ValidationError(_(ERR_NO_SCHOOL_QUOTA))
    used = Enrolment.objects.filter(subproject=subproject, school_id=scope.school_id, status__in=Enrolment.ACTIVE)
    _fit(chosen, quota=quota, used=used.count(), full=ERR_SCHOOL_QUOTA_FULL, short=ERR_SCHOOL_PLACES_LEFT)


def _fit(chosen: int, *, quota: int, used: int, full: str, short: str) -> None:
    """`chosen` more places within `quota` of which `used` are taken: none left says the quota is used
    up (whoever asks, one or many); some left says how many, against how many were chosen."""
    left = quota - used
    if chosen <= left:
        return
    if left <= 0:
        raise ValidationError(_(full).format(quota=quota))
    raise ValidationError(_(short).format(left=left, chosen=chosen))


@transaction.atomic
def enrolments_nominate(*, subproject: SubProject, teachers: Sequence[Teacher], actor: Any) -> list[Enrolment]:
    """Nominate several teachers at once under the rules of `enrolment_nominate`: all or none."""
    if not teachers:
        raise ValidationError(_(ERR_NONE_SELECTED))
    subproject = SubProject.objects.select_for_update().select_related("program").get(pk=subproject.pk)
    teachers = list(
        Teacher.objects.filter(pk__in=[t.pk for t in teachers]).select_related("school").order_by("name", "pk")
    )
    _row_errors(_nomination_errors(actor, subproject, teachers))
    _check_places(actor, subproject, teachers)
    rows = [
        Enrolment(
            subproject=subproject,
            teacher=teacher,
            school=teacher.school,
            status=Enrolment.Status.NOMINATED,
            created_by=_user(actor),
            changed_by=_user(actor),
        )
        for teacher in teachers
    ]
    for row in rows:
        # The related rows are loaded and the uniqueness rules were checked for the whole batch above;
        # per-row lookups here would cost a query each.
        row.full_clean(
            exclude=["subproject", "teacher", "school", "created_by", "changed_by", "replaces"],
            validate_unique=False,
            validate_constraints=False,
        )
    with history_context(actor, "enrolment.nominate"):
        created = Enrolment.objects.bulk_create(rows)
    first: dict[int, str] = {}
    notify([notice_build(enrolment=e, event="nominated", first=first) for e in created])
    return created


def _lock_many(enrolments: Sequence[Enrolment]) -> list[Enrolment]:
    return list(
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("subproject__program", "teacher", "school")
        .filter(pk__in=[e.pk for e in enrolments])
        .order_by("pk")
    )


def _change_many(
    enrolments: list[Enrolment], *, status: str, actor: Any, reason: str, action: str, event: str
) -> list[Enrolment]:
    now = timezone.now()
    with history_context(actor, action):
        Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).update(
            status=status, reason=reason, changed_by=_user(actor), changed_at=now
        )
    for enrolment in enrolments:
        enrolment.status, enrolment.reason, enrolment.changed_at = status, reason, now
    first: dict[int, str] = {}
    notify([notice_build(enrolment=e, event=event, reason=reason, first=first) for e in enrolments])
    return enrolments


def _decide_many(enrolments: Sequence[Enrolment], actor: Any, allowed: tuple[str, ...]) -> list[Enrolment]:
    if not enrolments:
        raise ValidationError(_(ERR_NONE_SELECTED))
    locked = _lock_many(enrolments)
    errors = []
    for enrolment in locked:
        _require_county_actor(actor, enrolment)
        try:
            _transition(enrolment, allowed)
        except ValidationError as exc:
            errors.append((enrolment.teacher.name, " ".join(exc.messages)))
    _row_errors(errors)
    return locked


@transaction.atomic
def enrolments_confirm(*, enrolments: Sequence[Enrolment], actor: Any) -> list[Enrolment]:
    """County staff confirm several nominations at once: all or none."""
    locked = _decide_many(enrolments, actor, (Enrolment.Status.NOMINATED,))
    return _change_many(
        locked, status=Enrolment.Status.CONFIRMED, actor=actor, reason="", action="enrolment.confirm", event="confirmed"
    )


@transaction.atomic
def enrolments_reject(*, enrolments: Sequence[Enrolment], actor: Any, reason: str) -> list[Enrolment]:
    """County staff refuse several nominations at once, with one reason told to each teacher."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _(ERR_REASON_REQUIRED)})
    locked = _decide_many(enrolments, actor, (Enrolment.Status.NOMINATED,))
    return _change_many(
        locked,
        status=Enrolment.Status.REJECTED,
        actor=actor,
        reason=reason,
        action="enrolment.reject",
        event="rejected",
    )


@transaction.atomic
def nominations_withdraw(*, enrolments: Sequence[Enrolment], actor: Any, reason: str = "") -> list[Enrolment]:
    """A coordinator takes back their school's nominations not yet confirmed (the place is freed)."""
    if not enrolments:
        raise ValidationError(_(ERR_NONE_SELECTED))
    reason = (reason or "").strip()[:200]
    scope = scope_of(actor)
    locked = _lock_many(enrolments)
    errors = []
    for enrolment in locked:
        if scope.kind == SCHOOL and enrolment.school_id != scope.school_id:
            raise PermissionDenied(_(ERR_NOT_OWN_NOMINEE))
        if scope.kind != SCHOOL:
            _require_county_actor(actor, enrolment)
        if enrolment.status != Enrolment.Status.NOMINATED:
            errors.append((enrolment.teacher.name, _(ERR_NOT_OWN_NOMINEE)))
    _row_errors(errors)
    return _change_many(
        locked,
        status=Enrolment.Status.WITHDRAWN,
        actor=actor,
        reason=reason,
        action="enrolment.withdraw_nomination",
        event="withdrawn",
    )
