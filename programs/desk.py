"""What waits for a user in programs: nominations to confirm, quotas to fill, notices to answer,
the next sessions. One query per kind, each scoped through core.scoping (see desk.selectors)."""

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from core.scoping import ALL, COUNTY, REGION, SCHOOL, SELF, scope_of, visible
from desk.items import Entry, EntryList, Figure, Section, list_url

from .models import Enrolment, Notice, Program, SchoolQuota, Session, SubstitutionRequest

# Staff are told about trainees who have not acknowledged a notice when their training starts this soon.
ACK_WARNING_DAYS = 14
NEXT_SESSIONS = 5
# Places whose notice may still be answered (a refused or withdrawn place asks nothing any more).
AWAITING_ANSWER = (Enrolment.Status.NOMINATED, Enrolment.Status.CONFIRMED)
ENROLMENT_PATHS = {"county": "subproject__program__county", "school": "school", "teacher": "teacher"}


def pending_notice() -> Exists:
    """The enrolment has a notice that asks for an answer and has none yet."""
    return Exists(Notice.objects.filter(enrolment_id=OuterRef("pk"), needs_response=True, response=""))


def starts_within(today: dt.date, days: int) -> Exists:
    """The enrolment's sub-project has a session between today and `days` days from now."""
    return Exists(
        Session.objects.filter(
            subproject_id=OuterRef("subproject_id"), date__gte=today, date__lte=today + dt.timedelta(days=days)
        )
    )


def not_ended(today: dt.date) -> Q:
    return Q(subproject__end_date__isnull=True) | Q(subproject__end_date__gte=today)


def _trainees_url(**params: Any) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{reverse('school_trainees')}?{query}"


def _county_figures(user: Any, today: dt.date) -> list[Figure]:
    # One query: nominations waiting, 换人 requests waiting (at most one pending per enrolment, so
    # enrolments with one count the requests), and trainees placed on a training that starts within
    # 14 days who have not acknowledged its notice.
    pending_substitution = Exists(
        SubstitutionRequest.objects.filter(enrolment_id=OuterRef("pk"), status=SubstitutionRequest.Status.PENDING)
    )
    counts = visible(Enrolment.objects.all(), user, **ENROLMENT_PATHS).aggregate(
        nominated=Count("pk", filter=Q(status=Enrolment.Status.NOMINATED)),
        substitutions=Count("pk", filter=Q(pending_substitution)),
        unanswered=Count(
            "pk",
            filter=Q(status__in=AWAITING_ANSWER) & Q(pending_notice()) & Q(starts_within(today, ACK_WARNING_DAYS)),
        ),
    )
    return [
        Figure("nominations", _("项提名待确认"), counts["nominated"], reverse("nominations_decide")),
        Figure("substitutions", _("项换人申请待处理"), counts["substitutions"], reverse("substitution_request_list")),
        Figure(
            "unacknowledged",
            _("名学员未确认参训通知（{days} 天内开训）").format(days=ACK_WARNING_DAYS),
            counts["unanswered"],
            _trainees_url(ack="pending", starts_within=ACK_WARNING_DAYS),
        ),
    ]


def _school_section(user: Any, today: dt.date, title: str) -> Section:
    scope = scope_of(user)
    counts = visible(Enrolment.objects.filter(not_ended(today)), user, **ENROLMENT_PATHS).aggregate(
        rejected=Count("pk", filter=Q(status=Enrolment.Status.REJECTED)),
        unanswered=Count("pk", filter=Q(status__in=AWAITING_ANSWER) & Q(pending_notice())),
    )
    # Quotas of this school on sub-projects not yet started, with places left (one query).
    used = (
        Enrolment.objects.filter(
            subproject_id=OuterRef("subproject_id"), school_id=scope.school_id, status__in=Enrolment.ACTIVE
        )
        .order_by()
        .values("subproject_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    quotas = (
        SchoolQuota.objects.filter(school_id=scope.school_id)
        .filter(Q(subproject__start_date__isnull=True) | Q(subproject__start_date__gte=today))
        .exclude(subproject__program__status=Program.Status.FINISHED)
        .annotate(used=Coalesce(Subquery(used, output_field=IntegerField()), Value(0)))
        .filter(quota__gt=F("used"))
        .select_related("subproject__program")
        .order_by("subproject__start_date", "subproject__name", "pk")
    )
    entries = [
        Entry(
            title=f"{q.subproject.program.name} · {q.subproject.name}",
            url=reverse("enrolment_nominate_many", args=[q.subproject_id]),
            detail=_("剩余 {left} / {quota} 个名额").format(left=q.quota - q.used, quota=q.quota),
            when=q.subproject.start_date,
        )
        for q in quotas
    ]
    return Section(
        "programs",
        title,
        figures=[
            Figure("quotas", _("个项目有本校名额待提名"), len(entries), list_url("quotas", entries)),
            Figure(
                "rejected",
                _("项提名未通过"),
                counts["rejected"],
                _trainees_url(status="rejected", current=1),
            ),
            Figure(
                "unacknowledged",
                _("名本校教师未确认参训通知"),
                counts["unanswered"],
                _trainees_url(ack="pending", current=1),
            ),
        ],
        lists=[EntryList("quotas", _("分配给本校的名额"), entries, _("暂无待提名的名额"))],
    )


def _teacher_section(user: Any, today: dt.date, title: str) -> Section:
    mine = visible(Enrolment.objects.filter(status__in=Enrolment.ACTIVE), user, teacher="teacher")
    sessions = (
        Session.objects.filter(subproject_id__in=mine.values("subproject_id"), date__gte=today)
        .select_related("subproject")
        .order_by("date", "start_time", "pk")[:NEXT_SESSIONS]
    )
    entries = [
        Entry(
            title=f"{s.subproject.name}{' · ' + s.title if s.title else ''}",
            url=f"{reverse('desk_calendar_week')}?week={s.date:%Y-%m-%d}",
            detail=f"{s.start_time:%H:%M}–{s.end_time:%H:%M} {s.place or _('地点待定')}",
            when=s.date,
        )
        for s in sessions
    ]
    unanswered = visible(Notice.objects.filter(needs_response=True, response=""), user, teacher="teacher").count()
    return Section(
        "programs",
        title,
        figures=[Figure("notices", _("条通知待确认"), unanswered, f"{reverse('my_enrolments')}#notices")],
        lists=[EntryList("sessions", _("接下来的培训"), entries, _("近期没有培训安排"))],
    )


def _region_figures(user: Any, today: dt.date) -> list[Figure]:
    rows = (
        visible(Enrolment.objects.all(), user, **ENROLMENT_PATHS)
        .values("subproject__program__county_id")
        .annotate(
            nominated=Count("pk", filter=Q(status=Enrolment.Status.NOMINATED)),
            trainees=Count("pk", filter=Q(status__in=Enrolment.PARTICIPATING, subproject__program__year=today.year)),
        )
        .order_by()
    )
    nominated = {r["subproject__program__county_id"]: r["nominated"] for r in rows}
    trainees = {r["subproject__program__county_id"]: r["trainees"] for r in rows}
    url = "#desk-counties"  # the table of counties on the home page
    return [
        Figure("trainees", _("本年度参训人次"), sum(trainees.values()), url, per_county=trainees),
        Figure("nominations", _("待县里确认的提名"), sum(nominated.values()), url, per_county=nominated),
    ]


def waiting(*, user: Any, today: dt.date) -> Section:
    """What waits for `user` in programs, as one section of the home page."""
    kind = scope_of(user).kind
    title = _("培训项目")
    if kind in (ALL, COUNTY):
        return Section("programs", title, figures=_county_figures(user, today))
    if kind == SCHOOL:
        return _school_section(user, today, title)
    if kind == SELF:
        return _teacher_section(user, today, title)
    if kind == REGION:
        return Section("programs", title, figures=_region_figures(user, today))
    return Section("programs", title)


def calendar_sessions(*, user: Any, start: dt.date, end: dt.date) -> QuerySet[Session]:
    """Sessions between `start` and `end` (inclusive) that the user is involved in: county staff
    their county's (offices above the county their counties'), coordinators those their school's
    trainees attend, teachers their own."""
    scope = scope_of(user)
    qs = Session.objects.filter(date__gte=start, date__lte=end)
    if scope.kind == SCHOOL:
        ours = Enrolment.objects.filter(
            subproject_id=OuterRef("subproject_id"), school_id=scope.school_id, status__in=Enrolment.ACTIVE
        )
        qs = visible(qs.filter(Exists(ours)), user, county="subproject__program__county", school_sees_county=True)
    elif scope.kind == SELF:
        mine = visible(Enrolment.objects.filter(status__in=Enrolment.ACTIVE), user, teacher="teacher")
        qs = qs.filter(subproject_id__in=mine.values("subproject_id"))
    else:
        qs = visible(qs, user, county="subproject__program__county")
    return qs.select_related("subproject__program", "host_school").order_by("date", "start_time", "pk")
