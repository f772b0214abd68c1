from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.constraints import ExplainedConstraints


class Status(models.TextChoices):
    PRESENT = "present", _("出勤")
    LATE = "late", _("迟到")
    EARLY_LEAVE = "early", _("早退")
    LEAVE = "leave", _("请假")
    ABSENT = "absent", _("缺勤")


# Statuses in which the trainee was there (for 到训率 / participation rate).
ATTENDED = (Status.PRESENT, Status.LATE, Status.EARLY_LEAVE)


class AttendanceRecord(ExplainedConstraints, models.Model):
    # On PostgreSQL the table's pages are filled to 70 % (migration 0004) so that rewriting a whole
    # grid updates rows in place (HOT).
    class Source(models.TextChoices):
        GRID = "grid", _("考勤表")
        QR = "qr", _("扫码签到")
        IMPORT = "import", _("Excel 导入")

    # No index of its own: the unique (session, enrolment) constraint below serves lookups by session.
    session = models.ForeignKey("programs.Session", on_delete=models.CASCADE, related_name="attendance", db_index=False)
    enrolment = models.ForeignKey("programs.Enrolment", on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("出勤状态"), max_length=8, choices=Status.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, default=Source.GRID)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the trainee scanned in. A scan never changes a mark a person made; it is kept here beside it.
    scanned_at = models.DateTimeField(_("扫码签到时间"), null=True, blank=True)

    constraint_fields = {"attendance_one_per_session": "enrolment"}

    class Meta:
        verbose_name = _("考勤记录")
        verbose_name_plural = _("考勤记录")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrolment"],
                name="attendance_one_per_session",
                violation_error_message=_("该学员本次培训已有考勤记录"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}@{self.session_id}: {self.status}"


class AttendanceSheet(models.Model):
    """Per-session bookkeeping: the revision for optimistic concurrency and the QR check-in token.

    Every write to a session's attendance locks this row first, so writers queue up and each
    write bumps `version` exactly once.
    """

    session = models.OneToOneField("programs.Session", on_delete=models.CASCADE, related_name="attendance_sheet")
    version = models.PositiveIntegerField(_("版本"), default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Rotating the token invalidates every QR code printed or shown before.
    qr_token = models.CharField(max_length=32, blank=True)
    qr_opened_at = models.DateTimeField(null=True, blank=True)
    qr_opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Raised when a coordinator reopens check-in: the failure limits counted before no longer apply.
    qr_epoch = models.PositiveIntegerField(default=0, db_default=0)  # db_default: _claim_revision inserts in SQL

    class Meta:
        verbose_name = _("考勤表")
        verbose_name_plural = _("考勤表")

    def __str__(self) -> str:
        return f"{self.session_id} v{self.version}"


class AttendanceChange(models.Model):
    """One change of one trainee's attendance: kept forever, shown on the teacher's record."""

    # The record a change belongs to is its (session, enrolment) pair. On PostgreSQL one composite
    # foreign key to AttendanceRecord's unique pair (migration 0004, ON DELETE CASCADE) guarantees
    # the record exists and that session and enrolment match it: one check per audit row where a
    # record key plus these two foreign keys cost three (a 300-row save writes 300 audit rows).
    # Django 5.2 cannot declare a composite foreign key, so these two carry no constraint of their
    # own, and the SQLite fallback runs without one.
    session = models.ForeignKey(
        "programs.Session",
        on_delete=models.CASCADE,
        related_name="attendance_changes",
        db_constraint=False,
        db_index=False,
    )
    enrolment = models.ForeignKey(
        "programs.Enrolment",
        on_delete=models.CASCADE,
        related_name="attendance_changes",
        db_constraint=False,
        db_index=False,
    )
    revision = models.PositiveIntegerField(_("版本"))
    old_status = models.CharField(_("原状态"), max_length=8, choices=Status.choices, blank=True)
    new_status = models.CharField(_("新状态"), max_length=8, choices=Status.choices)
    old_note = models.CharField(_("原备注"), max_length=200, blank=True)
    new_note = models.CharField(_("新备注"), max_length=200, blank=True)
    reason = models.CharField(_("修改原因"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=8, choices=AttendanceRecord.Source.choices)
    changed_at = models.DateTimeField(_("修改时间"))
    # Neither an index nor a database check, as history tables in pghistory and simple-history do:
    # every save would add 300 index entries and run 300 checks of the same key, together a fifth
    # of the save, for a row written only from request.user. Deleting an account still clears it
    # through Django (SET_NULL), the only reader of such an index.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("考勤修改记录")
        verbose_name_plural = _("考勤修改记录")
        ordering = ["-changed_at", "-pk"]
        # One index for every reader: a teacher's history (enrolment), a save's conflicts
        # (enrolment, session, revision) and the cascade from a record (enrolment, session). Each
        # further index costs every save 300 entries; deleting a whole session scans instead.
        indexes = [models.Index(fields=["enrolment", "session", "revision"], name="attendance_change_lookup")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}@{self.session_id}: {self.old_status or '-'} → {self.new_status}"
