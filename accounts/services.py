"""Writes to user accounts. Administrators manage the accounts of their own county."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from trainees.models import Region, School, Teacher

from .models import REGION_ROLE_LEVEL, Role, User

ERR_COUNTY_REQUIRED = "该角色必须指定县区"
ERR_SCHOOL_REQUIRED = "学校联络员必须指定学校"
ERR_TEACHER_REQUIRED = "教师账号必须关联教师档案"
ERR_TEACHER_HAS_ACCOUNT = "该教师已有账号"
ERR_REGION_REQUIRED = "市级、省级角色必须指定所辖的市或省"


def _apply_scope(
    user: User,
    *,
    role: str,
    county: Region | None,
    school: School | None,
    teacher: Teacher | None,
    region: Region | None = None,
) -> None:
    """Tie the account to what its role needs; the county is derived for school and teacher roles."""
    user.role = role
    user.school = school if role == Role.COORDINATOR else None
    user.teacher = teacher if role == Role.TEACHER else None
    user.region = region if role in REGION_ROLE_LEVEL else None
    if role in REGION_ROLE_LEVEL:
        if region is None or region.level != REGION_ROLE_LEVEL[role]:
            raise ValidationError({"region": _(ERR_REGION_REQUIRED)})
        user.county = None
    elif role == Role.COORDINATOR:
        if school is None:
            raise ValidationError({"school": _(ERR_SCHOOL_REQUIRED)})
        user.county_id = school.county_id
    elif role == Role.TEACHER:
        if teacher is None:
            raise ValidationError({"teacher": _(ERR_TEACHER_REQUIRED)})
        user.county_id = teacher.school.county_id
    else:
        if county is None and not user.is_superuser:
            raise ValidationError({"county": _(ERR_COUNTY_REQUIRED)})
        user.county = county


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    email: str = "",
    county: Region | None = None,
    school: School | None = None,
    teacher: Teacher | None = None,
    region: Region | None = None,
    is_superuser: bool = False,
    validate: bool = True,
) -> User:
    user = User(
        username=username, display_name=display_name, email=email, is_superuser=is_superuser, is_staff=is_superuser
    )
    _apply_scope(user, role=role, county=county, school=school, teacher=teacher, region=region)
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_update(
    *,
    user: User,
    role: str,
    display_name: str,
    email: str,
    is_active: bool,
    county: Region | None = None,
    school: School | None = None,
    teacher: Teacher | None = None,
    region: Region | None = None,
) -> User:
    user.display_name, user.email, user.is_active = display_name, email, is_active
    _apply_scope(user, role=role, county=county, school=school, teacher=teacher, region=region)
    user.full_clean()
    user.save(update_fields=["display_name", "email", "is_active", "role", "county", "school", "teacher", "region"])
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str) -> User:
    """Set a new password; the changed hash ends every existing session of that user."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
