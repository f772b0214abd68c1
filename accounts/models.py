from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.constraints import ExplainedConstraints


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    COUNTY_STAFF = "county_staff", _("县培训中心工作人员")
    COORDINATOR = "coordinator", _("学校联络员")
    TEACHER = "teacher", _("教师")
    # Offices above the county: they oversee every county under their city or province.
    CITY_ADMIN = "city_admin", _("市级管理员")
    CITY_STAFF = "city_staff", _("市级工作人员")
    PROVINCE_ADMIN = "province_admin", _("省级管理员")
    PROVINCE_STAFF = "province_staff", _("省级工作人员")


COUNTY_ROLES = (Role.ADMIN, Role.COUNTY_STAFF)
REGION_ROLES = (Role.CITY_ADMIN, Role.CITY_STAFF, Role.PROVINCE_ADMIN, Role.PROVINCE_STAFF)
REGION_ADMIN_ROLES = (Role.CITY_ADMIN, Role.PROVINCE_ADMIN)
# The Region level each office above the county is tied to.
REGION_ROLE_LEVEL = {
    Role.CITY_ADMIN: "city",
    Role.CITY_STAFF: "city",
    Role.PROVINCE_ADMIN: "province",
    Role.PROVINCE_STAFF: "province",
}


class PeixunUserManager(UserManager):
    """Django's manager, with superusers made administrators: the default role (teacher) needs a
    teacher record, which `createsuperuser` has no way to give, and the database refuses the row."""

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(ExplainedConstraints, AbstractUser):
    """A login. Its role and the county, school or teacher it is tied to decide what it may see."""

    objects = PeixunUserManager()

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
    # The city or province an office above the county oversees (empty for every other role).
    region = models.ForeignKey(
        "trainees.Region",
        verbose_name=_("所辖市/省"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="region_users",
        limit_choices_to={"level__in": ["city", "province"]},
    )
    teacher = models.OneToOneField(
        "trainees.Teacher", verbose_name=_("教师"), null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    # Set on accounts opened or reset with a generated password: the first login leads to the
    # password change and nothing else until it is done.
    must_change_password = models.BooleanField(_("首次登录须修改密码"), default=False)

    constraint_fields = {
        "user_county_role_has_county": "county",
        "user_coordinator_has_school": "school",
        "user_teacher_has_teacher": "teacher",
        "user_region_role_has_region": "region",
        "user_region_only_for_region_roles": "region",
    }

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            # County roles need a county, except deployment-wide superusers.
            models.CheckConstraint(
                condition=~Q(role__in=["admin", "county_staff"]) | Q(county__isnull=False) | Q(is_superuser=True),
                name="user_county_role_has_county",
                violation_error_message=_("县级管理员和工作人员须选择所属县区"),
            ),
            models.CheckConstraint(
                condition=~Q(role="coordinator") | Q(school__isnull=False),
                name="user_coordinator_has_school",
                violation_error_message=_("学校联络员须选择所属学校"),
            ),
            models.CheckConstraint(
                condition=~Q(role="teacher") | Q(teacher__isnull=False),
                name="user_teacher_has_teacher",
                violation_error_message=_("教师账号须关联教师档案"),
            ),
            models.CheckConstraint(
                condition=~Q(role__in=[r.value for r in REGION_ROLES]) | Q(region__isnull=False),
                name="user_region_role_has_region",
                violation_error_message=_("市级、省级账号须选择所属市/省"),
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in REGION_ROLES]) | Q(region__isnull=True),
                name="user_region_only_for_region_roles",
                violation_error_message=_("只有市级、省级账号可以选择所属市/省"),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_county_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def is_county_level(self) -> bool:
        return self.is_superuser or self.role in COUNTY_ROLES

    @property
    def is_region_level(self) -> bool:
        return not self.is_superuser and self.role in REGION_ROLES
