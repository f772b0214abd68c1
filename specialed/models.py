"""Special education: 送教上门 and 巡回指导 records, and the light participant record of parents and
rehabilitation staff who are trainees without being registry teachers.

A child is recorded by a code only. Names, ID numbers and diagnoses of children are not the training
centre's to keep; no field here can hold them, and the services refuse ID-like numbers anywhere."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.constraints import ExplainedConstraints

CHILD_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,15}$"
child_code_validator = RegexValidator(
    CHILD_CODE_PATTERN, _("儿童编号只能由字母、数字和“-”组成，最多 16 位（不得填写姓名或身份证号）")
)


class SupportVisit(ExplainedConstraints, models.Model):
    """One 送教上门 (a home visit to a child who cannot attend school) or 巡回指导 (itinerant guidance to
    a 随班就读 class), by teachers of the visiting school."""

    class Kind(models.TextChoices):
        HOME = "home", _("送教上门")
        ITINERANT = "itinerant", _("巡回指导")

    class Content(models.TextChoices):
        SKILLS = "skills", _("学习技能训练")
        MENTAL = "mental", _("心理健康教育")
        TUTORING = "tutoring", _("文化课补习")
        SOCIAL = "social", _("社会适应能力训练")
        REHAB = "rehab", _("康复训练")
        IEP = "iep", _("个别化教育计划指导")

    county = models.ForeignKey("trainees.Region", verbose_name=_("县区"), on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        "trainees.School", verbose_name=_("派出学校"), on_delete=models.PROTECT, related_name="support_visits"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    date = models.DateField(_("日期"))
    teachers = models.ManyToManyField("trainees.Teacher", verbose_name=_("参加教师"), related_name="support_visits")
    # Where: the township of a home visit, or the school and class of an itinerant visit.
    township = models.ForeignKey(
        "trainees.Region", verbose_name=_("乡镇"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_school = models.ForeignKey(
        "trainees.School", verbose_name=_("指导学校"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    class_name = models.CharField(_("班级"), max_length=32, blank=True)
    child_code = models.CharField(_("儿童编号"), max_length=16, blank=True, validators=[child_code_validator])
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1)
    contents = models.JSONField(_("内容"), default=list)
    notes = models.CharField(_("备注"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    constraint_fields = {
        "support_visit_hours_range": "hours",
        "support_visit_home_has_child_code": "child_code",
        "support_visit_itinerant_has_school": "target_school",
    }

    class Meta:
        verbose_name = _("送教上门与巡回指导")
        verbose_name_plural = _("送教上门与巡回指导")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["county", "date"]), models.Index(fields=["school", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24),
                name="support_visit_hours_range",
                violation_error_message=_("学时须大于 0 且不超过 24"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="home") | ~Q(child_code=""),
                name="support_visit_home_has_child_code",
                violation_error_message=_("送教上门须填写儿童编号"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="itinerant") | Q(target_school__isnull=False),
                name="support_visit_itinerant_has_school",
                violation_error_message=_("巡回指导须选择指导学校"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

    def content_labels(self) -> list[str]:
        labels = dict(self.Content.choices)
        return [str(labels[c]) for c in self.contents if c in labels]

    @property
    def place(self) -> str:
        if self.kind == self.Kind.HOME:
            return f"{self.township.name if self.township_id else ''} {self.child_code}".strip()
        return f"{self.target_school.name if self.target_school_id else ''} {self.class_name}".strip()


class Participant(models.Model):
    """A trainee who is not a registry teacher: a parent or a rehabilitation worker. Counted apart."""

    class Kind(models.TextChoices):
        PARENT = "parent", _("家长")
        REHAB = "rehab", _("康复人员")
        OTHER = "other", _("其他")

    county = models.ForeignKey("trainees.Region", verbose_name=_("县区"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=64)
    kind = models.CharField(_("身份"), max_length=12, choices=Kind.choices)
    organisation = models.CharField(_("单位"), max_length=128, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("非教师学员")
        verbose_name_plural = _("非教师学员")
        ordering = ["county", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class ParticipantEnrolment(ExplainedConstraints, models.Model):
    """A participant on a sub-project: one place, whether they attended."""

    subproject = models.ForeignKey(
        "programs.SubProject",
        verbose_name=_("子项目"),
        on_delete=models.PROTECT,
        related_name="participant_enrolments",
    )
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="enrolments")
    attended = models.BooleanField(_("已参训"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    constraint_fields = {"participant_once_per_subproject": "participant"}

    class Meta:
        verbose_name = _("非教师学员参训")
        verbose_name_plural = _("非教师学员参训")
        ordering = ["subproject", "participant__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subproject", "participant"],
                name="participant_once_per_subproject",
                violation_error_message=_("该人员已报名本子项目"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant} @ {self.subproject_id}"
