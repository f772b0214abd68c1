from typing import Any

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.constraints import ExplainedConstraints

ERR_SESSION_OUTSIDE = "培训日期须在子项目日期（{dates}）之内"
ERR_SESSIONS_LEFT_OUTSIDE = "已有培训活动安排在 {date}，不在新的起止日期之内：请先调整该活动"


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    MUNICIPAL = "municipal", _("市级")
    COUNTY = "county", _("县级")
    SCHOOL = "school", _("校本")


class CreditCategory(models.TextChoices):
    CENTRALIZED = "centralized", _("集中培训")
    ONLINE = "online", _("网络培训")
    SCHOOL_BASED = "school_based", _("校本研训")


class Category(models.Model):
    """A managed list (示范性项目, 中西部项目, …): administrators add more, nothing is hard-coded."""

    name = models.CharField(_("类别名称"), max_length=64, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    # The county that keeps this category for its own programs. Empty: shared by every county, and
    # renamed or switched off only above the counties (a city or province administrator, a superuser).
    county = models.ForeignKey(
        "trainees.Region",
        verbose_name=_("所属县区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="own_categories",
        limit_choices_to={"level": "county"},
    )

    class Meta:
        verbose_name = _("项目类别")
        verbose_name_plural = _("项目类别")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Program(ExplainedConstraints, models.Model):
    class Status(models.TextChoices):
        PLANNING = "planning", _("筹备中")
        ENROLLING = "enrolling", _("报名中")
        RUNNING = "running", _("进行中")
        FINISHED = "finished", _("已结束")

    # A county's program, or (county empty) one run above the county by a city or province office,
    # which allots places to counties (CountyQuota); the counties pass them on to their schools.
    county = models.ForeignKey(
        "trainees.Region",
        verbose_name=_("县区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programs",
    )
    region = models.ForeignKey(
        "trainees.Region",
        verbose_name=_("主办市/省"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="region_programs",
        limit_choices_to={"level__in": ["city", "province"]},
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    level = models.CharField(_("级别"), max_length=16, choices=Level.choices)
    category = models.ForeignKey(Category, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="programs")
    name = models.CharField(_("项目名称"), max_length=128)
    issuer = models.CharField(_("发文单位"), max_length=128, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PLANNING)
    created_at = models.DateTimeField(auto_now_add=True)

    constraint_fields = {
        "program_unique_year_name_county": "name",
        "program_unique_year_name_region": "name",
        "program_year_range": "year",
        "program_owned_by_county_or_region": "__all__",
        "program_region_level": "level",
    }

    class Meta:
        verbose_name = _("培训项目")
        verbose_name_plural = _("培训项目")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "name", "county"],
                name="program_unique_year_name_county",
                violation_error_message=_("本县区同一年度已有同名项目"),
            ),
            models.UniqueConstraint(
                fields=["year", "name", "region"],
                condition=Q(region__isnull=False),
                name="program_unique_year_name_region",
                violation_error_message=_("本市/省同一年度已有同名项目"),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="program_year_range",
                violation_error_message=_("年度须在 2000 到 2100 之间"),
            ),
            models.CheckConstraint(
                condition=Q(county__isnull=False, region__isnull=True) | Q(county__isnull=True, region__isnull=False),
                name="program_owned_by_county_or_region",
                violation_error_message=_("培训项目属于一个县区，或属于一个市、省（二者选一）"),
            ),
            # An office above the county runs programs at its own level (市级 or 省级).
            models.CheckConstraint(
                condition=Q(region__isnull=True) | Q(level__in=["municipal", "provincial"]),
                name="program_region_level",
                violation_error_message=_("市级、省级部门的项目级别须为“市级”或“省级”"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    @property
    def is_region_program(self) -> bool:
        return self.region_id is not None

    @property
    def owner(self) -> Any:
        """The county, city or province that runs the program."""
        return self.region if self.region_id else self.county


class SubProject(ExplainedConstraints, models.Model):
    class Kind(models.TextChoices):
        OUTREACH = "outreach", _("送教下乡")
        WORKSHOP = "workshop", _("教师工作坊研修")
        TRAINING_TEAM = "training_team", _("培训团队研修")
        VISIT_SCHOOLS = "visit_schools", _("访名校")
        BACKBONE = "backbone", _("骨干教师培训")
        PRINCIPAL = "principal", _("校长提高培训")
        REPLACEMENT = "replacement", _("置换脱产研修")
        SHORT_CENTRALIZED = "short", _("短期集中培训")
        ONLINE = "online", _("网络研修")
        SCHOOL_BASED = "school_based", _("校本研修")
        OTHER = "other", _("其他")

    class Modality(models.TextChoices):
        CENTRALIZED = "centralized", _("集中")
        ONLINE = "online", _("网络")
        BLENDED = "blended", _("混合")
        SHADOWING = "shadowing", _("跟岗")
        OUTREACH = "outreach", _("送教")
        SCHOOL_BASED = "school_based", _("校本")

    # Modalities whose dates tie a teacher down in person; overlapping ones cannot both be attended.
    FACE_TO_FACE = (Modality.CENTRALIZED, Modality.BLENDED, Modality.SHADOWING)

    program = models.ForeignKey(Program, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="subprojects")
    name = models.CharField(_("子项目名称"), max_length=128)
    kind = models.CharField(_("子项目类型"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    institution = models.CharField(_("承办机构"), max_length=128, blank=True)
    modality = models.CharField(_("形式"), max_length=16, choices=Modality.choices, default=Modality.CENTRALIZED)
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1, default=0)
    credit_category = models.CharField(
        _("学分类别"), max_length=16, choices=CreditCategory.choices, default=CreditCategory.CENTRALIZED
    )
    quota = models.PositiveIntegerField(_("名额"), default=0)
    budget = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2, null=True, blank=True)

    constraint_fields = {
        "subproject_unique_name_in_program": "name",
        "subproject_dates_ordered": "end_date",
        "subproject_hours_non_negative": "hours",
    }

    class Meta:
        verbose_name = _("子项目")
        verbose_name_plural = _("子项目")
        ordering = ["program", "start_date", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "name"],
                name="subproject_unique_name_in_program",
                violation_error_message=_("本项目已有同名子项目"),
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="subproject_dates_ordered",
                violation_error_message=_("结束日期不能早于开始日期"),
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0),
                name="subproject_hours_non_negative",
                violation_error_message=_("学时不能为负数"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def dates_text(self) -> str:
        start = f"{self.start_date:%Y-%m-%d}" if self.start_date else _("不限")
        end = f"{self.end_date:%Y-%m-%d}" if self.end_date else _("不限")
        return f"{start} 至 {end}"

    def clean(self) -> None:
        # New dates may not leave sessions already planned outside them.
        if not self.pk or not (self.start_date or self.end_date):
            return
        outside = Q()
        if self.start_date:
            outside |= Q(date__lt=self.start_date)
        if self.end_date:
            outside |= Q(date__gt=self.end_date)
        first = self.sessions.filter(outside).order_by("date").values_list("date", flat=True).first()
        if first is not None:
            field = "start_date" if self.start_date and first < self.start_date else "end_date"
            raise ValidationError({field: _(ERR_SESSIONS_LEFT_OUTSIDE).format(date=f"{first:%Y-%m-%d}")})


class Session(ExplainedConstraints, models.Model):
    """A dated activity of a sub-project; attendance, outreach visits and workshop activities hang on it."""

    class Kind(models.TextChoices):
        LECTURE = "lecture", _("集中授课")
        PRACTICE = "practice", _("实践研修")
        OUTREACH_VISIT = "outreach_visit", _("送教活动")
        WORKSHOP_OFFLINE = "workshop_offline", _("工作坊线下研修")
        SCHOOL_BASED = "school_based", _("校本研修活动")
        ONLINE_LIVE = "online_live", _("网络直播")
        OTHER = "other", _("其他")

    subproject = models.ForeignKey(
        SubProject, verbose_name=_("子项目"), on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField(_("主题"), max_length=128, blank=True)
    date = models.DateField(_("日期"))
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=128, blank=True)
    host_school = models.ForeignKey(
        "trainees.School",
        verbose_name=_("承办学校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_sessions",
    )
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=0)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.LECTURE)

    constraint_fields = {"session_times_ordered": "end_time", "session_hours_non_negative": "hours"}

    class Meta:
        verbose_name = _("培训活动")
        verbose_name_plural = _("培训活动")
        ordering = ["date", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="session_times_ordered",
                violation_error_message=_("结束时间须晚于开始时间"),
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0),
                name="session_hours_non_negative",
                violation_error_message=_("学时不能为负数"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title or self.subproject.name}"

    def clean(self) -> None:
        # A session outside its sub-project's dates would count hours and attendance for days the
        # training does not run; the import path goes through full_clean too.
        sub = self.subproject if self.subproject_id else None
        if sub is None or self.date is None:
            return
        if (sub.start_date and self.date < sub.start_date) or (sub.end_date and self.date > sub.end_date):
            raise ValidationError({"date": _(ERR_SESSION_OUTSIDE).format(dates=sub.dates_text())})


class SchoolQuota(ExplainedConstraints, models.Model):
    subproject = models.ForeignKey(SubProject, on_delete=models.CASCADE, related_name="school_quotas")
    school = models.ForeignKey(
        "trainees.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="quotas"
    )
    quota = models.PositiveIntegerField(_("名额"))

    constraint_fields = {"quota_unique_school": "school"}

    class Meta:
        verbose_name = _("学校名额")
        verbose_name_plural = _("学校名额")
        constraints = [
            models.UniqueConstraint(
                fields=["subproject", "school"],
                name="quota_unique_school",
                violation_error_message=_("该校在本子项目已有名额"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.subproject} / {self.school}: {self.quota}"


class CountyQuota(ExplainedConstraints, models.Model):
    """Places a city or province program's sub-project allots a county (名额分配); the county passes
    them on to its schools as SchoolQuota rows and confirms its own teachers."""

    subproject = models.ForeignKey(SubProject, on_delete=models.CASCADE, related_name="county_quotas")
    county = models.ForeignKey(
        "trainees.Region",
        verbose_name=_("县区"),
        on_delete=models.PROTECT,
        related_name="allotted_quotas",
        limit_choices_to={"level": "county"},
    )
    quota = models.PositiveIntegerField(_("名额"))

    constraint_fields = {"county_quota_unique_county": "county"}

    class Meta:
        verbose_name = _("县区名额")
        verbose_name_plural = _("县区名额")
        ordering = ["subproject", "county__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subproject", "county"],
                name="county_quota_unique_county",
                violation_error_message=_("该县区在本子项目已有名额"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.subproject} / {self.county}: {self.quota}"


# Database triggers record every insert and update, bulk ones included; services and imports wrap
# their writes in pghistory.context(user=...) so each event says who made it. Statement-level
# triggers: a row-level one attaches the context once per row (a subtransaction each), which made a
# 20,000-row import 25x slower than the same insert without history.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    level=pghistory.Statement,
    # The two look-ups a history is read by keep their indexes (settings.PGHISTORY_FOREIGN_KEY_FIELD).
    obj_field=pghistory.ObjForeignKey(related_name="events", db_index=True),
    context_field=pghistory.ContextForeignKey(db_index=True),
)
class Enrolment(ExplainedConstraints, models.Model):
    class Status(models.TextChoices):
        NOMINATED = "nominated", _("已提名")
        CONFIRMED = "confirmed", _("已确认")
        COMPLETED = "completed", _("已完成")
        REJECTED = "rejected", _("未通过")
        WITHDRAWN = "withdrawn", _("已退出")
        SUBSTITUTED = "substituted", _("已换人")

    # Statuses that hold a place; a teacher may hold at most one place per sub-project.
    ACTIVE = (Status.NOMINATED, Status.CONFIRMED, Status.COMPLETED)
    # Statuses that count as taking part (参训人次).
    PARTICIPATING = (Status.CONFIRMED, Status.COMPLETED)

    # No single-column indexes of their own: (subproject, status) and (teacher, status) below start with
    # them and serve every look-up by either, so each place written costs two index entries less.
    subproject = models.ForeignKey(
        SubProject, verbose_name=_("子项目"), on_delete=models.PROTECT, related_name="enrolments", db_index=False
    )
    teacher = models.ForeignKey(
        "trainees.Teacher", verbose_name=_("教师"), on_delete=models.PROTECT, related_name="enrolments", db_index=False
    )
    # The school at the time of enrolment: quotas and rosters stay right when the teacher moves later.
    school = models.ForeignKey(
        "trainees.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.NOMINATED)
    replaces = models.OneToOneField(
        "self", verbose_name=_("替换"), null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("提名时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("状态变更时间"), auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    constraint_fields = {
        "enrolment_one_active_place_per_teacher": "teacher",
        "enrolment_not_replacing_itself": "replaces",
    }

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["subproject", "school", "teacher"]
        constraints = [
            models.UniqueConstraint(
                fields=["subproject", "teacher"],
                condition=Q(status__in=["nominated", "confirmed", "completed"]),
                name="enrolment_one_active_place_per_teacher",
                violation_error_message=_("该教师已报名本子项目"),
            ),
            models.CheckConstraint(
                condition=~Q(replaces=F("id")),
                name="enrolment_not_replacing_itself",
                violation_error_message=_("不能替换自己"),
            ),
        ]
        indexes = [models.Index(fields=["subproject", "status"]), models.Index(fields=["teacher", "status"])]

    def __str__(self) -> str:
        return f"{self.teacher} @ {self.subproject}"


class Notice(ExplainedConstraints, models.Model):
    """What a teacher was told (enrolled, substituted, withdrawn…): stored, shown in the app, e-mailed."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", _("报名确认")
        SUBSTITUTED = "substituted", _("换人参训")
        WITHDRAWN = "withdrawn", _("退出培训")
        OTHER = "other", _("其他")

    # No index of its own: `notice_pending_response` starts with the teacher and serves every look-up
    # by teacher (a teacher's notices, the cascade when one is deleted); an import writes one index less
    # for each of its notices.
    teacher = models.ForeignKey("trainees.Teacher", on_delete=models.CASCADE, related_name="notices", db_index=False)
    enrolment = models.ForeignKey(Enrolment, null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))

    class Response(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", _("确认参训")
        DECLINED = "declined", _("无法参加")

    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    sms_sent_at = models.DateTimeField(_("短信发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Notices that place a teacher on a training ask for an answer: 确认参训, or 无法参加 with a reason
    # (which becomes a SubstitutionRequest for the coordinator).
    needs_response = models.BooleanField(_("需回复"), default=False)
    response = models.CharField(_("回复"), max_length=16, choices=Response.choices, blank=True)
    response_reason = models.CharField(_("无法参加的原因"), max_length=200, blank=True)
    responded_at = models.DateTimeField(_("回复时间"), null=True, blank=True)

    constraint_fields = {"notice_response_only_when_asked": "response", "notice_decline_has_reason": "response_reason"}

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(response="") | Q(needs_response=True, responded_at__isnull=False),
                name="notice_response_only_when_asked",
                violation_error_message=_("这条通知不需要回复"),
            ),
            models.CheckConstraint(
                condition=~Q(response="declined") | ~Q(response_reason=""),
                name="notice_decline_has_reason",
                violation_error_message=_("请填写无法参加的原因"),
            ),
        ]
        indexes = [models.Index(fields=["teacher", "needs_response", "response"], name="notice_pending_response")]

    def __str__(self) -> str:
        return self.subject


class PendingNotices(models.Model):
    """Notices owed for places a large import wrote (its COPY path): stored in the import's own
    transaction, so no place goes untold, and turned into notices by the notices queue once it commits
    (`programs.notices.pending_notices_deliver`). The import then waits for its places alone: writing
    300,000 notices and checking their foreign keys took a third of its time. Ids in chunks, so one
    delivery stays short."""

    class Action(models.TextChoices):
        NEW = "new", _("新报名")
        UPDATE = "update", _("状态变更")

    created_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    status = models.CharField(max_length=16, choices=Enrolment.Status.choices)
    # Plain ids, not foreign keys: a place deleted before delivery simply gets no notice.
    enrolment_ids = models.JSONField(default=list)

    class Meta:
        verbose_name = _("待发通知")
        verbose_name_plural = _("待发通知")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.get_status_display()} ×{len(self.enrolment_ids)}"


class SubstitutionRequest(ExplainedConstraints, models.Model):
    """A request to replace an enrolled trainee (换人): from the teacher (无法参加) or the coordinator.

    County staff decide; the substitution itself is `enrolment_substitute`, and the request keeps the
    reason, who asked, who decided and when."""

    class Source(models.TextChoices):
        TEACHER = "teacher", _("教师无法参加")
        COORDINATOR = "coordinator", _("学校申请换人")

    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        APPROVED = "approved", _("已同意")
        DECLINED = "declined", _("未同意")

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("报名"), on_delete=models.CASCADE, related_name="substitution_requests"
    )
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    reason = models.CharField(_("原因"), max_length=200)
    # The coordinator's proposed replacement; staff may choose another when they decide.
    replacement = models.ForeignKey(
        "trainees.Teacher",
        verbose_name=_("建议替换教师"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.CharField(_("处理意见"), max_length=200, blank=True)
    # The replacing enrolment when the request was approved with a substitution.
    result = models.OneToOneField(
        Enrolment, null=True, blank=True, on_delete=models.SET_NULL, related_name="substitution_request_result"
    )

    constraint_fields = {
        "substitution_request_one_pending": "enrolment",
        "substitution_request_has_reason": "reason",
        "substitution_request_decided_iff_not_pending": "status",
    }

    class Meta:
        verbose_name = _("换人申请")
        verbose_name_plural = _("换人申请")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(status="pending"),
                name="substitution_request_one_pending",
                violation_error_message=_("该学员已有待处理的换人申请"),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="substitution_request_has_reason", violation_error_message=_("请填写原因")
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="substitution_request_decided_iff_not_pending",
                violation_error_message=_("处理换人申请时须记录处理时间"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.get_status_display()}"
