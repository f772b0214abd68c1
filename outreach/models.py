from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

DEFAULT_PHASES = ("诊断示范", "研课磨课", "成果展示", "总结提升")


class Cycle(models.Model):
    """A 送教下乡 cycle: one county, year and subject, run through ordered phases. Its roster is the
    enrolment of its sub-project."""

    subproject = models.OneToOneField(
        "programs.SubProject", verbose_name=_("子项目"), on_delete=models.PROTECT, related_name="outreach_cycle"
    )
    county = models.ForeignKey("trainees.Region", verbose_name=_("县区"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    subject = models.CharField(_("学科"), max_length=32)
    stage = models.CharField(_("学段"), max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("送教下乡周期")
        verbose_name_plural = _("送教下乡周期")
        ordering = ["-year", "subject"]

    def __str__(self) -> str:
        return f"{self.year} {self.subject}"


class Phase(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("阶段名称"), max_length=32)

    class Meta:
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")
        ordering = ["cycle", "order"]
        constraints = [models.UniqueConstraint(fields=["cycle", "order"], name="phase_unique_order")]

    def __str__(self) -> str:
        return self.name


class PhaseTask(models.Model):
    """A back-at-school task 返岗研修任务 of a phase."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("任务"), max_length=128)
    description = models.TextField(_("说明"), blank=True)
    due_date = models.DateField(_("截止日期"))

    class Meta:
        verbose_name = _("返岗研修任务")
        verbose_name_plural = _("返岗研修任务")
        ordering = ["phase", "due_date", "pk"]

    def __str__(self) -> str:
        return self.title


class TaskSubmission(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        DONE = "done", _("合格")
        REDO = "redo", _("需重做")

    task = models.ForeignKey(PhaseTask, on_delete=models.CASCADE, related_name="submissions")
    enrolment = models.ForeignKey("programs.Enrolment", on_delete=models.CASCADE, related_name="task_submissions")
    text = models.TextField(_("内容"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    comment = models.CharField(_("评语"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("任务提交")
        verbose_name_plural = _("任务提交")
        constraints = [models.UniqueConstraint(fields=["task", "enrolment"], name="submission_one_per_trainee")]

    def __str__(self) -> str:
        return f"{self.task} / {self.enrolment_id}"


class OnlineStudy(models.Model):
    """Online study of one enrolment as the external platform reports it (imported from Excel)."""

    enrolment = models.OneToOneField("programs.Enrolment", on_delete=models.CASCADE, related_name="online_study")
    online_hours = models.DecimalField(_("在线学时"), max_digits=6, decimal_places=1)
    tasks_done = models.PositiveIntegerField(_("完成任务数"), default=0)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("网络研修记录")
        verbose_name_plural = _("网络研修记录")
        constraints = [models.CheckConstraint(condition=Q(online_hours__gte=0), name="online_hours_non_negative")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.online_hours}"
