"""Demo attendance: every past session of the demo county, written as the Excel import writes it.

Today's and later sessions are left empty, so the grid and the QR check-in can be shown on them.
"""

import random

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from programs.models import Enrolment, Session
from trainees.models import Region

from .models import AttendanceRecord, Status
from .services import RowInput, attendance_import_write

STATUSES = [Status.PRESENT, Status.LATE, Status.EARLY_LEAVE, Status.LEAVE, Status.ABSENT]
WEIGHTS = [86, 5, 3, 4, 2]
NOTES = {Status.LEAVE: "事假", Status.ABSENT: "未到", Status.LATE: "", Status.EARLY_LEAVE: "", Status.PRESENT: ""}


@transaction.atomic
def load_attendance(*, county: Region, rng: random.Random, **_: object) -> int:
    """Record attendance of sessions that have none yet; returns how many sessions were recorded."""
    staff = User.objects.get(username="staff")
    sessions = list(
        Session.objects.filter(subproject__program__county=county, date__lt=timezone.localdate())
        .exclude(pk__in=AttendanceRecord.objects.values("session_id"))
        .order_by("date", "pk")
    )
    roster: dict[int, list[int]] = {}
    for enrolment_id, sub_id in (
        Enrolment.objects.filter(
            subproject_id__in={s.subproject_id for s in sessions}, status__in=Enrolment.PARTICIPATING
        )
        .order_by("pk")
        .values_list("pk", "subproject_id")
    ):
        roster.setdefault(sub_id, []).append(enrolment_id)
    for session in sessions:
        rows = []
        for enrolment_id in roster.get(session.subproject_id, []):
            status = rng.choices(STATUSES, weights=WEIGHTS)[0]
            rows.append(RowInput(enrolment_id=enrolment_id, status=status, note=NOTES[status]))
        attendance_import_write(session=session, rows=rows, actor=staff, reason="演示数据：签到表导入")
    return len(sessions)
