from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    COUNTY_STAFF = "county_staff", _("县培训中心工作人员")
    COORDINATOR = "coordinator", _("学校联络员")
    TEACHER = "teacher", _("教师")


class User(AbstractUser):
    """A login. Its role and the county, school or teacher it is tied to decide what it may see."""

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.TEACHER)
    county = models.ForeignKey(
        "trainees.Region",
        verbose_name=_("县区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        limit_choices_to={"level": "county"},
    )
    school = models.ForeignKey(
        "trainees.School", verbose_name=_("学校"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    teacher = models.OneToOneField(
        "trainees.Teacher", verbose_name=_("教师"), null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            # County roles need a county, except deployment-wide superusers.
            models.CheckConstraint(
                condition=~Q(role__in=["admin", "county_staff"]) | Q(county__isnull=False) | Q(is_superuser=True),
                name="user_county_role_has_county",
            ),
            models.CheckConstraint(
                condition=~Q(role="coordinator") | Q(school__isnull=False), name="user_coordinator_has_school"
            ),
            models.CheckConstraint(
                condition=~Q(role="teacher") | Q(teacher__isnull=False), name="user_teacher_has_teacher"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_county_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def is_county_level(self) -> bool:
        return self.is_superuser or self.role in (Role.ADMIN, Role.COUNTY_STAFF)
