"""Certificates (结业证书, 学时证明) with their serials and verification, and the county's settings
for printing them. Every certificate's content is a snapshot taken when it is issued: a later change
of the program or the teacher's record never changes a document already handed out."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.constraints import ExplainedConstraints
from core.jobs import Job

DEFAULT_SERIAL_TEMPLATE = "{县区代码}-{年度}-{序号:05d}"
DEFAULT_MIN_ATTENDANCE = Decimal(80)


class Layout(models.TextChoices):
    CLASSIC = "classic", _("经典（横版，边框）")
    SIMPLE = "simple", _("简洁（竖版）")


class CountyCertificateSettings(ExplainedConstraints, models.Model):
    """What a county prints on its documents: the issuing unit, its seal and signature, the serial
    template and the layout."""

    county = models.OneToOneField(
        "trainees.Region",
        verbose_name=_("县区"),
        on_delete=models.CASCADE,
        related_name="certificate_settings",
        limit_choices_to={"level": "county"},
    )
    issuing_unit = models.CharField(_("发证单位"), max_length=128, blank=True)
    signatory = models.CharField(_("签发人"), max_length=64, blank=True)
    serial_template = models.CharField(_("证书编号模板"), max_length=64, default=DEFAULT_SERIAL_TEMPLATE)
    layout = models.CharField(_("版式"), max_length=12, choices=Layout.choices, default=Layout.CLASSIC)
    seal = models.ImageField(_("公章图片"), upload_to="certificates/seals/", blank=True)
    signature = models.ImageField(_("签名图片"), upload_to="certificates/signatures/", blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    constraint_fields = {"certsettings_has_template": "serial_template"}

    class Meta:
        verbose_name = _("证书设置")
        verbose_name_plural = _("证书设置")
        constraints = [models.CheckConstraint(condition=~Q(serial_template=""), name="certsettings_has_template", violation_error_message=_("请填写证书编号模板"))]

    def __str__(self) -> str:
        return str(self.county)


class CertificateRule(ExplainedConstraints, models.Model):
    """What earns a sub-project's 结业证书; a sub-project without a rule uses the defaults."""

    subproject = models.OneToOneField(
        "programs.SubProject", verbose_name=_("子项目"), on_delete=models.CASCADE, related_name="certificate_rule"
    )
    min_attendance = models.DecimalField(
        _("最低出勤率（%）"),
        max_digits=5,
        decimal_places=1,
        default=DEFAULT_MIN_ATTENDANCE,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    require_pass = models.BooleanField(_("须考核合格（有考核方案时）"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    constraint_fields = {"certrule_attendance_percent": "min_attendance"}

    class Meta:
        verbose_name = _("结业条件")
        verbose_name_plural = _("结业条件")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_attendance__gte=0, min_attendance__lte=100), name="certrule_attendance_percent", violation_error_message=_("出勤率要求应在 0 到 100 之间")
            )
        ]

    def __str__(self) -> str:
        return str(self.subproject)


class SerialCounter(ExplainedConstraints, models.Model):
    """The last number handed out per county and year; locked while a serial is taken."""

    county = models.ForeignKey("trainees.Region", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    constraint_fields = {"serialcounter_unique_county_year": "year"}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="serialcounter_unique_county_year", violation_error_message=_("本县区该年度的编号计数已存在"))]

    def __str__(self) -> str:
        return f"{self.county_id}/{self.year}: {self.last}"


class Certificate(ExplainedConstraints, models.Model):
    class Kind(models.TextChoices):
        COMPLETION = "completion", _("结业证书")
        HOURS = "hours", _("学时证明")

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已撤销")
        REISSUED = "reissued", _("已补发")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    county = models.ForeignKey("trainees.Region", verbose_name=_("县区"), on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey(
        "trainees.Teacher", verbose_name=_("教师"), on_delete=models.PROTECT, related_name="certificates"
    )
    enrolment = models.ForeignKey(
        "programs.Enrolment",
        verbose_name=_("参训记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    serial = models.CharField(_("证书编号"), max_length=80, unique=True)
    # The serial before any reissue suffix (-R1, -R2): the chain of one certificate shares it.
    base_serial = models.CharField(_("原始编号"), max_length=72)
    reissue_number = models.PositiveSmallIntegerField(_("补发次数"), default=0)
    token = models.CharField(_("验证码"), max_length=40, unique=True, editable=False)
    # Snapshot printed on the document and shown on the verify page.
    holder_name = models.CharField(_("姓名"), max_length=64)
    holder_gender = models.CharField(_("性别"), max_length=4, blank=True)
    holder_id_masked = models.CharField(_("身份证号（隐去部分）"), max_length=18, blank=True)
    title = models.CharField(_("培训项目"), max_length=260)
    hours = models.DecimalField(_("学时"), max_digits=7, decimal_places=1)
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    issuing_unit = models.CharField(_("发证单位"), max_length=128)
    # 学时证明: the trainings that make up the hours, as printed (title, dates, hours).
    lines = models.JSONField(_("明细"), default=list, blank=True)
    layout = models.CharField(_("版式"), max_length=12, choices=Layout.choices, default=Layout.CLASSIC)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    # A reissue points back to the certificate it replaces; that one then reads 已补发.
    reissue_of = models.OneToOneField(
        "self", verbose_name=_("原证书"), null=True, blank=True, on_delete=models.PROTECT, related_name="reissued_as"
    )
    issued_at = models.DateTimeField(_("发证时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发证人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file = models.FileField(_("文件"), upload_to="certificates/", max_length=200)

    constraint_fields = {"certificate_has_file": "file", "certificate_completion_enrolment": "enrolment", "certificate_revoked_has_reason": "revoke_reason", "certificate_reissue_has_original": "reissue_of", "certificate_not_reissue_of_itself": "reissue_of", "certificate_one_valid_per_enrolment": "enrolment", "certificate_one_valid_hours_per_year": "year", "certificate_unique_reissue": "__all__"}

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(file=""), name="certificate_has_file", violation_error_message=_("证书缺少文件")),
            models.CheckConstraint(
                condition=~Q(kind="completion") | Q(enrolment__isnull=False), name="certificate_completion_enrolment", violation_error_message=_("结业证书必须对应一条报名")
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | (Q(revoked_at__isnull=False) & ~Q(revoke_reason="")),
                name="certificate_revoked_has_reason", violation_error_message=_("撤销证书必须填写原因"),
            ),
            models.CheckConstraint(
                condition=Q(reissue_number=0, reissue_of__isnull=True)
                | Q(reissue_number__gt=0, reissue_of__isnull=False),
                name="certificate_reissue_has_original", violation_error_message=_("补发证书必须指向原证书"),
            ),
            models.CheckConstraint(condition=~Q(reissue_of=F("pk")), name="certificate_not_reissue_of_itself", violation_error_message=_("证书不能是自身的补发")),
            # One certificate in force per completed enrolment, and per teacher and year for hours.
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(kind="completion", status="valid"),
                name="certificate_one_valid_per_enrolment", violation_error_message=_("该报名已有有效的结业证书"),
            ),
            models.UniqueConstraint(
                fields=["teacher", "year"],
                condition=Q(kind="hours", status="valid"),
                name="certificate_one_valid_hours_per_year", violation_error_message=_("该教师该年度已有有效的学时证明"),
            ),
            models.UniqueConstraint(fields=["base_serial", "reissue_number"], name="certificate_unique_reissue", violation_error_message=_("该补发编号已存在")),
        ]
        indexes = [models.Index(fields=["teacher", "kind"]), models.Index(fields=["enrolment", "kind"])]

    def __str__(self) -> str:
        return self.serial

    @property
    def download_name(self) -> str:
        return f"{self.get_kind_display()}-{self.holder_name}-{self.serial}.pdf"


class Verification(models.Model):
    """One look-up on the public verify page: kept to spot forgeries being checked and scraping."""

    class Via(models.TextChoices):
        TOKEN = "token", _("扫码")
        SERIAL = "serial", _("输入编号")

    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.CASCADE, related_name="verifications"
    )
    via = models.CharField(max_length=8, choices=Via.choices)
    # What was asked, cut short: an unknown token or serial is kept so repeated guessing shows.
    asked = models.CharField(max_length=80)
    found = models.BooleanField()
    client = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("验证记录")
        verbose_name_plural = _("验证记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.via} {self.asked}"


class IssueJob(ExplainedConstraints, Job):
    """One request to issue a sub-project's 结业证书 and zip them: stored before the task runs."""

    subproject = models.ForeignKey(
        "programs.SubProject", verbose_name=_("子项目"), on_delete=models.CASCADE, related_name="certificate_jobs"
    )
    county = models.ForeignKey("trainees.Region", verbose_name=_("县区"), on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    eligible = models.PositiveIntegerField(_("符合条件"), default=0)
    issued = models.PositiveIntegerField(_("本次发放"), default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(_("压缩包"), upload_to="certificates/batches/", blank=True, max_length=200)

    constraint_fields = {"issuejob_progress_percent": "progress", "issuejob_done_has_file": "file"}

    class Meta:
        verbose_name = _("批量发证")
        verbose_name_plural = _("批量发证")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="issuejob_progress_percent", violation_error_message=_("进度应在 0 到 100 之间")),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(file=""), name="issuejob_done_has_file", violation_error_message=_("已完成的发证任务必须有文件")),
        ]

    def __str__(self) -> str:
        return f"{self.subproject} #{self.pk}"

    @property
    def download_name(self) -> str:
        return f"{self.subproject.program.name}-{self.subproject.name}-结业证书.zip"
