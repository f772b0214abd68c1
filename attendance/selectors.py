"""Every read of attendance a view, export or another app needs. User-facing reads are scoped
through core.scoping; the participation-rate helpers take a sub-project the caller already scoped."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from core.scoping import SCHOOL, scope_of, visible
from programs.models import Enrolment, Session
from trainees.models import School, Teacher

from .models import ATTENDED, AttendanceChange, AttendanceRecord, AttendanceSheet, Status

SESSION_COUNTY = "subproject__program__county"
ENROLMENT_PATHS = {"county": "school__county", "school": "school"}
# Sessions of a city's or province's program: each county it allots places to records its own trainees.
REGION_SESSION_PATHS = {"region": "subproject__program__region", "allotted": "subproject__county_quotas__county"}
RATE_PLACES = Decimal("0.0001")


def session_queryset(*, user: Any) -> QuerySet[Session]:
    """Sessions of the user's county; a coordinator sees those where their school has trainees."""
    qs = visible(Session.objects.all(), user, county=SESSION_COUNTY, school_sees_county=True, **REGION_SESSION_PATHS)
    scope = scope_of(user)
    if scope.kind == SCHOOL:
        # EXISTS rather than a join through enrolments: no duplicate rows, no DISTINCT over them.
        qs = qs.filter(
            Exists(Enrolment.objects.filter(subproject_id=OuterRef("subproject_id"), school_id=scope.school_id))
        )
    return qs


# `?when=` of the session list, each what a figure of the home page counts (see attendance.desk).
WHEN_TODAY = "today"
WHEN_TODO_TODAY = "todo_today"  # today, with some of the user's trainees not yet recorded
# Past sessions: for county staff, nothing recorded at all; for coordinators, some of their trainees
# unrecorded in a session they may still change (not yet locked).
WHEN_UNTAKEN = "untaken"
WHEN_CHOICES = (WHEN_TODAY, WHEN_TODO_TODAY, WHEN_UNTAKEN)


def _trainees_unrecorded(user: Any) -> Exists:
    """Some trainee of the session whom the user records attendance for has no record of it."""
    trainees = visible(
        Enrolment.objects.filter(subproject_id=OuterRef("subproject_id"), status__in=Enrolment.PARTICIPATING),
        user,
        **ENROLMENT_PATHS,
    )
    return Exists(
        trainees.filter(
            ~Exists(AttendanceRecord.objects.filter(session_id=OuterRef(OuterRef("pk")), enrolment_id=OuterRef("pk")))
        )
    )


def never_taken() -> Q:
    """A past session's attendance was never taken: it has trainees and not one record."""
    return Q(
        Exists(Enrolment.objects.filter(subproject_id=OuterRef("subproject_id"), status__in=Enrolment.PARTICIPATING))
    ) & ~Q(Exists(AttendanceRecord.objects.filter(session_id=OuterRef("pk"))))


def sessions_when(qs: QuerySet[Session], *, user: Any, when: str, today: dt.date) -> QuerySet[Session]:
    if when == WHEN_TODAY:
        return qs.filter(date=today)
    if when == WHEN_TODO_TODAY:
        return qs.filter(_trainees_unrecorded(user), date=today)
    if when == WHEN_UNTAKEN:
        if scope_of(user).kind == SCHOOL:
            since = today - dt.timedelta(days=settings.ATTENDANCE_LOCK_DAYS)
            return qs.filter(_trainees_unrecorded(user), date__lt=today, date__gte=since)
        return qs.filter(never_taken(), date__lt=today)
    return qs


def session_list(*, user: Any, when: str = "") -> QuerySet[Session]:
    qs = session_queryset(user=user).select_related("subproject", "subproject__program")
    if when in WHEN_CHOICES:
        qs = sessions_when(qs, user=user, when=when, today=timezone.localdate())
    return qs.order_by("-date", "-pk")


def session_get(*, user: Any, pk: Any, for_display: bool = True) -> Session:
    """The session if the user may see it (404 otherwise); `for_display` also reads what its pages
    show, which a save does not need."""
    try:
        qs = session_queryset(user=user).filter(pk=int(pk)).order_by()
        if for_display:
            qs = qs.select_related("subproject", "subproject__program", "subproject__program__county").annotate(
                sheet_version=Coalesce(F("attendance_sheet__version"), 0)
            )
        session = qs.first()
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if session is None:
        raise Http404
    return session


def grid_enrolments(*, user: Any, session: Session, school_id: int | None = None) -> QuerySet[Enrolment]:
    """The confirmed or completed trainees of the session that the user records attendance for."""
    qs = visible(
        Enrolment.objects.filter(subproject_id=session.subproject_id, status__in=Enrolment.PARTICIPATING),
        user,
        **ENROLMENT_PATHS,
    )
    if school_id is not None:
        qs = qs.filter(school_id=school_id)
    return qs


def grid_records(*, user: Any, session: Session) -> dict[int, tuple[int, str, str] | None]:
    """Every enrolment of the user's grid, with (record id, status, note) of its record if any.

    One query answers both what a save may touch (the keys) and what it would change (the values).
    """
    rows = (
        grid_enrolments(user=user, session=session)
        .annotate(rec=FilteredRelation("attendance", condition=Q(attendance__session_id=session.pk)))
        .order_by()  # Enrolment's default ordering would join four tables only to sort
        .values_list("pk", "rec__id", "rec__status", "rec__note")
    )
    return {pk: (record_id, status, note) if record_id else None for pk, record_id, status, note in rows}


def grid_school(*, user: Any, session: Session, school_id: Any) -> School | None:
    """The school a county user filters the grid by; a coordinator may not name another school (404)."""
    if school_id in (None, ""):
        return None
    scope = scope_of(user)
    try:
        school_id = int(school_id)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if scope.kind == SCHOOL and school_id != scope.school_id:
        raise Http404
    school = visible(School.objects.all(), user, county="county", school="pk").filter(pk=school_id).first()
    if school is None:
        raise Http404
    return school


def grid_schools(*, user: Any, session: Session) -> QuerySet[School]:
    """Schools with trainees in the session, for the county staff's school filter."""
    ids = grid_enrolments(user=user, session=session).values("school_id")
    return School.objects.filter(pk__in=ids).order_by("code")


@dataclass(slots=True)
class GridRow:
    enrolment_id: int
    teacher_id: int
    name: str
    id_number: str
    school_name: str
    status: str  # "" when nothing is recorded yet
    note: str
    source: str
    updated_at: Any
    updated_by: str
    scanned_at: Any = None


def grid_rows(*, user: Any, session: Session, school_id: int | None = None) -> list[GridRow]:
    """The grid in one query: trainees joined with this session's record (plain values, no models:
    building 1,500 model instances cost more than the query itself for a 300-trainee session)."""
    rows = (
        grid_enrolments(user=user, session=session, school_id=school_id)
        .annotate(rec=FilteredRelation("attendance", condition=Q(attendance__session_id=session.pk)))
        .order_by("school__code", "teacher__name", "pk")
        .values_list(
            "pk",
            "teacher_id",
            "teacher__name",
            "teacher__id_number",
            "school__name",
            "rec__status",
            "rec__note",
            "rec__source",
            "rec__updated_at",
            "rec__updated_by__display_name",
            "rec__updated_by__username",
            "rec__scanned_at",
        )
    )
    return [
        GridRow(
            pk, teacher, name, number, school, status or "", note or "", source or "", at, shown or login or "", scan
        )
        for pk, teacher, name, number, school, status, note, source, at, shown, login, scan in rows
    ]


def sheet_version(*, session: Session) -> int:
    """The revision the grid is loaded at (read with the session by `session_get`, when it was)."""
    if hasattr(session, "sheet_version"):
        return session.sheet_version
    return AttendanceSheet.objects.filter(session=session).values_list("version", flat=True).first() or 0


def sheet_get(*, session: Session) -> AttendanceSheet | None:
    return AttendanceSheet.objects.filter(session=session).first()


def checkin_session(*, code: str, now: Any = None) -> Session | None:
    """The session a QR code opens, if its signature is ours, its token current and its interval
    the current one or the one before (a photographed code stops working within a minute)."""
    from .services import QR_SALT, qr_fresh

    try:
        payload = signing.loads(code, salt=QR_SALT)
        session_id, token, interval = int(payload["s"]), str(payload["t"]), int(payload["i"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if not token or not qr_fresh(interval, now):
        return None
    sheet = (
        AttendanceSheet.objects.select_related("session", "session__subproject")
        .filter(session_id=session_id, qr_token=token)
        .first()
    )
    return sheet.session if sheet else None


def typed_session(*, code: str, now: Any = None) -> Session | None:
    """The open session whose six-digit code this is, now or one interval ago (None if none or
    ambiguous). Only sessions held today with check-in opened are tried: a handful at a time."""
    from .services import qr_interval, session_window, typed_code_for

    code = (code or "").strip()
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    now = now or timezone.now()
    today = timezone.localdate(now)
    sheets = (
        AttendanceSheet.objects.select_related("session", "session__subproject")
        .filter(session__date__gte=today - dt.timedelta(days=1), session__date__lte=today + dt.timedelta(days=1))
        .exclude(qr_token="")
    )
    interval = qr_interval(now)
    found = [
        sheet.session
        for sheet in sheets
        if code in (typed_code_for(sheet, interval=interval), typed_code_for(sheet, interval=interval - 1))
        and session_window(sheet.session)[0] <= now <= session_window(sheet.session)[1]
    ]
    return found[0] if len(found) == 1 else None


@dataclass(slots=True)
class CheckIn:
    name: str
    school_name: str
    scanned_at: Any
    status: str  # the record's status: a scan beside a person's mark keeps that mark


def checkins(*, user: Any, session: Session) -> tuple[int, list[CheckIn]]:
    """The user's trainees of the session and those who scanned in, newest first (one query)."""
    rows = list(
        grid_enrolments(user=user, session=session)
        .annotate(rec=FilteredRelation("attendance", condition=Q(attendance__session_id=session.pk)))
        .order_by(F("rec__scanned_at").desc(nulls_last=True), "pk")
        .values_list("teacher__name", "school__name", "rec__scanned_at", "rec__status")
    )
    return len(rows), [CheckIn(name, school, at, status) for name, school, at, status in rows if at is not None]


def _rate(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES)


def session_summary(*, user: Any, session: Session) -> list[dict[str, Any]]:
    """Per school: enrolled, each status, unrecorded and the attendance rate, in one grouped query."""
    qs = (
        grid_enrolments(user=user, session=session)
        .annotate(rec=FilteredRelation("attendance", condition=Q(attendance__session_id=session.pk)))
        .values("school_id", "school__name", "school__code")
        .annotate(
            enrolled=Count("pk"),
            **{s.value: Count("rec", filter=Q(rec__status=s.value)) for s in Status},
            attended=Count("rec", filter=Q(rec__status__in=ATTENDED)),
            recorded=Count("rec"),
        )
        .order_by("school__code")
    )
    rows = list(qs)
    for row in rows:
        row["unrecorded"] = row["enrolled"] - row["recorded"]
        row["rate"] = _rate(row["attended"], row["enrolled"])
    return rows


def summary_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("enrolled", *Status.values, "attended", "recorded", "unrecorded")
    totals = {key: sum(row[key] for row in rows) for key in keys}
    totals["rate"] = _rate(totals["attended"], totals["enrolled"])
    return totals


# A teacher's record


def teacher_records(*, teacher: Teacher) -> QuerySet[AttendanceRecord]:
    return (
        AttendanceRecord.objects.filter(enrolment__teacher=teacher)
        .select_related("session", "session__subproject", "session__subproject__program", "updated_by")
        .order_by("-session__date", "-session__start_time", "-pk")
    )


def teacher_changes(*, teacher: Teacher) -> QuerySet[AttendanceChange]:
    return (
        AttendanceChange.objects.filter(enrolment__teacher=teacher)
        .select_related("session", "session__subproject", "changed_by")
        .order_by("-changed_at", "-pk")
    )


# Participation rate 参训率, for assessment and reports (aggregated in SQL).


def _session_counts(subproject_ids: list[int]) -> dict[int, int]:
    return dict(
        Session.objects.filter(subproject_id__in=subproject_ids)
        .values("subproject_id")
        .annotate(n=Count("pk"))
        .values_list("subproject_id", "n")
    )


def _attended_in_own_subproject() -> Q:
    # A record counts when the trainee was there, for a session of the enrolment's own sub-project.
    return Q(attendance__status__in=ATTENDED, attendance__session__subproject_id=F("subproject_id"))


def attendance_rate_by_enrolment(*, subproject_id: int) -> dict[int, Decimal]:
    """Per confirmed or completed enrolment: sessions attended ÷ sessions of the sub-project (0–1)."""
    sessions = _session_counts([subproject_id]).get(subproject_id, 0)
    rows = (
        Enrolment.objects.filter(subproject_id=subproject_id, status__in=Enrolment.PARTICIPATING)
        .annotate(attended=Count("attendance", filter=_attended_in_own_subproject()))
        .values_list("pk", "attended")
    )
    return {pk: _rate(attended, sessions) for pk, attended in rows}


def _participation(rows: list[dict[str, Any]], sessions: int) -> list[dict[str, Any]]:
    for row in rows:
        row["sessions"] = sessions
        row["participation_rate"] = _rate(row["attended_trainees"], row["enrolled"])
        row["attendance_rate"] = _rate(row["attended_sessions"], row["enrolled"] * sessions)
    return rows


def _aggregates() -> dict[str, Any]:
    attended = _attended_in_own_subproject()
    return {
        "enrolled": Count("pk", distinct=True),
        "attended_trainees": Count("pk", distinct=True, filter=attended),
        "attended_sessions": Count("attendance", filter=attended),
    }


def participation_by_school(*, subproject_id: int) -> list[dict[str, Any]]:
    """Per school: enrolled, trainees who attended at least once, person-sessions attended,
    参训率 (attended trainees ÷ enrolled) and 到训率 (person-sessions ÷ enrolled × sessions)."""
    sessions = _session_counts([subproject_id]).get(subproject_id, 0)
    rows = list(
        Enrolment.objects.filter(subproject_id=subproject_id, status__in=Enrolment.PARTICIPATING)
        .values("school_id", "school__name", "school__code")
        .annotate(**_aggregates())
        .order_by("school__code")
    )
    return _participation(rows, sessions)


def participation_by_subproject(*, subproject_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The same measures per sub-project, keyed by sub-project id."""
    counts = _session_counts(subproject_ids)
    rows = (
        Enrolment.objects.filter(subproject_id__in=subproject_ids, status__in=Enrolment.PARTICIPATING)
        .values("subproject_id")
        .annotate(**_aggregates())
        .order_by("subproject_id")
    )
    return {row["subproject_id"]: _participation([row], counts.get(row["subproject_id"], 0))[0] for row in rows}
