from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.constraints import ExplainedConstraints
from trainees.idcard import validate_id_number

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


class Phase(ExplainedConstraints, models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("阶段名称"), max_length=32)

    constraint_fields = {"phase_unique_order": "order"}

    class Meta:
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")
        ordering = ["cycle", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "order"],
                name="phase_unique_order",
                violation_error_message=_("本周期已有相同序号的阶段"),
            )
        ]

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


class TaskSubmission(ExplainedConstraints, models.Model):
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

    constraint_fields = {"submission_one_per_trainee": "enrolment"}

    class Meta:
        verbose_name = _("任务提交")
        verbose_name_plural = _("任务提交")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "enrolment"],
                name="submission_one_per_trainee",
                violation_error_message=_("该学员已提交过本任务"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} / {self.enrolment_id}"


class OnlineStudy(ExplainedConstraints, models.Model):
    """Online study of one enrolment as the external platform reports it (imported from Excel)."""

    enrolment = models.OneToOneField("programs.Enrolment", on_delete=models.CASCADE, related_name="online_study")
    online_hours = models.DecimalField(_("在线学时"), max_digits=6, decimal_places=1)
    tasks_done = models.PositiveIntegerField(_("完成任务数"), default=0)
    imported_at = models.DateTimeField(auto_now=True)

    constraint_fields = {"online_hours_non_negative": "online_hours"}

    class Meta:
        verbose_name = _("网络研修记录")
        verbose_name_plural = _("网络研修记录")
        constraints = [
            models.CheckConstraint(
                condition=Q(online_hours__gte=0),
                name="online_hours_non_negative",
                violation_error_message=_("在线学时不能为负数"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.online_hours}"


class MemberType(models.TextChoices):
    """What a trainer is; national rules ask that at least half of a team be 一线教师 or 教研员."""

    FRONTLINE = "frontline", _("一线教师")
    RESEARCHER = "researcher", _("教研员")
    UNIVERSITY = "university", _("高校专家")
    OTHER = "other", _("其他")


# Member types that count towards the half of a team national rules ask for.
PRACTITIONER_TYPES = (MemberType.FRONTLINE, MemberType.RESEARCHER)


class TeamPool(ExplainedConstraints, models.Model):
    """A member of the county's training-team pool 培训团队库, from which visiting teams are drawn."""

    county = models.ForeignKey("trainees.Region", verbose_name=_("县区"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=64)
    teacher = models.ForeignKey(
        "trainees.Teacher",
        verbose_name=_("教师"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="team_pool_entries",
    )
    subject = models.CharField(_("学科"), max_length=32, blank=True)
    title = models.CharField(_("职称/职务"), max_length=64, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    member_type = models.CharField(
        _("成员类型"), max_length=12, choices=MemberType.choices, default=MemberType.FRONTLINE
    )
    # For members who are not registry teachers (university experts): how the visit import names them.
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True, validators=[validate_id_number])
    is_active = models.BooleanField(_("在库"), default=True)

    constraint_fields = {"team_pool_teacher_once": "teacher", "team_pool_id_number_once": "id_number"}

    class Meta:
        verbose_name = _("培训团队库成员")
        verbose_name_plural = _("培训团队库成员")
        ordering = ["county", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "teacher"],
                condition=Q(teacher__isnull=False),
                name="team_pool_teacher_once",
                violation_error_message=_("该教师已在本县团队库中"),
            ),
            models.UniqueConstraint(
                fields=["county", "id_number"],
                condition=~Q(id_number=""),
                name="team_pool_id_number_once",
                violation_error_message=_("该身份证号已在本县团队库中"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CycleTeamMember(ExplainedConstraints, models.Model):
    """A pool member on one cycle's visiting team 送培团队, in one role."""

    class Role(models.TextChoices):
        LEAD_EXPERT = "lead", _("首席专家")
        DEMO_TEACHER = "demo", _("示范教师")
        LECTURER = "lecturer", _("讲座专家")
        MANAGER = "manager", _("管理员")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="team")
    member = models.ForeignKey(
        TeamPool, verbose_name=_("团队成员"), on_delete=models.PROTECT, related_name="cycle_roles"
    )
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)

    constraint_fields = {"cycle_team_member_once": "member"}

    class Meta:
        verbose_name = _("送培团队成员")
        verbose_name_plural = _("送培团队成员")
        ordering = ["cycle", "role", "member__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "member"],
                name="cycle_team_member_once",
                violation_error_message=_("该成员已在本周期送培团队中"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.get_role_display()})"


class Visit(ExplainedConstraints, models.Model):
    """A 送教 visit 班次: one or more days at host schools, placed in one phase of the cycle and
    numbered within it (送教次序). Each day is a programs.Session with its own attendance."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("周期"), on_delete=models.CASCADE, related_name="visits")
    phase = models.ForeignKey(Phase, verbose_name=_("阶段"), on_delete=models.PROTECT, related_name="visits")
    number = models.PositiveSmallIntegerField(_("送教次序"))
    title = models.CharField(_("主题"), max_length=128, blank=True)

    constraint_fields = {"visit_unique_number_in_cycle": "number", "visit_number_positive": "number"}

    class Meta:
        verbose_name = _("送教活动")
        verbose_name_plural = _("送教活动")
        ordering = ["cycle", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "number"],
                name="visit_unique_number_in_cycle",
                violation_error_message=_("本周期已有相同次序的送教活动"),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="visit_number_positive", violation_error_message=_("次序须从 1 开始")
            ),
        ]

    def __str__(self) -> str:
        return _("第%(number)s次送教 %(title)s") % {"number": self.number, "title": self.title}


class VisitDay(models.Model):
    """One day of a visit: a programs.Session (date, time, host school, hours) of the cycle's sub-project."""

    visit = models.ForeignKey(Visit, verbose_name=_("送教活动"), on_delete=models.CASCADE, related_name="days")
    session = models.OneToOneField("programs.Session", on_delete=models.CASCADE, related_name="outreach_day")
    team = models.ManyToManyField("CycleTeamMember", through="VisitBooking", related_name="days", blank=True)

    class Meta:
        verbose_name = _("送教日")
        verbose_name_plural = _("送教日")
        ordering = ["session__date", "session__start_time", "pk"]

    def __str__(self) -> str:
        return str(self.session)


class VisitBooking(ExplainedConstraints, models.Model):
    """A team member booked on one day of a visit (presenting or accompanying)."""

    day = models.ForeignKey(VisitDay, on_delete=models.CASCADE, related_name="bookings")
    member = models.ForeignKey(CycleTeamMember, on_delete=models.CASCADE, related_name="bookings")

    constraint_fields = {"visit_booking_once_per_day": "member"}

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "member"],
                name="visit_booking_once_per_day",
                violation_error_message=_("该成员当天已有安排"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.day_id}"


class VisitActivity(ExplainedConstraints, models.Model):
    class Kind(models.TextChoices):
        DEMO_LESSON = "demo_lesson", _("示范课")
        LECTURE = "lecture", _("专题讲座")
        SAME_LESSON = "same_lesson", _("同课异构")
        LESSON_TALK = "lesson_talk", _("说课")
        LESSON_REVIEW = "lesson_review", _("评课")
        SEMINAR = "seminar", _("研讨")

    # Kinds that need no presenter: a 研讨 is everyone's.
    WITHOUT_PRESENTER = (Kind.SEMINAR,)

    day = models.ForeignKey(VisitDay, verbose_name=_("送教日"), on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("活动类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("题目"), max_length=128)
    presenter = models.ForeignKey(
        CycleTeamMember,
        verbose_name=_("主讲"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    class_grade = models.CharField(_("班级/年级"), max_length=32, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=0)

    constraint_fields = {
        "visit_activity_hours_non_negative": "hours",
        "visit_activity_presenter_unless_seminar": "presenter",
    }

    class Meta:
        verbose_name = _("送教活动内容")
        verbose_name_plural = _("送教活动内容")
        ordering = ["day", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=0),
                name="visit_activity_hours_non_negative",
                violation_error_message=_("学时不能为负数"),
            ),
            models.CheckConstraint(
                condition=Q(presenter__isnull=False) | Q(kind="seminar"),
                name="visit_activity_presenter_unless_seminar",
                violation_error_message=_("除研讨外，活动须选择主讲人"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SubmissionFile(models.Model):
    """A file attached to a task submission; stored under a generated name, served through a scoped view."""

    submission = models.ForeignKey(TaskSubmission, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to="outreach/submissions/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    file_type = models.CharField(_("文件类型"), max_length=8)
    size = models.PositiveBigIntegerField(_("大小"))
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Resource(models.Model):
    """A generated resource 生成性资源 of a cycle, reviewed before it goes into the resource pack."""

    class Kind(models.TextChoices):
        LESSON_PLAN = "lesson_plan", _("教学设计")
        SLIDES = "slides", _("课件")
        REFLECTION = "reflection", _("教学反思")
        RECORDING = "recording", _("课堂实录")
        BRIEFING = "briefing", _("简报")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审")
        APPROVED = "approved", _("已通过")
        RETURNED = "returned", _("退回")

    cycle = models.ForeignKey(Cycle, verbose_name=_("周期"), on_delete=models.CASCADE, related_name="resources")
    phase = models.ForeignKey(
        Phase, verbose_name=_("阶段"), null=True, blank=True, on_delete=models.SET_NULL, related_name="resources"
    )
    visit = models.ForeignKey(
        Visit, verbose_name=_("送教活动"), null=True, blank=True, on_delete=models.SET_NULL, related_name="resources"
    )
    author = models.ForeignKey(
        "trainees.Teacher", verbose_name=_("作者"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_name = models.CharField(_("作者姓名"), max_length=64)
    kind = models.CharField(_("资源类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=128)
    file = models.FileField(upload_to="outreach/resources/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    file_type = models.CharField(_("文件类型"), max_length=8)
    size = models.PositiveBigIntegerField(_("大小"))
    status = models.CharField(_("审核状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    review_comment = models.CharField(_("审核意见"), max_length=500, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("生成性资源")
        verbose_name_plural = _("生成性资源")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["cycle", "status", "kind"])]

    def __str__(self) -> str:
        return self.title


class ResourcePack(models.Model):
    """A built zip of a cycle's approved resources with an index sheet."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        READY = "ready", _("已生成")
        FAILED = "failed", _("失败")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="packs")
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to="outreach/packs/", max_length=200, blank=True)
    resource_count = models.PositiveIntegerField(_("资源数"), default=0)
    error = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("资源包")
        verbose_name_plural = _("资源包")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.cycle_id}: {self.get_status_display()}"


class Workshop(ExplainedConstraints, models.Model):
    """A teacher workshop 教师工作坊 of one subject; its members are enrolments of its sub-project."""

    subproject = models.OneToOneField(
        "programs.SubProject", verbose_name=_("子项目"), on_delete=models.PROTECT, related_name="workshop"
    )
    county = models.ForeignKey("trainees.Region", verbose_name=_("县区"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("工作坊名称"), max_length=128)
    subject = models.CharField(_("学科"), max_length=32)
    host = models.ForeignKey(
        "trainees.Teacher", verbose_name=_("坊主"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    capacity = models.PositiveIntegerField(_("人数上限"), default=50)
    # The county reports' figures: 80 online hours a year, and tutors judged half on their members.
    required_online_hours = models.DecimalField(_("应修在线学时"), max_digits=6, decimal_places=1, default=80)
    # How a tutor's or group leader's evaluation is split between their members' results and their own work.
    members_weight = models.PositiveSmallIntegerField(_("成员成绩权重"), default=50)
    own_weight = models.PositiveSmallIntegerField(_("个人工作权重"), default=50)
    # A member's result: online hours against the requirement, offline attendance and tasks done.
    online_weight = models.PositiveSmallIntegerField(_("在线学时权重"), default=60)
    offline_weight = models.PositiveSmallIntegerField(_("线下研修权重"), default=20)
    tasks_weight = models.PositiveSmallIntegerField(_("研修任务权重"), default=20)
    required_tasks = models.PositiveSmallIntegerField(_("应完成任务数"), default=10)

    constraint_fields = {
        "workshop_weights_in_range": "members_weight",
        "workshop_weights_sum_100": "own_weight",
        "workshop_required_hours_positive": "required_online_hours",
        "workshop_member_weights_sum_100": "tasks_weight",
        "workshop_required_tasks_positive": "required_tasks",
    }

    class Meta:
        verbose_name = _("教师工作坊")
        verbose_name_plural = _("教师工作坊")
        ordering = ["subject", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(members_weight__lte=100) & Q(own_weight__lte=100) & Q(members_weight__gte=0),
                name="workshop_weights_in_range",
                violation_error_message=_("权重须在 0 到 100 之间"),
            ),
            models.CheckConstraint(
                condition=Q(members_weight=100 - models.F("own_weight")),
                name="workshop_weights_sum_100",
                violation_error_message=_("成员成绩权重与本人工作权重之和须为 100"),
            ),
            models.CheckConstraint(
                condition=Q(required_online_hours__gt=0),
                name="workshop_required_hours_positive",
                violation_error_message=_("要求的在线学时须大于 0"),
            ),
            models.CheckConstraint(
                condition=Q(online_weight__lte=100)
                & Q(offline_weight__lte=100)
                & Q(tasks_weight__lte=100)
                & Q(online_weight=100 - models.F("offline_weight") - models.F("tasks_weight")),
                name="workshop_member_weights_sum_100",
                violation_error_message=_("在线学时、线下研修、任务三项权重须各在 0 到 100 之间，且之和为 100"),
            ),
            models.CheckConstraint(
                condition=Q(required_tasks__gt=0),
                name="workshop_required_tasks_positive",
                violation_error_message=_("要求完成的任务数须大于 0"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WorkshopStaff(ExplainedConstraints, models.Model):
    """The core team 核心团队 and tutors 辅导教师 of a workshop, with the score of their own work."""

    class Role(models.TextChoices):
        CORE = "core", _("核心团队")
        TUTOR = "tutor", _("辅导教师")
        # The core team's 校级管理员: evaluated like tutors, on the members of their own school.
        SCHOOL_ADMIN = "school_admin", _("校级管理员")

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="staff")
    teacher = models.ForeignKey("trainees.Teacher", verbose_name=_("教师"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    own_score = models.DecimalField(_("个人工作得分"), max_digits=5, decimal_places=1, null=True, blank=True)

    constraint_fields = {"workshop_staff_once": "teacher", "workshop_staff_score_range": "own_score"}

    class Meta:
        verbose_name = _("工作坊团队成员")
        verbose_name_plural = _("工作坊团队成员")
        ordering = ["workshop", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "teacher", "role"],
                name="workshop_staff_once",
                violation_error_message=_("该教师已担任本工作坊的这一职务"),
            ),
            models.CheckConstraint(
                condition=Q(own_score__isnull=True) | Q(own_score__gte=0, own_score__lte=100),
                name="workshop_staff_score_range",
                violation_error_message=_("分数须在 0 到 100 之间"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} ({self.get_role_display()})"


class ResearchGroup(ExplainedConstraints, models.Model):
    """A research group 研修小组 of a workshop, led by one member and followed by one tutor."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("小组名称"), max_length=64)
    leader = models.ForeignKey(
        "trainees.Teacher", verbose_name=_("组长"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tutor = models.ForeignKey(
        WorkshopStaff,
        verbose_name=_("辅导教师"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="groups",
    )
    leader_own_score = models.DecimalField(_("组长个人工作得分"), max_digits=5, decimal_places=1, null=True, blank=True)

    constraint_fields = {"research_group_unique_name": "name", "research_group_score_range": "leader_own_score"}

    class Meta:
        verbose_name = _("研修小组")
        verbose_name_plural = _("研修小组")
        ordering = ["workshop", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "name"],
                name="research_group_unique_name",
                violation_error_message=_("本工作坊已有同名研修小组"),
            ),
            models.CheckConstraint(
                condition=Q(leader_own_score__isnull=True) | Q(leader_own_score__gte=0, leader_own_score__lte=100),
                name="research_group_score_range",
                violation_error_message=_("分数须在 0 到 100 之间"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WorkshopMember(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="members")
    enrolment = models.OneToOneField(
        "programs.Enrolment", verbose_name=_("报名"), on_delete=models.CASCADE, related_name="workshop_member"
    )
    group = models.ForeignKey(
        ResearchGroup,
        verbose_name=_("研修小组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("工作坊成员")
        verbose_name_plural = _("工作坊成员")
        ordering = ["workshop", "pk"]

    def __str__(self) -> str:
        return f"{self.workshop_id}/{self.enrolment_id}"


class WorkshopBulletin(ExplainedConstraints, models.Model):
    """The weekly progress bulletin 研修简报 of a workshop: who is behind on online hours, for the host."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="bulletins")
    week_start = models.DateField(_("周起始日"))
    members = models.PositiveIntegerField(_("成员数"))
    behind_count = models.PositiveIntegerField(_("进度落后人数"))
    expected_hours = models.DecimalField(_("应达在线学时"), max_digits=6, decimal_places=1)
    average_hours = models.DecimalField(_("平均在线学时"), max_digits=7, decimal_places=1)
    # [{"name", "school", "group", "hours"}] of the members behind, as they stood that week.
    behind = models.JSONField(_("进度落后成员"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    constraint_fields = {"workshop_bulletin_once_a_week": "week_start"}

    class Meta:
        verbose_name = _("工作坊研修简报")
        verbose_name_plural = _("工作坊研修简报")
        ordering = ["workshop", "-week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "week_start"],
                name="workshop_bulletin_once_a_week",
                violation_error_message=_("本周的简报已生成"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.workshop_id} {self.week_start}"
