from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    """One request for the annual summary workbook: stored before the task runs, so nothing is lost."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The county the workbook covers; empty only for a deployment-wide run.
    county = models.ForeignKey(
        "trainees.Region", verbose_name=_("县区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    year_from = models.PositiveSmallIntegerField(_("起始年度"))
    year_to = models.PositiveSmallIntegerField(_("截止年度"))
    not_trained_years = models.PositiveSmallIntegerField(_("未参训年限"), default=3)
    many_times = models.PositiveSmallIntegerField(_("多次参训阈值"), default=3)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("入队时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    file = models.FileField(_("文件"), upload_to="reports/annual/", blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("年度汇总导出")
        verbose_name_plural = _("年度汇总导出")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(year_from__lte=F("year_to")), name="exportjob_years_ordered"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="exportjob_progress_percent"),
            models.CheckConstraint(condition=Q(not_trained_years__gte=1), name="exportjob_not_trained_years_positive"),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(file=""), name="exportjob_done_has_file"),
        ]
        indexes = [models.Index(fields=["status", "enqueued_at"])]

    def __str__(self) -> str:
        return f"{self.year_from}-{self.year_to} #{self.pk}"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def download_name(self) -> str:
        county = self.county.name if self.county_id else "全部"
        return f"{county}{self.year_from}-{self.year_to}年度培训汇总.xlsx"
