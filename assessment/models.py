import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.constraints import ExplainedConstraints
from programs.models import CreditCategory as SubProjectCategory


class Unit(models.TextChoices):
    HOURS = "hours", _("学时")
    CREDITS = "credits", _("学分")


class CountyCreditCategory(ExplainedConstraints, models.Model):
    """A county's credit category 学分类别 with its own 学时 → 学分 rate; sub-projects map to one by their
    学分类别 (集中/网络/校本), other sources (claims, 送教上门) name one directly."""

    county = models.ForeignKey(
        "trainees.Region", verbose_name=_("县区"), on_delete=models.CASCADE, related_name="credit_categories"
    )
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("类别名称"), max_length=32)
    hours_per_credit = models.DecimalField(_("每学分学时数"), max_digits=5, decimal_places=1, default=10)
    subproject_category = models.CharField(
        _("对应子项目学分类别"), max_length=16, blank=True, choices=SubProjectCategory.choices
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    constraint_fields = {"credit_category_unique_code": "code", "credit_category_unique_name": "name", "credit_category_one_per_subproject_category": "subproject_category", "credit_category_rate_positive": "hours_per_credit"}

    class Meta:
        verbose_name = _("学分类别")
        verbose_name_plural = _("学分类别")
        ordering = ["county", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="credit_category_unique_code", violation_error_message=_("本县区已有该代码的学分类别")),
            models.UniqueConstraint(fields=["county", "name"], name="credit_category_unique_name", violation_error_message=_("本县区已有同名的学分类别")),
            models.UniqueConstraint(
                fields=["county", "subproject_category"],
                condition=~Q(subproject_category=""),
                name="credit_category_one_per_subproject_category", violation_error_message=_("该子项目学分类别已对应到另一个类别"),
            ),
            models.CheckConstraint(condition=Q(hours_per_credit__gt=0), name="credit_category_rate_positive", violation_error_message=_("每学分学时数必须大于 0")),
        ]

    def __str__(self) -> str:
        return self.name


class CreditRequirement(ExplainedConstraints, models.Model):
    """A county's yearly requirement per teacher: a total and minimums per category, in 学时 or 学分.

    A requirement may be for a group only (特岗, new teachers, principals); `total_hours` holds the total
    in the requirement's unit (the column keeps its old name for the reports that read it)."""

    class Group(models.TextChoices):
        ALL = "all", _("全体教师")
        SPECIAL_POST = "special_post", _("特岗教师")
        NEW_TEACHER = "new_teacher", _("新教师")
        PRINCIPAL = "principal", _("校长")

    county = models.ForeignKey("trainees.Region", verbose_name=_("县区"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    group = models.CharField(_("适用对象"), max_length=16, choices=Group.choices, default=Group.ALL)
    # New teachers: those whose 入职年份 is within this many years before the requirement's year.
    new_within_years = models.PositiveSmallIntegerField(_("新教师入职年限"), default=3)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices, default=Unit.HOURS)
    total_hours = models.DecimalField(_("年度总要求"), max_digits=6, decimal_places=1)
    updated_at = models.DateTimeField(auto_now=True)

    constraint_fields = {"requirement_unique_county_year_group": "group", "requirement_non_negative": "total_hours"}

    class Meta:
        verbose_name = _("学时要求")
        verbose_name_plural = _("学时要求")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year", "group"],
                name="requirement_unique_county_year_group",
                violation_error_message=_("本县区该年度已为该对象设置学分要求"),
            ),
            models.CheckConstraint(
                condition=Q(total_hours__gte=0),
                name="requirement_non_negative",
                violation_error_message=_("学时要求不能为负数"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.year} {self.get_group_display()}"

    @property
    def rule_label(self) -> str:
        return f"{self.year} {self.get_group_display()} {self.total_hours}{self.get_unit_display()}"


class RequirementMinimum(ExplainedConstraints, models.Model):
    """A category minimum of a requirement, in the requirement's unit."""

    requirement = models.ForeignKey(CreditRequirement, on_delete=models.CASCADE, related_name="minimums")
    category = models.ForeignKey(CountyCreditCategory, verbose_name=_("学分类别"), on_delete=models.CASCADE)
    minimum = models.DecimalField(_("最低要求"), max_digits=6, decimal_places=1)

    constraint_fields = {"requirement_minimum_once": "category", "requirement_minimum_non_negative": "minimum"}

    class Meta:
        verbose_name = _("类别最低要求")
        verbose_name_plural = _("类别最低要求")
        constraints = [
            models.UniqueConstraint(fields=["requirement", "category"], name="requirement_minimum_once", violation_error_message=_("该类别的最低要求已设置")),
            models.CheckConstraint(condition=Q(minimum__gte=0), name="requirement_minimum_non_negative", violation_error_message=_("最低要求不能为负数")),
        ]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.minimum}"


class RequirementExemption(ExplainedConstraints, models.Model):
    """Who a requirement does not apply to: every condition given must hold (e.g. women aged 50 or more).

    Age is the age reached by 31 December of the requirement's year, from the birth date the 身份证号
    carries; the next applicable requirement (if any) then applies."""

    requirement = models.ForeignKey(CreditRequirement, on_delete=models.CASCADE, related_name="exemptions")
    # With a category: exempt from that category's minimum only (e.g. the 信息技术 hours); else from the
    # whole requirement, and the next applicable one applies.
    category = models.ForeignKey(
        CountyCreditCategory, verbose_name=_("学分类别"), null=True, blank=True, on_delete=models.CASCADE
    )
    gender = models.CharField(_("性别"), max_length=1, blank=True, choices=[("M", _("男")), ("F", _("女"))])
    min_age = models.PositiveSmallIntegerField(_("年龄不低于"), null=True, blank=True)
    stage = models.CharField(_("学段"), max_length=16, blank=True)
    post = models.CharField(_("岗位"), max_length=16, blank=True)

    constraint_fields = {"exemption_has_condition": "__all__"}

    class Meta:
        verbose_name = _("免修规则")
        verbose_name_plural = _("免修规则")
        constraints = [
            models.CheckConstraint(
                condition=~Q(gender="", min_age__isnull=True, stage="", post=""), name="exemption_has_condition", violation_error_message=_("免修规则至少要有一个条件（性别、年龄、学段或岗位）")
            )
        ]

    def __str__(self) -> str:
        return f"{self.requirement_id}: {self.gender} {self.min_age} {self.stage} {self.post}"


class CreditCycle(ExplainedConstraints, models.Model):
    """The county's continuing-education cycle: start year, length and total (default 5 years, 360 学时)."""

    county = models.ForeignKey("trainees.Region", verbose_name=_("县区"), on_delete=models.PROTECT, related_name="+")
    start_year = models.PositiveSmallIntegerField(_("起始年度"))
    years = models.PositiveSmallIntegerField(_("周期年数"), default=5)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices, default=Unit.HOURS)
    total = models.DecimalField(_("周期总要求"), max_digits=7, decimal_places=1, default=360)
    updated_at = models.DateTimeField(auto_now=True)

    constraint_fields = {"cycle_unique_start": "start_year", "cycle_years_range": "years", "cycle_total_non_negative": "total"}

    class Meta:
        verbose_name = _("继续教育周期")
        verbose_name_plural = _("继续教育周期")
        ordering = ["county", "-start_year"]
        constraints = [
            models.UniqueConstraint(fields=["county", "start_year"], name="cycle_unique_start", violation_error_message=_("本县区已有从该年度开始的周期")),
            models.CheckConstraint(condition=Q(years__gte=1, years__lte=10), name="cycle_years_range", violation_error_message=_("周期年数应在 1 到 10 年之间")),
            models.CheckConstraint(condition=Q(total__gte=0), name="cycle_total_non_negative", violation_error_message=_("周期总要求不能为负数")),
        ]

    def __str__(self) -> str:
        return f"{self.start_year}–{self.end_year}"

    @property
    def end_year(self) -> int:
        return self.start_year + self.years - 1


class CreditEntry(ExplainedConstraints, models.Model):
    """The ledger: one row per credited item. Every total anyone sees is a sum of these rows.

    Rows from records (enrolments, 校本 sessions, 送教上门) are rewritten by the rebuild, keyed by their
    source so a rebuild is idempotent; claims and corrections are written once by their services."""

    class Source(models.TextChoices):
        ENROLMENT = "enrolment", _("培训项目")
        SCHOOL_SESSION = "school_session", _("校本研修")
        HOME_VISIT = "home_visit", _("送教上门")
        CLAIM = "claim", _("学分申报")
        TRAINER = "trainer", _("培训授课")
        CORRECTION = "correction", _("更正")
        CARRY_OVER = "carry_over", _("超额结转")
        MIGRATED = "migrated", _("原学时统计")

    class Status(models.TextChoices):
        COUNTED = "counted", _("已计入")
        PENDING = "pending", _("公示中")

    # No single-column indexes on these three: the composite indexes below (and the unique key, for the
    # teacher) begin with them, and every ledger write would maintain three more indexes for nothing.
    teacher = models.ForeignKey(
        "trainees.Teacher", on_delete=models.CASCADE, related_name="credit_entries", db_index=False
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    county = models.ForeignKey("trainees.Region", on_delete=models.PROTECT, related_name="+", db_index=False)
    school = models.ForeignKey(
        "trainees.School", on_delete=models.PROTECT, related_name="credit_entries", db_index=False
    )
    category = models.ForeignKey(
        CountyCreditCategory, verbose_name=_("学分类别"), on_delete=models.PROTECT, related_name="entries"
    )
    source_kind = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    source_id = models.BigIntegerField(_("来源编号"))
    title = models.CharField(_("内容"), max_length=200, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=7, decimal_places=1)
    credits = models.DecimalField(_("学分"), max_digits=7, decimal_places=2)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.COUNTED)
    # Set with the school's registration or a cycle's review: the rebuild leaves the row alone.
    locked = models.BooleanField(_("已锁定"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    constraint_fields = {"ledger_one_row_per_source": "__all__", "ledger_non_negative": "hours"}

    class Meta:
        verbose_name = _("学时记录")
        verbose_name_plural = _("学时记录")
        ordering = ["teacher", "year", "category__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "source_kind", "source_id", "category"], name="ledger_one_row_per_source", violation_error_message=_("该来源的学时已记入")
            ),
            # Only a correction may take hours away (it records the difference it makes).
            models.CheckConstraint(
                condition=Q(source_kind="correction") | Q(hours__gte=0, credits__gte=0), name="ledger_non_negative", violation_error_message=_("只有更正可以记负数学时")
            ),
        ]
        indexes = [
            models.Index(fields=["county", "year"]),
            models.Index(fields=["teacher", "year"]),
            models.Index(fields=["school", "year"]),
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.year} {self.source_kind}#{self.source_id}: {self.hours}"


class CreditTally(ExplainedConstraints, models.Model):
    """One teacher's computed hours and credits for one year (written by the tally, never typed in)."""

    teacher = models.ForeignKey("trainees.Teacher", on_delete=models.CASCADE, related_name="credit_tallies")
    year = models.PositiveSmallIntegerField(_("年度"))
    county = models.ForeignKey("trainees.Region", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("trainees.School", on_delete=models.PROTECT, related_name="credit_tallies")
    centralized_hours = models.DecimalField(_("集中培训学时"), max_digits=7, decimal_places=1, default=0)
    online_hours = models.DecimalField(_("网络培训学时"), max_digits=7, decimal_places=1, default=0)
    school_based_hours = models.DecimalField(_("校本研训学时"), max_digits=7, decimal_places=1, default=0)
    total_hours = models.DecimalField(_("总学时"), max_digits=7, decimal_places=1, default=0)
    credits = models.DecimalField(_("学分"), max_digits=7, decimal_places=2, default=0)
    met = models.BooleanField(_("达标"), default=False)
    # In the unit of the requirement that applied (`unit`), despite the column's name.
    shortfall_hours = models.DecimalField(_("差额"), max_digits=7, decimal_places=1, default=0)
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices, default=Unit.HOURS)
    requirement_total = models.DecimalField(_("要求"), max_digits=7, decimal_places=1, null=True, blank=True)
    rule = models.CharField(_("适用规则"), max_length=120, blank=True)
    computed_at = models.DateTimeField(auto_now=True)
    # Set while the school's registration is submitted or approved: the tally leaves the row alone.
    locked = models.BooleanField(_("已锁定"), default=False)

    constraint_fields = {"tally_one_per_teacher_year": "year"}

    class Meta:
        verbose_name = _("学时统计")
        verbose_name_plural = _("学时统计")
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "year"],
                name="tally_one_per_teacher_year",
                violation_error_message=_("该教师本年度已有学分汇总"),
            )
        ]
        indexes = [models.Index(fields=["county", "year"]), models.Index(fields=["school", "year"])]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.year}: {self.total_hours}"


# ---------------------------------------------------------------------------------------------
# Assessment schemes and results


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


PASSING_GRADES = (Grade.EXCELLENT, Grade.PASS)


class AssessmentScheme(ExplainedConstraints, models.Model):
    """How a sub-project's trainees are scored: weighted components, a pass mark and the 优秀 rule.

    A template scheme has no sub-project; sub-project schemes are copied from it."""

    county = models.ForeignKey("trainees.Region", verbose_name=_("县区"), on_delete=models.PROTECT, related_name="+")
    subproject = models.OneToOneField(
        "programs.SubProject",
        verbose_name=_("子项目"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assessment_scheme",
    )
    name = models.CharField(_("方案名称"), max_length=128)
    is_template = models.BooleanField(_("模板"), default=False)
    pass_mark = models.DecimalField(_("合格分数线"), max_digits=5, decimal_places=1, default=60)
    excellent_threshold = models.DecimalField(_("优秀分数线"), max_digits=5, decimal_places=1, null=True, blank=True)
    excellent_share = models.DecimalField(_("优秀比例上限（%）"), max_digits=5, decimal_places=1, null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    constraint_fields = {
        "scheme_template_xor_subproject": "subproject",
        "scheme_pass_mark_range": "pass_mark",
        "scheme_excellent_threshold_range": "excellent_threshold",
        "scheme_excellent_share_range": "excellent_share",
        "scheme_template_never_published": "is_template",
    }

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-is_template", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_template=True, subproject__isnull=True) | Q(is_template=False, subproject__isnull=False),
                name="scheme_template_xor_subproject",
                violation_error_message=_("考核方案要么是模板，要么属于一个子项目"),
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0, pass_mark__lte=100),
                name="scheme_pass_mark_range",
                violation_error_message=_("合格线须在 0 到 100 之间"),
            ),
            models.CheckConstraint(
                condition=Q(excellent_threshold__isnull=True)
                | Q(excellent_threshold__gte=0, excellent_threshold__lte=100),
                name="scheme_excellent_threshold_range",
                violation_error_message=_("优秀分数线须在 0 到 100 之间"),
            ),
            models.CheckConstraint(
                condition=Q(excellent_share__isnull=True) | Q(excellent_share__gt=0, excellent_share__lte=100),
                name="scheme_excellent_share_range",
                violation_error_message=_("优秀比例须大于 0 且不超过 100"),
            ),
            models.CheckConstraint(
                condition=Q(is_template=False) | Q(published_at__isnull=True),
                name="scheme_template_never_published",
                violation_error_message=_("模板不能发布成绩"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Component(ExplainedConstraints, models.Model):
    class Source(models.TextChoices):
        ATTENDANCE = "attendance", _("出勤")
        ONLINE_HOURS = "online_hours", _("网络研修学时")
        TASKS = "tasks", _("任务完成")
        MANUAL = "manual", _("人工评分")

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="components")
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    label = models.CharField(_("考核项"), max_length=32)
    weight = models.PositiveSmallIntegerField(_("权重（%）"))
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    # For online hours: the hours that earn full marks.
    target_hours = models.DecimalField(_("目标学时"), max_digits=6, decimal_places=1, null=True, blank=True)

    constraint_fields = {
        "component_unique_label": "label",
        "component_weight_range": "weight",
        "component_online_has_target": "target_hours",
    }

    class Meta:
        verbose_name = _("考核项")
        verbose_name_plural = _("考核项")
        ordering = ["scheme", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "label"],
                name="component_unique_label",
                violation_error_message=_("本方案已有同名考核项目"),
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0, weight__lte=100),
                name="component_weight_range",
                violation_error_message=_("权重须在 0 到 100 之间"),
            ),
            models.CheckConstraint(
                condition=~Q(source="online_hours") | Q(target_hours__gt=0),
                name="component_online_has_target",
                violation_error_message=_("在线学时考核项须填写大于 0 的目标学时"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.weight}%"


class ManualScore(ExplainedConstraints, models.Model):
    """A score typed in (grid or import) for a manual component."""

    enrolment = models.ForeignKey("programs.Enrolment", on_delete=models.CASCADE, related_name="manual_scores")
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="manual_scores")
    value = models.DecimalField(_("分数"), max_digits=5, decimal_places=1)

    constraint_fields = {"manual_score_one_per_component": "component", "manual_score_range": "value"}

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "component"],
                name="manual_score_one_per_component",
                violation_error_message=_("该学员在此考核项已有分数"),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0, value__lte=100),
                name="manual_score_range",
                violation_error_message=_("分数须在 0 到 100 之间"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.component_id}: {self.value}"


class Result(ExplainedConstraints, models.Model):
    """One trainee's computed assessment: component scores, final score and grade.

    `version` grows with every save so a stale score-entry grid cannot overwrite newer scores."""

    enrolment = models.OneToOneField("programs.Enrolment", on_delete=models.CASCADE, related_name="assessment_result")
    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="results")
    component_scores = models.JSONField(_("各项得分"), default=dict)
    final_score = models.DecimalField(_("总评成绩"), max_digits=5, decimal_places=1, null=True, blank=True)
    grade = models.CharField(_("等第"), max_length=12, choices=Grade.choices, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    constraint_fields = {"result_score_range": "final_score", "result_grade_iff_score": "grade"}

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        constraints = [
            models.CheckConstraint(
                condition=Q(final_score__isnull=True) | Q(final_score__gte=0, final_score__lte=100),
                name="result_score_range",
                violation_error_message=_("总分须在 0 到 100 之间"),
            ),
            models.CheckConstraint(
                condition=Q(final_score__isnull=True, grade="") | Q(final_score__isnull=False) & ~Q(grade=""),
                name="result_grade_iff_score",
                violation_error_message=_("有总分时须有等级，没有总分时不能有等级"),
            ),
        ]
        indexes = [models.Index(fields=["scheme", "grade"])]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.final_score} {self.grade}"


# ---------------------------------------------------------------------------------------------
# Satisfaction survey 满意度: answers are not linked to anyone


SURVEY_QUESTIONS = (
    ("q_content", _("培训内容符合需求")),
    ("q_teaching", _("授课教师水平")),
    ("q_organisation", _("组织管理与服务")),
    ("q_usefulness", _("对教学实践的帮助")),
)


def _rating(label):
    return models.PositiveSmallIntegerField(label)


class SurveyResponse(ExplainedConstraints, models.Model):
    """An anonymous answer. Deliberately without trainee, enrolment, time or sequential id: a random
    UUID key, so neither the row nor its position can be matched with a `SurveyAnswered` marker."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subproject = models.ForeignKey("programs.SubProject", on_delete=models.CASCADE, related_name="survey_responses")
    q_content = _rating(_("培训内容符合需求"))
    q_teaching = _rating(_("授课教师水平"))
    q_organisation = _rating(_("组织管理与服务"))
    q_usefulness = _rating(_("对教学实践的帮助"))
    comment = models.TextField(_("意见建议"), blank=True, max_length=1000)

    constraint_fields = {"survey_ratings_1_to_5": "__all__"}

    class Meta:
        verbose_name = _("满意度答卷")
        verbose_name_plural = _("满意度答卷")
        ordering = ["id"]  # random order, never the order of answering
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    **{f"{name}__gte": 1 for name, _label in SURVEY_QUESTIONS},
                    **{f"{name}__lte": 5 for name, _label in SURVEY_QUESTIONS},
                ),
                name="survey_ratings_1_to_5",
                violation_error_message=_("每项评分须在 1 到 5 之间"),
            )
        ]

    def __str__(self) -> str:
        return str(self.id)


class SurveyAnswered(models.Model):
    """That an enrolment has answered (once only), kept apart from the answer itself."""

    enrolment = models.OneToOneField("programs.Enrolment", on_delete=models.CASCADE, related_name="survey_answered")

    class Meta:
        verbose_name = _("已填满意度")
        verbose_name_plural = _("已填满意度")

    def __str__(self) -> str:
        return str(self.enrolment_id)


# ---------------------------------------------------------------------------------------------
# Credit rules


class CountyCreditSettings(ExplainedConstraints, models.Model):
    class Mode(models.TextChoices):
        FULL = "full", _("合格即计子项目学时")
        PROPORTIONAL = "proportional", _("按实际出勤学时计")

    county = models.OneToOneField(
        "trainees.Region", verbose_name=_("县区"), on_delete=models.CASCADE, related_name="credit_settings"
    )
    hours_per_credit = models.DecimalField(_("每学分学时数"), max_digits=5, decimal_places=1, default=10)
    mode = models.CharField(_("学时认定方式"), max_length=16, choices=Mode.choices, default=Mode.FULL)
    # 送教上门 hours enter the ledger in this category when the county turns the rule on.
    home_visit_category = models.ForeignKey(
        "CountyCreditCategory",
        verbose_name=_("送教上门计入类别"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # 学分申报: days an approved claim stays 公示中 before its credit is counted (0: counted at once).
    claim_publicity_days = models.PositiveSmallIntegerField(_("学分申报公示天数"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    constraint_fields = {
        "credit_hours_per_credit_pos": "hours_per_credit",
        "credit_claim_publicity_days_range": "claim_publicity_days",
    }

    class Meta:
        verbose_name = _("学分设置")
        verbose_name_plural = _("学分设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_per_credit__gt=0),
                name="credit_hours_per_credit_pos",
                violation_error_message=_("每学分折合学时须大于 0"),
            ),
            models.CheckConstraint(
                condition=Q(claim_publicity_days__lte=60),
                name="credit_claim_publicity_days_range",
                violation_error_message=_("公示天数应在 0 到 60 天之间"),
            ),
        ]

    def __str__(self) -> str:
        return str(self.county)


class SchoolProject(ExplainedConstraints, models.Model):
    """School-based training 校本研修: 申报 by the school, 核准 by the county, 认定 of hours at the end."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已申报")
        APPROVED = "approved", _("已核准")
        REJECTED = "rejected", _("未核准")
        RECOGNISED = "recognised", _("已认定")

    school = models.ForeignKey(
        "trainees.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="school_projects"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("项目名称"), max_length=128)
    plan = models.TextField(_("实施方案"))
    planned_hours = models.DecimalField(_("计划学时"), max_digits=5, decimal_places=1)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    reason = models.CharField(_("意见"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    constraint_fields = {"school_project_unique_title": "title", "school_project_hours_positive": "planned_hours"}

    class Meta:
        verbose_name = _("校本研修项目")
        verbose_name_plural = _("校本研修项目")
        ordering = ["-year", "school", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "title"],
                name="school_project_unique_title",
                violation_error_message=_("本校该年度已有同名校本研修项目"),
            ),
            models.CheckConstraint(
                condition=Q(planned_hours__gt=0),
                name="school_project_hours_positive",
                violation_error_message=_("计划学时须大于 0"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SchoolSession(ExplainedConstraints, models.Model):
    project = models.ForeignKey(SchoolProject, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("日期"))
    topic = models.CharField(_("主题"), max_length=128)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1)
    # The county's 认定: hours it accepts for this session (None until recognised; routine meetings get 0).
    recognised_hours = models.DecimalField(_("认定学时"), max_digits=4, decimal_places=1, null=True, blank=True)

    constraint_fields = {
        "school_session_hours_positive": "hours",
        "school_session_recognised_within_hours": "recognised_hours",
    }

    class Meta:
        verbose_name = _("校本研修活动")
        verbose_name_plural = _("校本研修活动")
        ordering = ["project", "date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0),
                name="school_session_hours_positive",
                violation_error_message=_("学时须大于 0"),
            ),
            models.CheckConstraint(
                condition=Q(recognised_hours__isnull=True)
                | Q(recognised_hours__gte=0, recognised_hours__lte=models.F("hours")),
                name="school_session_recognised_within_hours",
                violation_error_message=_("认定学时须在 0 与本次学时之间"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.topic}"


class SchoolAttendance(ExplainedConstraints, models.Model):
    session = models.ForeignKey(SchoolSession, on_delete=models.CASCADE, related_name="attendance")
    teacher = models.ForeignKey("trainees.Teacher", on_delete=models.PROTECT, related_name="school_attendance")

    constraint_fields = {"school_attendance_once": "teacher"}

    class Meta:
        verbose_name = _("校本研修出勤")
        verbose_name_plural = _("校本研修出勤")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "teacher"],
                name="school_attendance_once",
                violation_error_message=_("该教师本次活动已有考勤记录"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id}@{self.session_id}"


# ---------------------------------------------------------------------------------------------
# Tally runs, registration 学分审核登记 and audit


class TallyRun(ExplainedConstraints, models.Model):
    """One run of the tally, for progress display and to know what the last run saw."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    year = models.PositiveSmallIntegerField(_("年度"))
    county = models.ForeignKey("trainees.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Recompute only teachers whose records changed since the last finished run, when that is safe.
    changed_only = models.BooleanField(_("仅计算有变动的教师"), default=False)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    teachers = models.PositiveIntegerField(default=0)
    written = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.CharField(max_length=500, blank=True)

    constraint_fields = {"tally_run_progress_range": "progress"}

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="tally_run_progress_range",
                violation_error_message=_("进度须在 0 到 100 之间"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.status} {self.progress}%"


class CreditRegistration(ExplainedConstraints, models.Model):
    """A school's yearly credit registration: reviewed and submitted by the coordinator, decided by the county."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已审核")

    school = models.ForeignKey("trainees.School", on_delete=models.PROTECT, related_name="credit_registrations")
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(null=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    constraint_fields = {"registration_one_per_school_year": "year", "registration_return_reason": "reason"}

    class Meta:
        verbose_name = _("学分审核登记")
        verbose_name_plural = _("学分审核登记")
        ordering = ["-year", "school"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year"],
                name="registration_one_per_school_year",
                violation_error_message=_("本校该年度已有学分登记"),
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(reason=""),
                name="registration_return_reason",
                violation_error_message=_("退回时须填写原因"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.year}: {self.status}"


class TallyCorrection(ExplainedConstraints, models.Model):
    """A change to an approved tally: the reason and the old values are kept."""

    tally = models.ForeignKey(CreditTally, on_delete=models.CASCADE, related_name="corrections")
    reason = models.CharField(_("更正原因"), max_length=200)
    old_values = models.JSONField()
    new_values = models.JSONField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    constraint_fields = {"correction_has_reason": "reason"}

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="correction_has_reason", violation_error_message=_("请填写更正原因")
            )
        ]

    def __str__(self) -> str:
        return f"{self.tally_id}: {self.reason}"


class AuditEntry(models.Model):
    """Who did what to assessment and credit records, and when."""

    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40)
    detail = models.JSONField(default=dict)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


class CycleReview(ExplainedConstraints, models.Model):
    """周期核定: the county's decision over one cycle: 达标 per teacher, surplus carried forward within a cap,
    宽限补修 with a deadline for those short; the cycle's ledger rows lock until a reopening (with reason)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("核定中")
        DONE = "done", _("已核定")
        REOPENED = "reopened", _("已重新开放")
        FAILED = "failed", _("核定失败")

    county = models.ForeignKey("trainees.Region", verbose_name=_("县区"), on_delete=models.PROTECT, related_name="+")
    start_year = models.PositiveSmallIntegerField(_("起始年度"))
    years = models.PositiveSmallIntegerField(_("周期年数"))
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices, default=Unit.HOURS)
    total = models.DecimalField(_("周期总要求"), max_digits=7, decimal_places=1)
    carry_cap = models.DecimalField(_("结转上限"), max_digits=7, decimal_places=1, default=0)
    grace_until = models.DateField(_("补修截止日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DONE)
    reopen_reason = models.CharField(_("重新开放原因"), max_length=200, blank=True)
    # What the queued run needs beyond the columns above, and why a run failed (the page shows it).
    carry_category = models.ForeignKey(
        CountyCreditCategory, verbose_name=_("结转计入类别"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    error = models.CharField(_("失败原因"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("核定时间"), auto_now_add=True)

    constraint_fields = {"cycle_review_once": "start_year", "cycle_review_cap_non_negative": "carry_cap", "cycle_review_reopen_reason": "reopen_reason"}

    class Meta:
        verbose_name = _("周期核定")
        verbose_name_plural = _("周期核定")
        ordering = ["county", "-start_year"]
        constraints = [
            models.UniqueConstraint(fields=["county", "start_year"], name="cycle_review_once", violation_error_message=_("该周期已核定")),
            models.CheckConstraint(condition=Q(carry_cap__gte=0), name="cycle_review_cap_non_negative", violation_error_message=_("结转上限不能为负数")),
            models.CheckConstraint(
                condition=~Q(status="reopened") | ~Q(reopen_reason=""), name="cycle_review_reopen_reason", violation_error_message=_("重新开放必须填写原因")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.start_year}+{self.years}"

    @property
    def end_year(self) -> int:
        return self.start_year + self.years - 1


class CycleResult(ExplainedConstraints, models.Model):
    review = models.ForeignKey(CycleReview, on_delete=models.CASCADE, related_name="results")
    teacher = models.ForeignKey("trainees.Teacher", on_delete=models.CASCADE, related_name="cycle_results")
    school = models.ForeignKey("trainees.School", on_delete=models.PROTECT, related_name="+")
    earned = models.DecimalField(_("周期累计"), max_digits=8, decimal_places=1)
    met = models.BooleanField(_("达标"))
    carried = models.DecimalField(_("结转"), max_digits=7, decimal_places=1, default=0)
    grace = models.BooleanField(_("宽限补修"), default=False)

    constraint_fields = {"cycle_result_once": "teacher", "cycle_result_grace_only_if_short": "grace"}

    class Meta:
        verbose_name = _("周期核定结果")
        verbose_name_plural = _("周期核定结果")
        ordering = ["review", "school", "teacher"]
        constraints = [
            models.UniqueConstraint(fields=["review", "teacher"], name="cycle_result_once", violation_error_message=_("该教师在本周期已有核定结果")),
            models.CheckConstraint(condition=~Q(met=True, grace=True), name="cycle_result_grace_only_if_short", violation_error_message=_("已达标的教师不需要宽限补修")),
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id}: {self.earned} {self.met}"


# ---------------------------------------------------------------------------------------------
# Self-study claims 学分申报: the county's claim table, a teacher's claim with evidence, 初审 by the
# school, 复核 by the county, an optional 公示 before the credit is counted.


class ClaimItem(ExplainedConstraints, models.Model):
    """One line of the county's claim table: what may be claimed and what it earns per unit
    (e.g. 论文发表（省级） 2 学分 per paper; 送教授课 0.25 学分 per lesson)."""

    class Kind(models.TextChoices):
        PAPER = "paper", _("论文")
        RESEARCH = "research", _("课题")
        CONTEST = "contest", _("竞赛获奖")
        TRAINER = "trainer", _("讲座送教（授课）")
        DEGREE = "degree", _("学历提升")
        OTHER = "other", _("其他")

    county = models.ForeignKey(
        "trainees.Region", verbose_name=_("县区"), on_delete=models.CASCADE, related_name="claim_items"
    )
    name = models.CharField(_("申报项目"), max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    category = models.ForeignKey(
        CountyCreditCategory, verbose_name=_("计入学分类别"), on_delete=models.PROTECT, related_name="claim_items"
    )
    unit = models.CharField(_("计量单位"), max_length=8, choices=Unit.choices, default=Unit.CREDITS)
    amount = models.DecimalField(_("每单位折合"), max_digits=6, decimal_places=2)
    # What one unit is (篇, 项, 节); blank when an item is claimed once as a whole.
    per = models.CharField(_("单位名称"), max_length=8, blank=True, help_text=_("如“篇”“项”“节”；不填表示按一次计"))
    max_per_year = models.DecimalField(
        _("每年上限"), max_digits=7, decimal_places=2, null=True, blank=True, help_text=_("按计量单位计；不填表示不限")
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    constraint_fields = {
        "claim_item_unique_name": "name",
        "claim_item_amount_positive": "amount",
        "claim_item_max_positive": "max_per_year",
    }

    class Meta:
        verbose_name = _("学分申报项目")
        verbose_name_plural = _("学分申报项目")
        ordering = ["county", "kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name"], name="claim_item_unique_name", violation_error_message=_("本县区已有同名的申报项目")
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="claim_item_amount_positive", violation_error_message=_("折合学时或学分须大于 0")
            ),
            models.CheckConstraint(
                condition=Q(max_per_year__isnull=True) | Q(max_per_year__gt=0),
                name="claim_item_max_positive",
                violation_error_message=_("每年上限须大于 0"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rate_label(self) -> str:
        per = f"/{self.per}" if self.per else ""
        return f"{self.amount.normalize():f} {self.get_unit_display()}{per}"


class CreditClaim(ExplainedConstraints, models.Model):
    """A teacher's claim of one item of the claim table, with evidence; counted once the county approves
    it (after the 公示 period when the county has one)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待初审")
        SCHOOL_REJECTED = "school_rejected", _("初审未通过")
        SCHOOL_APPROVED = "school_approved", _("待复核")
        COUNTY_REJECTED = "county_rejected", _("复核未通过")
        IN_PUBLICITY = "in_publicity", _("公示中")
        APPROVED = "approved", _("已入账")
        REVOKED = "revoked", _("公示后撤销")
        WITHDRAWN = "withdrawn", _("已撤回")

    # Claims that still count against an item's yearly limit.
    LIVE = (Status.SUBMITTED, Status.SCHOOL_APPROVED, Status.IN_PUBLICITY, Status.APPROVED)

    teacher = models.ForeignKey("trainees.Teacher", verbose_name=_("教师"), on_delete=models.PROTECT, related_name="credit_claims")
    # The teacher's school and county when they claimed: that school's coordinator reviews it.
    school = models.ForeignKey("trainees.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="credit_claims")
    county = models.ForeignKey("trainees.Region", verbose_name=_("县区"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    item = models.ForeignKey(ClaimItem, verbose_name=_("申报项目"), on_delete=models.PROTECT, related_name="claims")
    quantity = models.DecimalField(_("数量"), max_digits=6, decimal_places=1, default=1)
    description = models.TextField(_("说明"), max_length=2000)
    # What the claim earns, fixed at submission from the item's rate and the category's conversion.
    hours = models.DecimalField(_("学时"), max_digits=7, decimal_places=1)
    credits = models.DecimalField(_("学分"), max_digits=7, decimal_places=2)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    school_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("初审人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    school_reviewed_at = models.DateTimeField(_("初审时间"), null=True, blank=True)
    school_comment = models.CharField(_("初审意见"), max_length=200, blank=True)
    county_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("复核人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    county_reviewed_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    county_comment = models.CharField(_("复核意见"), max_length=200, blank=True)
    publicity_until = models.DateField(_("公示截止"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("申报时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    constraint_fields = {
        "claim_quantity_positive": "quantity",
        "claim_amounts_non_negative": "hours",
        "claim_school_reject_reason": "school_comment",
        "claim_county_reject_reason": "county_comment",
        "claim_publicity_has_date": "publicity_until",
    }

    class Meta:
        verbose_name = _("学分申报")
        verbose_name_plural = _("学分申报")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="claim_quantity_positive", violation_error_message=_("数量须大于 0")
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0, credits__gte=0),
                name="claim_amounts_non_negative",
                violation_error_message=_("学时和学分不能为负数"),
            ),
            models.CheckConstraint(
                condition=~Q(status="school_rejected") | ~Q(school_comment=""),
                name="claim_school_reject_reason",
                violation_error_message=_("初审不通过须填写原因"),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["county_rejected", "revoked"]) | ~Q(county_comment=""),
                name="claim_county_reject_reason",
                violation_error_message=_("复核不通过或撤销须填写原因"),
            ),
            models.CheckConstraint(
                condition=~Q(status="in_publicity") | Q(publicity_until__isnull=False),
                name="claim_publicity_has_date",
                violation_error_message=_("公示中的申报须有公示截止日期"),
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["county", "status"]),
            models.Index(fields=["teacher", "year"]),
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.year} {self.item_id}"

    @property
    def ledger_kind(self) -> str:
        """Teaching others (讲座、送教授课) is 培训授课 in the ledger; everything else 学分申报."""
        return CreditEntry.Source.TRAINER if self.item.kind == ClaimItem.Kind.TRAINER else CreditEntry.Source.CLAIM


class ClaimEvidence(models.Model):
    """A file attached to a claim; stored under a generated name, served through a scoped view."""

    claim = models.ForeignKey(CreditClaim, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="assessment/claims/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    file_type = models.CharField(_("文件类型"), max_length=8)
    size = models.PositiveBigIntegerField(_("大小"))
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申报材料")
        verbose_name_plural = _("申报材料")
        ordering = ["claim", "pk"]

    def __str__(self) -> str:
        return self.original_name


class ClaimObjection(ExplainedConstraints, models.Model):
    """An objection 异议 raised during a claim's 公示 by someone of its county (a teacher or a school's
    coordinator). The county decides it: upheld, the claim is revoked; dismissed, the claim is counted
    when its 公示 ends. A claim with an objection still open is not counted before it is decided."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    claim = models.ForeignKey(CreditClaim, on_delete=models.CASCADE, related_name="objections")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("异议内容"), max_length=500)
    status = models.CharField(_("处理结果"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    handling_note = models.CharField(_("处理意见"), max_length=500, blank=True)

    constraint_fields = {
        "claim_objection_one_open_per_person": "reason",
        "claim_objection_decided_with_a_note": "handling_note",
    }

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["claim", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "raised_by"],
                condition=Q(status="open"),
                name="claim_objection_one_open_per_person",
                violation_error_message=_("您对该申报的异议尚在处理中"),
            ),
            models.CheckConstraint(
                condition=Q(status="open") | (Q(handled_at__isnull=False) & ~Q(handling_note="")),
                name="claim_objection_decided_with_a_note",
                violation_error_message=_("处理异议须填写处理意见"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.status}"
