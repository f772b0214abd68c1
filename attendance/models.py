from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PRESENT = "present", _("出勤")
    LATE = "late", _("迟到")
    EARLY_LEAVE = "early", _("早退")
    LEAVE = "leave", _("请假")
    ABSENT = "absent", _("缺勤")


# Statuses in which the trainee was there (for 到训率 / participation rate).
ATTENDED = (Status.PRESENT, Status.LATE, Status.EARLY_LEAVE)


class AttendanceRecord(models.Model):
    class Source(models.TextChoices):
        GRID = "grid", _("考勤表")
        QR = "qr", _("扫码签到")
        IMPORT = "import", _("Excel 导入")

    session = models.ForeignKey("programs.Session", on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey("programs.Enrolment", on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("出勤状态"), max_length=8, choices=Status.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, default=Source.GRID)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("考勤记录")
        verbose_name_plural = _("考勤记录")
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_one_per_session")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}@{self.session_id}: {self.status}"
