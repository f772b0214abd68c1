"""Every write to attendance. The grid, QR check-in and the Excel import all go through `_write_rows`,
so each change is audited and bumps the session's revision the same way."""

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.scoping import is_county_level
from programs.models import Enrolment, Session

from . import selectors
from .models import AttendanceChange, AttendanceRecord, AttendanceSheet, Status

ERR_LOCKED = "考勤已锁定（活动结束已超过 {days} 天），只有县级工作人员可以修改"
ERR_REASON_REQUIRED = "考勤已锁定，修改必须填写原因"
ERR_BAD_STATUS = "出勤状态无效"
ERR_NOTE_TOO_LONG = "备注不能超过 200 个字"
ERR_QR_NEUTRAL = "信息不匹配，请核对姓名和身份证号后六位"
ERR_QR_CLOSED = "当前不在签到时间内"
ERR_QR_ALREADY = "已签到，无需重复签到"
ERR_QR_RATE_LIMITED = "尝试次数过多，请稍后再试"

QR_SALT = "attendance.qr-checkin"
NOTE_MAX = 200


def lock_days() -> int:
    return settings.ATTENDANCE_LOCK_DAYS


def qr_margin() -> dt.timedelta:
    return dt.timedelta(minutes=settings.ATTENDANCE_QR_MARGIN_MINUTES)


def qr_limits() -> tuple[int, int, int]:
    """(failures per IP, failures per session, window seconds) before QR check-in refuses attempts."""
    return (
        settings.ATTENDANCE_QR_IP_FAILURES,
        settings.ATTENDANCE_QR_SESSION_FAILURES,
        settings.ATTENDANCE_QR_WINDOW_SECONDS,
    )


def session_is_locked(session: Session, *, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return today > session.date + dt.timedelta(days=lock_days())


def session_window(session: Session) -> tuple[dt.datetime, dt.datetime]:
    """When QR check-in is open: the session's own times widened by the configured margin."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(session.date, session.start_time, tzinfo=tz)
    end = dt.datetime.combine(session.date, session.end_time, tzinfo=tz)
    return start - qr_margin(), end + qr_margin()


@dataclass(frozen=True)
class RowInput:
    enrolment_id: int
    status: str
    note: str = ""


@dataclass
class SaveResult:
    saved: bool
    version: int
    changed: int = 0
    conflicts: list[AttendanceChange] = field(default_factory=list)


def _actor(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def _lock_sheet(session: Session) -> AttendanceSheet:
    """Create the session's sheet if needed and lock it: every writer of the session queues here."""
    AttendanceSheet.objects.bulk_create([AttendanceSheet(session=session)], ignore_conflicts=True)
    sheet = AttendanceSheet.objects.select_for_update().get(session=session)
    sheet.session = session
    return sheet


def _write_rows(
    *, session: Session, sheet: AttendanceSheet, rows: list[RowInput], actor: Any, source: str, reason: str
) -> int:
    """Apply rows with bulk operations (a fixed number of queries) and audit each change."""
    now = timezone.now()
    actor = _actor(actor)
    # Plain tuples, not models: for a 300-row grid, instantiating models costs more than the query.
    existing = {
        enrolment_id: (pk, status, note)
        for pk, enrolment_id, status, note in AttendanceRecord.objects.filter(
            session=session, enrolment_id__in=[row.enrolment_id for row in rows]
        ).values_list("pk", "enrolment_id", "status", "note")
    }
    revision = sheet.version + 1
    new: list[AttendanceRecord] = []
    updates: list[tuple[int, str, str]] = []
    pending: list[tuple[AttendanceRecord | int, RowInput, str, str]] = []
    for row in rows:
        found = existing.get(row.enrolment_id)
        if found is None:
            record = AttendanceRecord(
                session=session,
                enrolment_id=row.enrolment_id,
                status=row.status,
                note=row.note,
                source=source,
                updated_at=now,
                updated_by=actor,
            )
            new.append(record)
            pending.append((record, row, "", ""))
        elif (found[1], found[2]) != (row.status, row.note):
            updates.append((found[0], row.status, row.note))
            pending.append((found[0], row, found[1], found[2]))
    if not pending:
        return 0
    AttendanceRecord.objects.bulk_create(new)
    _update_records(updates, source=source, now=now, actor=actor)
    stamp = connection.ops.adapt_datetimefield_value(now)  # what the ORM would store, on either backend
    _insert_changes(
        [
            (
                record if isinstance(record, int) else record.pk,
                session.pk,
                row.enrolment_id,
                revision,
                old_status,
                row.status,
                old_note,
                row.note,
                reason,
                source,
                stamp,
                actor.pk if actor else None,
            )
            for record, row, old_status, old_note in pending
        ]
    )
    sheet.version, sheet.updated_at, sheet.updated_by = revision, now, actor
    sheet.save(update_fields=["version", "updated_at", "updated_by"])
    return len(pending)


UPDATE_CHUNK = 1000


def _update_records(records: list[tuple[int, str, str]], *, source: str, now: dt.datetime, actor: Any) -> None:
    """One UPDATE … FROM (VALUES …) per 1,000 rows.

    bulk_update() builds a CASE WHEN expression per row and field in Python; for a 300-row grid
    that cost ten times the database work. Source, time and actor are the same for every row.
    """
    meta = AttendanceRecord._meta
    table = connection.ops.quote_name(meta.db_table)
    column = {name: connection.ops.quote_name(meta.get_field(name).column) for name in ("status", "note", "source")}
    stamp = connection.ops.quote_name(meta.get_field("updated_at").column)
    by = connection.ops.quote_name(meta.get_field("updated_by").column)
    pk = connection.ops.quote_name(meta.pk.column)
    for start in range(0, len(records), UPDATE_CHUNK):
        chunk = records[start : start + UPDATE_CHUNK]
        values = ", ".join(["(%s, %s, %s)"] * len(chunk))
        sql = (
            f"WITH v (id, status, note) AS (VALUES {values}) "
            f"UPDATE {table} SET {column['status']} = v.status, {column['note']} = v.note, "
            f"{column['source']} = %s, {stamp} = %s, {by} = %s FROM v WHERE {table}.{pk} = v.id"
        )
        params: list[Any] = []
        for pk_value, status, note in chunk:
            params += [pk_value, status, note]
        params += [source, now, actor.pk if actor else None]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


CHANGE_COLUMNS = (
    "record",
    "session",
    "enrolment",
    "revision",
    "old_status",
    "new_status",
    "old_note",
    "new_note",
    "reason",
    "source",
    "changed_at",
    "changed_by",
)


def _insert_changes(rows: list[tuple]) -> None:
    """Audit rows as one multi-row INSERT per 500 rows, values in CHANGE_COLUMNS order.

    Like the UPDATE above: bulk_create() spent more time instantiating and preparing 300 models than
    the database spent storing them. The values are plain ids, strings and an adapted datetime.
    """
    meta = AttendanceChange._meta
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in CHANGE_COLUMNS)
    placeholders = "(" + ", ".join(["%s"] * len(CHANGE_COLUMNS)) + ")"
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(chunk))}"
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for row in chunk for value in row])


def _check_rows(rows: list[RowInput]) -> None:
    valid = set(Status.values)
    for row in rows:
        if row.status not in valid:
            raise ValidationError(_(ERR_BAD_STATUS))
        if len(row.note) > NOTE_MAX:
            raise ValidationError(_(ERR_NOTE_TOO_LONG))


def attendance_grid_save(
    *, session: Session, user: Any, rows: list[RowInput], version: int, reason: str = ""
) -> SaveResult:
    """Save a coordinator's or county staff's grid in one transaction, refusing lost updates.

    A row for an enrolment outside the user's grid is a 404 (nothing is written). If someone saved
    one of these rows since `version`, nothing is written and the conflicting changes are returned.
    """
    allowed = selectors.grid_enrolment_ids(user=user, session=session)
    if any(row.enrolment_id not in allowed for row in rows):
        raise Http404
    _check_rows(rows)
    reason = reason.strip()
    if session_is_locked(session):
        if not is_county_level(user):
            raise ValidationError(_(ERR_LOCKED).format(days=lock_days()))
        if not reason:
            raise ValidationError({"reason": _(ERR_REASON_REQUIRED)})
    with transaction.atomic():
        sheet = _lock_sheet(session)
        if sheet.version != version:
            conflicts = list(
                AttendanceChange.objects.filter(
                    session=session, revision__gt=version, enrolment_id__in=[row.enrolment_id for row in rows]
                )
                .select_related("changed_by")
                .order_by("enrolment_id", "-revision")
            )
            if conflicts:
                return SaveResult(saved=False, version=sheet.version, conflicts=conflicts)
        changed = _write_rows(
            session=session, sheet=sheet, rows=rows, actor=user, source=AttendanceRecord.Source.GRID, reason=reason
        )
    return SaveResult(saved=True, version=sheet.version, changed=changed)


def attendance_import_write(*, session: Session, rows: list[RowInput], actor: Any, reason: str) -> int:
    """Write imported rows of one session (the importer's transaction wraps every session)."""
    sheet = _lock_sheet(session)
    return _write_rows(
        session=session, sheet=sheet, rows=rows, actor=actor, source=AttendanceRecord.Source.IMPORT, reason=reason
    )


# QR check-in


def qr_open(*, session: Session, actor: Any, rotate: bool = False) -> AttendanceSheet:
    """Give the session a check-in token (a new one when `rotate`, revoking codes shown before)."""
    with transaction.atomic():
        sheet = _lock_sheet(session)
        if rotate or not sheet.qr_token:
            sheet.qr_token = secrets.token_urlsafe(16)
            sheet.qr_opened_at = timezone.now()
            sheet.qr_opened_by = _actor(actor)
            sheet.save(update_fields=["qr_token", "qr_opened_at", "qr_opened_by"])
    return sheet


def qr_code_for(sheet: AttendanceSheet) -> str:
    return signing.dumps({"s": sheet.session_id, "t": sheet.qr_token}, salt=QR_SALT)


def _rate_keys(session: Session, ip: str) -> tuple[str, str]:
    return f"attendance:qr:ip:{session.pk}:{ip}", f"attendance:qr:session:{session.pk}"


def _count_failure(key: str, window: int) -> None:
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)


def attendance_qr_check_in(
    *, session: Session, name: str, id_tail: str, ip: str, now: dt.datetime | None = None
) -> AttendanceRecord:
    """Mark a confirmed trainee present from their phone, identified by name and the ID's last six.

    Wrong answers get one neutral message whether or not the person exists or is enrolled, and
    count towards per-IP and per-session limits kept in the cache.
    """
    now = now or timezone.now()
    start, end = session_window(session)
    if not start <= now <= end:
        raise ValidationError(_(ERR_QR_CLOSED))
    per_ip, per_session, window = qr_limits()
    ip_key, session_key = _rate_keys(session, ip)
    if cache.get(ip_key, 0) >= per_ip or cache.get(session_key, 0) >= per_session:
        raise ValidationError(_(ERR_QR_RATE_LIMITED))
    name = name.strip()
    tail = id_tail.strip().upper()
    matches = []
    if name and len(tail) == 6:
        matches = list(
            Enrolment.objects.filter(
                subproject_id=session.subproject_id,
                status__in=Enrolment.PARTICIPATING,
                teacher__name=name,
                teacher__id_number__endswith=tail,
            ).values_list("pk", flat=True)[:2]
        )
    if len(matches) != 1:
        _count_failure(ip_key, window)
        _count_failure(session_key, window)
        raise ValidationError(_(ERR_QR_NEUTRAL))
    with transaction.atomic():
        sheet = _lock_sheet(session)
        record = AttendanceRecord.objects.filter(session=session, enrolment_id=matches[0]).first()
        if record is not None and (record.source == AttendanceRecord.Source.QR or record.status == Status.PRESENT):
            raise ValidationError(_(ERR_QR_ALREADY))
        row = RowInput(enrolment_id=matches[0], status=Status.PRESENT, note=record.note if record else "")
        _write_rows(session=session, sheet=sheet, rows=[row], actor=None, source=AttendanceRecord.Source.QR, reason="")
    return AttendanceRecord.objects.get(session=session, enrolment_id=matches[0])
