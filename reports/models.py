from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.constraints import ExplainedConstraints
from core.jobs import Job


class ExportJob(ExplainedConstraints, Job):
    """One request for the annual summary workbook: stored before the task runs, so nothing is lost."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The county the workbook covers, or the city or province it rolls up; both empty only for a
    # deployment-wide run.
    county = models.ForeignKey(
        "trainees.Region", verbose_name=_("县区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "trainees.Region",
        verbose_name=_("市/省"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level__in": ["city", "province"]},
    )
    year_from = models.PositiveSmallIntegerField(_("起始年度"))
    year_to = models.PositiveSmallIntegerField(_("截止年度"))
    not_trained_years = models.PositiveSmallIntegerField(_("未参训年限"), default=3)
    many_times = models.PositiveSmallIntegerField(_("多次参训阈值"), default=3)
    enqueued_at = models.DateTimeField(_("入队时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    file = models.FileField(_("文件"), upload_to="reports/annual/", blank=True)

    constraint_fields = {
        "exportjob_years_ordered": "year_to",
        "exportjob_progress_percent": "progress",
        "exportjob_not_trained_years_positive": "not_trained_years",
        "exportjob_done_has_file": "file",
        "exportjob_county_or_region": "__all__",
    }

    class Meta:
        verbose_name = _("年度汇总导出")
        verbose_name_plural = _("年度汇总导出")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year_from__lte=F("year_to")),
                name="exportjob_years_ordered",
                violation_error_message=_("结束年度不能早于起始年度"),
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="exportjob_progress_percent",
                violation_error_message=_("进度须在 0 到 100 之间"),
            ),
            models.CheckConstraint(
                condition=Q(not_trained_years__gte=1),
                name="exportjob_not_trained_years_positive",
                violation_error_message=_("未参训年数须至少为 1"),
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(file=""),
                name="exportjob_done_has_file",
                violation_error_message=_("已完成的导出须有文件"),
            ),
            models.CheckConstraint(
                condition=Q(county__isnull=True) | Q(region__isnull=True),
                name="exportjob_county_or_region",
                violation_error_message=_("导出属于一个县区或一个市/省，不能同时属于两者"),
            ),
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
    def unit_name(self) -> str:
        if self.county_id:
            return self.county.name
        return self.region.name if self.region_id else "全部"

    @property
    def download_name(self) -> str:
        return f"{self.unit_name}{self.year_from}-{self.year_to}年度培训汇总.xlsx"


class SavedStatistic(ExplainedConstraints, models.Model):
    """A 自定义统计 kept under a name for a county (or a city or province office): rows, columns and
    filters as whitelisted keys only, run again on demand."""

    name = models.CharField(_("名称"), max_length=60)
    county = models.ForeignKey(
        "trainees.Region", verbose_name=_("县区"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "trainees.Region", verbose_name=_("市/省"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    rows = models.JSONField(_("行"), default=list)
    columns = models.JSONField(_("列"), default=list)
    filters = models.JSONField(_("筛选"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    constraint_fields = {
        "savedstatistic_county_or_region": "__all__",
        "savedstatistic_unique_county_name": "name",
        "savedstatistic_unique_region_name": "name",
        "savedstatistic_unique_global_name": "name",
        "savedstatistic_has_name": "name",
    }

    class Meta:
        verbose_name = _("自定义统计")
        verbose_name_plural = _("自定义统计")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(county__isnull=True) | Q(region__isnull=True),
                name="savedstatistic_county_or_region",
                violation_error_message=_("统计属于一个县区或一个市/省，不能同时属于两者"),
            ),
            models.UniqueConstraint(
                fields=["county", "name"],
                condition=Q(county__isnull=False),
                name="savedstatistic_unique_county_name",
                violation_error_message=_("本县区已有同名统计"),
            ),
            models.UniqueConstraint(
                fields=["region", "name"],
                condition=Q(region__isnull=False),
                name="savedstatistic_unique_region_name",
                violation_error_message=_("本市/省已有同名统计"),
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(county__isnull=True, region__isnull=True),
                name="savedstatistic_unique_global_name",
                violation_error_message=_("已有同名统计"),
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="savedstatistic_has_name", violation_error_message=_("请填写统计名称")
            ),
        ]

    def __str__(self) -> str:
        return self.name
