"""Every write to attendance. The grid, QR check-in and the Excel import all claim a revision with
`_claim_revision` and go through `_write_rows`, so each change is audited and bumps the session's
revision the same way."""

import datetime as dt
import hashlib
import json
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
from django.utils.crypto import salted_hmac
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
ERR_QR_RATE_LIMITED = "尝试次数过多，请稍后再试或请联络员重新开放签到"
ERR_QR_CODE = "签到码无效或已过期，请扫描现场屏幕上最新的二维码，或输入屏幕上的签到码"
ERR_LEAVE_REASON = "请假须填写事由"

QR_SALT = "attendance.qr-checkin"
TYPED_SALT = "attendance.qr-typed-code"
TICKET_SALT = "attendance.qr-ticket"
NOTE_MAX = 200


def lock_days() -> int:
    return settings.ATTENDANCE_LOCK_DAYS


def qr_margin() -> dt.timedelta:
    return dt.timedelta(minutes=settings.ATTENDANCE_QR_MARGIN_MINUTES)


def qr_limits() -> tuple[int, int, int]:
    """(failures per session and name, failures per session and address, window seconds) before
    QR check-in refuses attempts."""
    return (
        settings.ATTENDANCE_QR_IDENTITY_FAILURES,
        settings.ATTENDANCE_QR_IP_FAILURES,
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
    """Create the session's sheet if needed and lock it (QR opening; attendance writes claim instead)."""
    AttendanceSheet.objects.bulk_create([AttendanceSheet(session=session)], ignore_conflicts=True)
    sheet = AttendanceSheet.objects.select_for_update().get(session=session)
    sheet.session = session
    return sheet


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _claim_revision(session: Session, *, actor: Any, now: dt.datetime) -> int:
    """Lock the session's sheet (creating it if needed) and take the next revision, in one statement.

    Every writer of a session's attendance queues on this row until it commits, so each write gets
    its own revision. A write that turns out to change nothing rolls back, revision and all.
    """
    table = _table(AttendanceSheet)
    session_col, version, at, by, token = (
        _column(AttendanceSheet, name) for name in ("session", "version", "updated_at", "updated_by", "qr_token")
    )
    sql = (
        f"INSERT INTO {table} ({session_col}, {version}, {at}, {by}, {token}) VALUES (%s, 1, %s, %s, '') "
        f"ON CONFLICT ({session_col}) DO UPDATE SET {version} = {table}.{version} + 1, "
        f"{at} = EXCLUDED.{at}, {by} = EXCLUDED.{by} RETURNING {version}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [session.pk, connection.ops.adapt_datetimefield_value(now), actor.pk if actor else None])
        return cursor.fetchone()[0]


# The rows of one write, as the JSON objects `_write_rows` sends: the record id (null for a new
# record), the enrolment, the new status and note (s, n) and the old ones (s0, n0).
ROW_COLUMNS = {"id": "bigint", "e": "bigint", "s": "text", "n": "text", "s0": "text", "n0": "text"}


def _json_rows() -> str:
    """A SELECT of the rows of one JSON parameter, the whole write's data in one string.

    One string literal instead of a VALUES list: PostgreSQL parsed and planned 300 rows × 11
    literals in more time than it took to store them.
    """
    if connection.vendor == "postgresql":
        columns = ", ".join(f"{name} {kind}" for name, kind in ROW_COLUMNS.items())
        return f"SELECT * FROM json_to_recordset(%s) AS t({columns})"
    picked = ", ".join(f"json_extract(value, '$.{name}') AS {name}" for name in ROW_COLUMNS)
    return f"SELECT {picked} FROM json_each(%s)"


def _existing(session: Session, enrolment_ids) -> dict[int, tuple[int, str, str]]:
    """{enrolment id: (record id, status, note)} of the session's records for these enrolments."""
    return {
        enrolment_id: (pk, status, note)
        for pk, enrolment_id, status, note in AttendanceRecord.objects.filter(
            session=session, enrolment_id__in=enrolment_ids
        ).values_list("pk", "enrolment_id", "status", "note")
    }


def _write_rows(
    *,
    session: Session,
    revision: int,
    existing: dict[int, tuple[int, str, str] | None],
    rows: list[RowInput],
    actor: Any,
    source: str,
    reason: str,
    now: dt.datetime,
) -> int:
    """Store the rows that differ from `existing` and audit each: one statement on PostgreSQL.

    `existing` maps an enrolment to its record's (id, status, note); a missing or None entry means
    no record yet. The caller holds the sheet (`_claim_revision`) and read `existing` after taking
    it. Rows go as one JSON parameter, not models: for a 300-row grid, building and saving models
    cost several times what the database spends on the rows.
    """
    actor_id = actor.pk if actor else None
    stamp = connection.ops.adapt_datetimefield_value(now)  # what the ORM would store, on either backend
    changes: list[dict] = []
    for row in rows:
        found = existing.get(row.enrolment_id)
        if found is None:
            changes.append({"id": None, "e": row.enrolment_id, "s": row.status, "n": row.note, "s0": "", "n0": ""})
        elif (found[1], found[2]) != (row.status, row.note):
            changes.append(
                {"id": found[0], "e": row.enrolment_id, "s": row.status, "n": row.note, "s0": found[1], "n0": found[2]}
            )
    if not changes:
        return 0
    record = _table(AttendanceRecord)
    r = {name: _column(AttendanceRecord, name) for name in ("session", "enrolment", "status", "note", "source")}
    r_at, r_by, r_pk = (_column(AttendanceRecord, name) for name in ("updated_at", "updated_by", "id"))
    c = ", ".join(
        _column(AttendanceChange, name)
        for name in (
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
    )
    # Each statement reads the rows from `t`; its parameters follow it.
    statements = [
        (
            f"INSERT INTO {record} ({r['session']}, {r['enrolment']}, {r['status']}, {r['note']}, {r['source']}, "
            f"{r_at}, {r_by}) SELECT %s, t.e, t.s, t.n, %s, %s, %s FROM t WHERE t.id IS NULL",
            [session.pk, source, stamp, actor_id],
        ),
        (
            f"UPDATE {record} SET {r['status']} = t.s, {r['note']} = t.n, {r['source']} = %s, {r_at} = %s, "
            f"{r_by} = %s FROM t WHERE {record}.{r_pk} = t.id",
            [source, stamp, actor_id],
        ),
        (
            f"INSERT INTO {_table(AttendanceChange)} ({c}) "
            "SELECT %s, t.e, %s, t.s0, t.s, t.n0, t.n, %s, %s, %s, %s FROM t",
            [session.pk, revision, reason, source, stamp, actor_id],
        ),
    ]
    data = json.dumps(changes)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement: the rows are parsed once and the write is one round trip. The audit
            # rows' key to their record is checked at commit, after the new records exist.
            ctes = ", ".join(f"w{i} AS ({sql})" for i, (sql, _params) in enumerate(statements[:-1]))
            cursor.execute(
                f"WITH t AS MATERIALIZED ({_json_rows()}), {ctes} {statements[-1][0]}",
                [data, *(param for _sql, params in statements for param in params)],
            )
        else:  # SQLite has no data-modifying WITH: the same statements, one by one.
            for sql, params in statements:
                cursor.execute(f"WITH t AS ({_json_rows()}) {sql}", [data, *params])
    return len(changes)


def _check_rows(rows: list[RowInput]) -> None:
    valid = set(Status.values)
    for row in rows:
        if row.status not in valid:
            raise ValidationError(_(ERR_BAD_STATUS))
        if len(row.note) > NOTE_MAX:
            raise ValidationError(_(ERR_NOTE_TOO_LONG))


def _check_leave_reasons(rows: list[RowInput], existing: dict[int, tuple[int, str, str] | None]) -> None:
    """请假 asks for a 事由: every row the save changes to 请假 needs its note (rows left as they were
    stored are not held up, so an old record without one never blocks a save)."""
    missing = {
        f"note-{row.enrolment_id}": [_(ERR_LEAVE_REASON)]
        for row in rows
        if row.status == Status.LEAVE
        and not row.note
        and (existing.get(row.enrolment_id) or (None, "", ""))[1:] != (row.status, row.note)
    }
    if missing:
        raise ValidationError(missing)


def attendance_grid_save(
    *, session: Session, user: Any, rows: list[RowInput], version: int, reason: str = ""
) -> SaveResult:
    """Save a coordinator's or county staff's grid in one transaction, refusing lost updates.

    A row for an enrolment outside the user's grid is a 404 (nothing is written). If someone saved
    one of these rows since `version`, nothing is written and the conflicting changes are returned.
    """
    reason = reason.strip()
    now = timezone.now()
    actor = _actor(user)
    with transaction.atomic():
        revision = _claim_revision(session, actor=actor, now=now)
        # Read after the claim, so nobody changes these rows between this read and the write.
        grid = selectors.grid_records(user=user, session=session)
        if any(row.enrolment_id not in grid for row in rows):
            raise Http404
        _check_rows(rows)
        _check_leave_reasons(rows, grid)
        if session_is_locked(session):
            if not is_county_level(user):
                raise ValidationError(_(ERR_LOCKED).format(days=lock_days()))
            if not reason:
                raise ValidationError({"reason": _(ERR_REASON_REQUIRED)})
        if revision - 1 != version:
            conflicts = list(
                AttendanceChange.objects.filter(
                    session=session, revision__gt=version, enrolment_id__in=[row.enrolment_id for row in rows]
                )
                .select_related("changed_by", "enrolment__teacher")
                .order_by("enrolment_id", "-revision")
            )
            if conflicts:
                transaction.set_rollback(True)
                return SaveResult(saved=False, version=revision - 1, conflicts=conflicts)
        changed = _write_rows(
            session=session,
            revision=revision,
            existing=grid,
            rows=rows,
            actor=actor,
            source=AttendanceRecord.Source.GRID,
            reason=reason,
            now=now,
        )
        if not changed:
            transaction.set_rollback(True)  # an unchanged grid keeps its revision
            return SaveResult(saved=True, version=revision - 1)
    return SaveResult(saved=True, version=revision, changed=changed)


def attendance_import_write(*, session: Session, rows: list[RowInput], actor: Any, reason: str) -> int:
    """Write imported rows of one session in a savepoint of the importer's transaction, which wraps
    every session; rolled back, revision and all, if nothing changed."""
    now = timezone.now()
    actor = _actor(actor)
    with transaction.atomic():
        revision = _claim_revision(session, actor=actor, now=now)
        changed = _write_rows(
            session=session,
            revision=revision,
            existing=_existing(session, [row.enrolment_id for row in rows]),
            rows=rows,
            actor=actor,
            source=AttendanceRecord.Source.IMPORT,
            reason=reason,
            now=now,
        )
        if not changed:
            transaction.set_rollback(True)
    return changed


# QR check-in
#
# The screen in the hall shows a QR code and a six-digit code that change every
# ATTENDANCE_QR_ROTATE_SECONDS: both are derived from the session's secret token and the current
# interval and accepted for that interval and the one before, so a photographed or forwarded code
# stops working within a minute. Scanning gives the phone a signed, single-use ticket for the form,
# valid ATTENDANCE_QR_TICKET_SECONDS, so typing one's name slowly does not fail. Wrong answers are
# limited per (session, name) and, with a higher bound, per (session, address): a hall behind one
# Wi-Fi address is not locked out by one person, and no limit applies to a session as a whole.


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


def qr_reopen(*, session: Session, actor: Any) -> AttendanceSheet:
    """Lift every failure limit of the session's check-in (the coordinator's 重新开放)."""
    with transaction.atomic():
        sheet = _lock_sheet(session)
        sheet.qr_epoch += 1
        sheet.save(update_fields=["qr_epoch"])
    return sheet


def qr_interval(now: dt.datetime | None = None) -> int:
    return int((now or timezone.now()).timestamp()) // settings.ATTENDANCE_QR_ROTATE_SECONDS


def qr_seconds_left(now: dt.datetime | None = None) -> int:
    """Seconds until the codes shown now are replaced."""
    step = settings.ATTENDANCE_QR_ROTATE_SECONDS
    return step - int((now or timezone.now()).timestamp()) % step


def qr_code_for(sheet: AttendanceSheet, *, now: dt.datetime | None = None) -> str:
    """The code in the QR image for the current interval."""
    return signing.dumps({"s": sheet.session_id, "t": sheet.qr_token, "i": qr_interval(now)}, salt=QR_SALT)


def typed_code_for(sheet: AttendanceSheet, *, now: dt.datetime | None = None, interval: int | None = None) -> str:
    """The six digits shown beside the QR image, for halls where phones cannot scan."""
    interval = qr_interval(now) if interval is None else interval
    digest = salted_hmac(TYPED_SALT, f"{sheet.session_id}:{sheet.qr_token}:{interval}").hexdigest()
    return f"{int(digest[:12], 16) % 1_000_000:06d}"


def qr_fresh(interval: int, now: dt.datetime | None = None) -> bool:
    return qr_interval(now) - 1 <= interval <= qr_interval(now)


def ticket_for(session: Session) -> str:
    """The signed, single-use permission to post the check-in form, handed out with a fresh code."""
    return signing.dumps({"s": session.pk, "n": secrets.token_urlsafe(12)}, salt=TICKET_SALT)


def ticket_nonce(ticket: str, *, session: Session) -> str | None:
    """The ticket's nonce if it is ours, for this session and not expired (None otherwise)."""
    try:
        payload = signing.loads(ticket, salt=TICKET_SALT, max_age=settings.ATTENDANCE_QR_TICKET_SECONDS)
        if int(payload["s"]) != session.pk:
            return None
        return str(payload["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def _limit_keys(session: Session, epoch: int, name: str, ip: str) -> tuple[str, str]:
    who = hashlib.sha256(name.encode()).hexdigest()[:16]  # a name, not kept in the cache as typed
    base = f"attendance:qr:{session.pk}:{epoch}"
    return f"{base}:id:{who}", f"{base}:ip:{ip}"


def _count_failure(key: str, window: int) -> None:
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)


def typed_failure(*, ip: str) -> None:
    """A six-digit code that matched no open session: counted against the address."""
    _count_failure(f"attendance:qr:typed:{ip}", settings.ATTENDANCE_QR_WINDOW_SECONDS)


def typed_limited(*, ip: str) -> bool:
    return cache.get(f"attendance:qr:typed:{ip}", 0) >= settings.ATTENDANCE_QR_IP_FAILURES


def attendance_qr_check_in(
    *,
    session: Session,
    name: str,
    id_tail: str,
    ip: str,
    nonce: str | None = None,
    now: dt.datetime | None = None,
) -> AttendanceRecord:
    """Record a confirmed trainee's check-in from their phone, identified by name and the ID's last six.

    Wrong answers get one neutral message whether or not the person exists or is enrolled. A mark a
    person made in the grid or an import (缺勤, 迟到, 请假…) is never changed by a scan: the scan is
    recorded beside it (`scanned_at`) for the coordinator to decide. `nonce` is the form ticket's,
    used once.
    """
    now = now or timezone.now()
    start, end = session_window(session)
    if not start <= now <= end:
        raise ValidationError(_(ERR_QR_CLOSED))
    per_identity, per_ip, window = qr_limits()
    name = name.strip()
    epoch = AttendanceSheet.objects.filter(session=session).values_list("qr_epoch", flat=True).first() or 0
    identity_key, ip_key = _limit_keys(session, epoch, name, ip)
    if cache.get(identity_key, 0) >= per_identity or cache.get(ip_key, 0) >= per_ip:
        raise ValidationError(_(ERR_QR_RATE_LIMITED))
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
        _count_failure(identity_key, window)
        _count_failure(ip_key, window)
        raise ValidationError(_(ERR_QR_NEUTRAL))
    if nonce is not None and not cache.add(f"attendance:qr:ticket:{nonce}", 1, settings.ATTENDANCE_QR_TICKET_SECONDS):
        raise ValidationError(_(ERR_QR_CODE))  # a replayed form
    enrolment_id = matches[0]
    with transaction.atomic():
        written_at = timezone.now()
        revision = _claim_revision(session, actor=None, now=written_at)
        record = AttendanceRecord.objects.filter(session=session, enrolment_id=enrolment_id).first()
        if record is not None and record.scanned_at is not None:
            raise ValidationError(_(ERR_QR_ALREADY))  # rolls the claimed revision back
        if record is None:
            _write_rows(
                session=session,
                revision=revision,
                existing={},
                rows=[RowInput(enrolment_id=enrolment_id, status=Status.PRESENT)],
                actor=None,
                source=AttendanceRecord.Source.QR,
                reason="",
                now=written_at,
            )
        # Whatever a record says, a person said it: the scan only goes beside it.
        AttendanceRecord.objects.filter(session=session, enrolment_id=enrolment_id).update(scanned_at=written_at)
    return AttendanceRecord.objects.get(session=session, enrolment_id=enrolment_id)
