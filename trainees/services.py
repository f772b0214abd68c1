"""Every write to the registry: regions, schools, teachers and their transfers."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .idcard import parse_id_number
from .models import Region, School, Teacher, TeacherTransfer

ERR_TOWNSHIP_NOT_IN_COUNTY = "乡镇不属于该县区"
ERR_GENDER_MISMATCH = "性别与身份证号不符"
ERR_SAME_SCHOOL = "新学校与原学校相同"

TEACHER_FIELDS = (
    "name",
    "phone",
    "stage",
    "subject",
    "title",
    "post",
    "is_rural",
    "is_special_post",
    "entry_year",
    "education",
    "is_inclusive_teacher",
    "is_resource_teacher",
    "special_ed_direction",
    "work_start_month",
    "school_start_month",
    "is_on_staff",
    "employment_form",
    "is_backbone",
    "is_master_teacher",
    "special_ed_trained",
)


def region_ensure_path(
    *, province: str, city: str, county: str, township: str | None = None
) -> tuple[Region, Region | None]:
    """Return the county (and township) regions at this path, creating missing levels."""
    node = None
    for name, level in (
        (province, Region.Level.PROVINCE),
        (city, Region.Level.CITY),
        (county, Region.Level.COUNTY),
    ):
        node, _created = Region.objects.get_or_create(parent=node, name=name.strip(), defaults={"level": level})
    county_region = node
    township_region = None
    if township:
        township_region, _created = Region.objects.get_or_create(
            parent=county_region, name=township.strip(), defaults={"level": Region.Level.TOWNSHIP}
        )
    return county_region, township_region


@transaction.atomic
def region_create(*, name: str, level: str, parent: Region | None, code: str = "") -> Region:
    region = Region(name=name, level=level, parent=parent, code=code)
    region.full_clean()
    region.save()
    return region


def _check_township(county: Region, township: Region | None) -> None:
    from django.core.exceptions import ValidationError

    if township is not None and township.parent_id != county.pk:
        raise ValidationError({"township": _(ERR_TOWNSHIP_NOT_IN_COUNTY)})


@transaction.atomic
def school_create(
    *,
    code: str,
    name: str,
    county: Region,
    township: Region | None,
    kind: str,
    area: str,
    has_resource_room: bool = False,
) -> School:
    _check_township(county, township)
    school = School(
        code=code,
        name=name,
        county=county,
        township=township,
        kind=kind,
        area=area,
        has_resource_room=has_resource_room,
    )
    school.full_clean()
    school.save()
    return school


@transaction.atomic
def school_update(*, school: School, **fields: Any) -> School:
    for key, value in fields.items():
        setattr(school, key, value)
    _check_township(school.county, school.township)
    school.full_clean()
    school.save(update_fields=list(fields))
    return school


@transaction.atomic
def teacher_create(*, name: str, id_number: str, school: School, actor: Any = None, **fields: Any) -> Teacher:
    info = parse_id_number(id_number)
    teacher = Teacher(name=name, id_number=info.number, birth_date=info.birth_date, gender=info.gender, school=school)
    for key, value in fields.items():
        if key not in TEACHER_FIELDS:
            raise TypeError(f"unknown teacher field {key}")
        setattr(teacher, key, value)
    teacher.full_clean()
    teacher.save()
    return teacher


@transaction.atomic
def teacher_update(*, teacher: Teacher, actor: Any = None, **fields: Any) -> Teacher:
    """Change a teacher's details; a change of school goes through `teacher_transfer`."""
    new_school = fields.pop("school", None)
    for key, value in fields.items():
        if key not in TEACHER_FIELDS:
            raise TypeError(f"unknown teacher field {key}")
        setattr(teacher, key, value)
    teacher.full_clean()
    teacher.save(update_fields=[*fields, "updated_at"])
    if new_school is not None and new_school.pk != teacher.school_id:
        teacher_transfer(teacher=teacher, to_school=new_school, actor=actor)
    return teacher


@transaction.atomic
def teacher_transfer(*, teacher: Teacher, to_school: School, actor: Any = None, note: str = "") -> TeacherTransfer:
    from django.core.exceptions import ValidationError

    if to_school.pk == teacher.school_id:
        raise ValidationError({"school": _(ERR_SAME_SCHOOL)})
    transfer = TeacherTransfer.objects.create(
        teacher=teacher,
        from_school_id=teacher.school_id,
        to_school=to_school,
        moved_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
    )
    teacher.school = to_school
    teacher.save(update_fields=["school", "updated_at"])
    return transfer
