from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.constraints import ExplainedConstraints

from .idcard import mask_id_number, validate_id_number


class Region(ExplainedConstraints, models.Model):
    """A node of the administrative tree: province → city → county/district → township."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县区")
        TOWNSHIP = "township", _("乡镇")

    PARENT_LEVEL = {
        Level.CITY: Level.PROVINCE,
        Level.COUNTY: Level.CITY,
        Level.TOWNSHIP: Level.COUNTY,
    }

    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(_("行政区划代码"), max_length=12, blank=True)

    constraint_fields = {
        "region_unique_name_in_parent": "name",
        "region_unique_root_name": "name",
        "region_only_provinces_are_roots": "parent",
    }

    class Meta:
        verbose_name = _("行政区域")
        verbose_name_plural = _("行政区域")
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="region_unique_name_in_parent",
                violation_error_message=_("同一上级下已有同名地区"),
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(parent__isnull=True),
                name="region_unique_root_name",
                violation_error_message=_("已有同名的省级地区"),
            ),
            models.CheckConstraint(
                condition=Q(level="province", parent__isnull=True) | (~Q(level="province") & Q(parent__isnull=False)),
                name="region_only_provinces_are_roots",
                violation_error_message=_("省级地区没有上级，其他地区须选择上级"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class School(ExplainedConstraints, models.Model):
    class Kind(models.TextChoices):
        URBAN = "urban", _("县城学校")
        TOWNSHIP_CENTRAL = "central", _("乡镇中心校")
        VILLAGE = "village", _("村小")
        TEACHING_POINT = "point", _("教学点")
        KINDERGARTEN = "kindergarten", _("幼儿园")
        SPECIAL = "special", _("特殊教育学校")
        VOCATIONAL = "vocational", _("中职")
        PRIVATE = "private", _("民办/外来务工人员子弟学校")
        MIDDLE = "middle", _("中学")

    class Area(models.TextChoices):
        URBAN = "urban", _("城区")
        RURAL = "rural", _("乡村")

    code = models.CharField(_("学校代码"), max_length=32, unique=True)
    name = models.CharField(_("学校名称"), max_length=128)
    county = models.ForeignKey(
        Region,
        verbose_name=_("县区"),
        on_delete=models.PROTECT,
        related_name="schools",
        limit_choices_to={"level": "county"},
    )
    township = models.ForeignKey(
        Region,
        verbose_name=_("乡镇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="township_schools",
        limit_choices_to={"level": "township"},
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    area = models.CharField(_("城乡"), max_length=8, choices=Area.choices)
    # Its resource teachers are its teachers marked is_resource_teacher.
    has_resource_room = models.BooleanField(_("设有资源教室"), default=False)

    constraint_fields = {"school_unique_name_in_county": "name"}

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name"],
                name="school_unique_name_in_county",
                violation_error_message=_("本县区已有同名学校"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Teacher(ExplainedConstraints, models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Stage(models.TextChoices):
        KINDERGARTEN = "kindergarten", _("幼儿园")
        PRIMARY = "primary", _("小学")
        JUNIOR = "junior", _("初中")
        SENIOR = "senior", _("高中")
        VOCATIONAL = "vocational", _("中职")
        SPECIAL = "special", _("特教")

    class Post(models.TextChoices):
        TEACHER = "teacher", _("教师")
        HEAD_TEACHER = "head_teacher", _("班主任")
        PRINCIPAL = "principal", _("校长")
        VICE_PRINCIPAL = "vice_principal", _("副校长")
        DEAN = "dean", _("教导主任")
        RESEARCHER = "researcher", _("教研员")

    class SpecialEdDirection(models.TextChoices):
        BLIND = "blind", _("盲")
        DEAF = "deaf", _("聋")
        INTELLECTUAL = "intellectual", _("培智")
        AUTISM = "autism", _("孤独症")
        OTHER = "other", _("其他")

    name = models.CharField(_("姓名"), max_length=64)
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True, validators=[validate_id_number])
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    school = models.ForeignKey(School, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="teachers")
    stage = models.CharField(_("学段"), max_length=16, choices=Stage.choices, blank=True)
    subject = models.CharField(_("学科"), max_length=32, blank=True)
    title = models.CharField(_("职称"), max_length=32, blank=True)
    post = models.CharField(_("岗位"), max_length=16, choices=Post.choices, default=Post.TEACHER)
    is_rural = models.BooleanField(_("乡村教师"), default=False)
    is_special_post = models.BooleanField(_("特岗教师"), default=False)
    entry_year = models.PositiveSmallIntegerField(_("入职年份"), null=True, blank=True)
    education = models.CharField(_("学历"), max_length=32, blank=True)
    # Special education (特殊教育): teachers of children in ordinary classes and of resource rooms.
    is_inclusive_teacher = models.BooleanField(_("随班就读教师"), default=False)
    is_resource_teacher = models.BooleanField(_("资源教师"), default=False)
    special_ed_direction = models.CharField(
        _("特教专业方向"), max_length=16, choices=SpecialEdDirection.choices, blank=True
    )
    # What the national teacher system (全国教师管理信息系统) keeps; months are stored as their first day.
    work_start_month = models.DateField(_("参加工作年月"), null=True, blank=True)
    school_start_month = models.DateField(_("进本校年月"), null=True, blank=True)
    is_on_staff = models.BooleanField(_("是否在编"), null=True, blank=True)
    employment_form = models.CharField(_("用人形式"), max_length=32, blank=True)
    is_backbone = models.BooleanField(_("县级及以上骨干教师"), default=False)
    is_master_teacher = models.BooleanField(_("特级教师"), default=False)
    special_ed_trained = models.BooleanField(_("受过特教专业培养培训"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    constraint_fields = {
        "teacher_id_number_format": "id_number",
        "teacher_joined_school_after_starting_work": "school_start_month",
    }

    class Meta:
        verbose_name = _("教师")
        verbose_name_plural = _("教师")
        ordering = ["school_id", "name", "id"]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["phone"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(id_number__regex=r"^[0-9]{17}[0-9X]$"),
                name="teacher_id_number_format",
                violation_error_message=_("身份证号须为 18 位，最后一位可以是数字或 X"),
            ),
            models.CheckConstraint(
                condition=Q(work_start_month__isnull=True)
                | Q(school_start_month__isnull=True)
                | Q(school_start_month__gte=models.F("work_start_month")),
                name="teacher_joined_school_after_starting_work",
                violation_error_message=_("进本校年月不能早于参加工作年月"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class TeacherTransfer(ExplainedConstraints, models.Model):
    """A teacher's move between schools; the trail stays with the teacher."""

    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="transfers")
    from_school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("原学校"))
    to_school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("新学校"))
    moved_at = models.DateTimeField(_("调动时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    constraint_fields = {"transfer_changes_school": "to_school"}

    class Meta:
        verbose_name = _("调动记录")
        verbose_name_plural = _("调动记录")
        ordering = ["-moved_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_school=models.F("to_school")),
                name="transfer_changes_school",
                violation_error_message=_("调入学校不能与原学校相同"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher}: {self.from_school} → {self.to_school}"
