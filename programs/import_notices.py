"""The notices of a large import (its PostgreSQL COPY path), made after the import commits.

The import's transaction stores what it owes as `PendingNotices` rows (ids of the places it wrote, by
action and status, in chunks), beside the places themselves, so no place goes untold whatever fails
afterwards. Once it commits, the notices queue turns each row into one notice per place, set-based,
with the texts the ORM path's notify() would write (the first session, 确认参训 where a place asks
it), then e-mails and texts them. A row a worker never got (the broker down at the commit) is
delivered by the sweep. An import of a few thousand rows or fewer (the ORM path) still stores its
notices in its own transaction.
"""

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from core import pgcopy
from trainees.models import Teacher

from .models import Enrolment, Notice, PendingNotices, SubProject
from .notices import first_sessions_load

CHUNK = 20_000  # places per PendingNotices row: one delivery is one short transaction
# A row older than this is taken as missed by its task (a worker or the broker was down) and swept.
SWEEP_AFTER_SECONDS = 120
# Owed this long, the notices queue is not keeping up (or no worker consumes it): /healthz says so.
OVERDUE_SECONDS = 15 * 60

NOTICE_EVENTS = {
    Enrolment.Status.NOMINATED: "nominated",
    Enrolment.Status.CONFIRMED: "confirmed",
    Enrolment.Status.COMPLETED: "confirmed",
    Enrolment.Status.WITHDRAWN: "withdrawn",
}


def notice_event(status: str) -> str:
    return NOTICE_EVENTS[status]


def asks(text: Notice, status: str) -> bool:
    """Whether an imported place's notice asks 确认参训 / 无法参加, as one given in the app does: a place
    to come to does; one recorded as completed (its text is the confirmation's) has nothing to answer."""
    return text.needs_response and status != Enrolment.Status.COMPLETED


def owe_sql(changed: str, action: str) -> str:
    """A statement ending a `WITH changed AS (… RETURNING id, status)` write: store what it owes.

    The ids go into rows by status and by block of CHUNK ids (an import's ids come from one sequence,
    so a block holds at most CHUNK of its places; hashing on it costs no sort); the statement returns
    the rows' ids."""
    table = PendingNotices._meta.db_table
    return f"""WITH changed AS ({changed})
        INSERT INTO {table} (created_at, action, status, enrolment_ids)
        SELECT %s, '{action}', status, jsonb_agg(id) FROM changed GROUP BY status, id / {CHUNK}
        RETURNING id"""


def deliver_after_commit(pending_ids: list[int]) -> None:
    """Hand the import's owed notices to the notices queue once its transaction commits."""
    from .tasks import deliver_pending_notices

    for pk in pending_ids:
        transaction.on_commit(lambda pk=pk: deliver_pending_notices.delay([pk]))


def pending_notices_deliver(*, pending_id: int) -> int:
    """Store the notices one PendingNotices row owes and queue their e-mails and texts; return how many.

    The row is locked and deleted in the same transaction as the notices it becomes, so a retry or
    the sweep beside a running delivery never tells a place twice."""
    with transaction.atomic():
        pending = PendingNotices.objects.select_for_update(skip_locked=True).filter(pk=pending_id).first()
        if pending is None:
            return 0  # delivered already, or being delivered by another worker
        made = _store(pending)
        pending.delete()
    return made


def _owed_for_over(seconds: int) -> QuerySet[PendingNotices]:
    return PendingNotices.objects.filter(created_at__lt=timezone.now() - timezone.timedelta(seconds=seconds))


def pending_notices_sweep(*, older_than_seconds: int = SWEEP_AFTER_SECONDS) -> int:
    """Deliver rows whose task never ran (broker down at the commit, worker lost); return notices made."""
    ids = list(_owed_for_over(older_than_seconds).values_list("pk", flat=True))
    return sum(pending_notices_deliver(pending_id=pk) for pk in ids)


def check_owed() -> dict:
    """/healthz: notices owed for longer than OVERDUE_SECONDS mean teachers are not being told."""
    overdue = _owed_for_over(OVERDUE_SECONDS).count()
    if overdue:
        return {"ok": False, "detail": f"{overdue} batches of notices owed for over {OVERDUE_SECONDS // 60} minutes"}
    return {"ok": True}


def _store(pending: PendingNotices) -> int:
    from .services import notice_build, notices_send_later

    status = pending.status
    event = notice_event(status)
    enrolment_table = Enrolment._meta.db_table
    pending_table = PendingNotices._meta.db_table
    notice_table = Notice._meta.db_table
    places = f"""SELECT e.id, e.teacher_id, e.subproject_id
        FROM {pending_table} p CROSS JOIN LATERAL jsonb_array_elements_text(p.enrolment_ids) j(id)
        JOIN {enrolment_table} e ON e.id = j.id::bigint
        WHERE p.id = %s"""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pending_notice_place")
        cursor.execute(f"CREATE TEMP TABLE pending_notice_place ON COMMIT DROP AS {places}", [pending.pk])
        cursor.execute("ANALYZE pending_notice_place")
        cursor.execute("SELECT DISTINCT subproject_id FROM pending_notice_place")
        sub_ids = [row[0] for row in cursor.fetchall()]
    subs = list(SubProject.objects.select_related("program").filter(pk__in=sub_ids))
    if not subs:
        return 0
    first_sessions_load(subs)
    texts = {sub.pk: notice_build(enrolment=Enrolment(subproject=sub), event=event) for sub in subs}
    pgcopy.copy_temp_table(
        "pending_notice_text",
        [("subproject_id", "bigint"), ("kind", "varchar(16)"), ("subject", "varchar(200)"), ("body", "text"),
         ("needs_response", "boolean")],
        [(pk, n.kind, n.subject, n.body, asks(n, status)) for pk, n in texts.items()],
    )  # fmt: skip
    asking = "x.needs_response"
    if pending.action == PendingNotices.Action.UPDATE:
        # A place already acknowledged is not asked again; an older question still open is replaced by
        # the new notice (programs.notices.retire_open_questions, set-based). New places have neither.
        asking = f"""x.needs_response AND NOT EXISTS (SELECT 1 FROM {notice_table} a
            WHERE a.enrolment_id = c.id AND a.response = '{Notice.Response.ACKNOWLEDGED}')"""
        pgcopy.execute(
            f"""UPDATE {notice_table} SET needs_response = false
            WHERE needs_response AND response = '' AND enrolment_id IN (
                SELECT c.id FROM pending_notice_place c JOIN pending_notice_text x
                    ON x.subproject_id = c.subproject_id
                WHERE x.needs_response)"""
        )
    reached = pgcopy.fetch(
        f"""WITH stored AS (
            INSERT INTO {notice_table}
                (teacher_id, enrolment_id, kind, subject, body, created_at, needs_response, response, response_reason)
            SELECT c.teacher_id, c.id, x.kind, x.subject, x.body, %s, {asking}, '', ''
            FROM pending_notice_place c JOIN pending_notice_text x ON x.subproject_id = c.subproject_id
            RETURNING id, teacher_id
        )
        SELECT s.id, u.id IS NOT NULL, t.phone <> '' FROM stored s
        JOIN {Teacher._meta.db_table} t ON t.id = s.teacher_id
        LEFT JOIN {User._meta.db_table} u ON u.teacher_id = s.teacher_id AND u.email <> ''""",
        [timezone.now()],
    )
    # A notice is e-mailed or texted only where there is someone to reach (notices_email and
    # notices_sms would skip the others): no task is queued for the rest.
    notices_send_later(
        emails=[pk for pk, email, _p in reached if email], texts=[pk for pk, _e, phone in reached if phone]
    )
    return len(reached)
