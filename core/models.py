from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.constraints import ExplainedConstraints


class ImportUpload(ExplainedConstraints, models.Model):
    """An uploaded import file: kept between the preview and the confirmation, then as history
    (who imported which file when, the counts and the outcome) after the file itself has expired."""

    class Status(models.TextChoices):
        PARSING = "parsing", _("正在检查")
        PENDING = "pending", _("待确认")
        DONE = "done", _("已导入")
        FAILED = "failed", _("有错误")

    kind = models.CharField(_("类型"), max_length=32)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_uploads")
    # The uploader's county when the file came in: what scopes the history (empty for a superuser).
    county = models.ForeignKey(
        "trainees.Region", verbose_name=_("县区"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    total_rows = models.PositiveIntegerField(_("数据行"), default=0)
    error_count = models.PositiveIntegerField(_("问题数"), default=0)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    sheet = models.CharField(_("工作表"), max_length=100, blank=True)
    # The rows as read from the file (gzipped JSON), so reloading the preview or confirming never
    # reads the spreadsheet again; and the preview's outcome (errors, notes, sample rows).
    parsed = models.FileField(upload_to="imports/parsed/%Y/%m/", blank=True)
    result = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    imported_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    file_deleted_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True)

    constraint_fields = {"importupload_progress_percent": "progress"}

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("导入文件")
        verbose_name_plural = _("导入文件")
        indexes = [models.Index(fields=["county", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="importupload_progress_percent",
                violation_error_message=_("进度须在 0 到 100 之间"),
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def file_kept(self) -> bool:
        return bool(self.file) and self.file_deleted_at is None
