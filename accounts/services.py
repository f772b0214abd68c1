"""Writes to user accounts. Administrators manage the accounts of their own county."""

import secrets
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.hashers import get_hashers_by_algorithm, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.scoping import SCHOOL, scope_of
from trainees.models import Region, School, Teacher

from .hashers import InitialPasswordHasher
from .models import REGION_ROLE_LEVEL, Role, User

INITIAL_HASHER = InitialPasswordHasher.algorithm

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


# Teacher accounts in bulk, generated passwords ---------------------------------------------------

ERR_NONE_SELECTED = "请至少勾选一名教师"
ERR_ROW = "{name}：{message}"
ERR_USERNAME_TAKEN = "用户名 {username} 已被占用"
ERR_NOT_TEACHER_ACCOUNT = "只能重置教师账号的密码"
ERR_NOT_OWN_SCHOOL = "只能重置本校教师的密码"

# No 0/O, 1/l/I: the sheet is read off paper and typed on a phone.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 10


def generated_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _initial_hash(password: str) -> str:
    """The cheaper hasher for generated passwords when the deployment lists it, else the default."""
    hasher = "default" if INITIAL_HASHER not in get_hashers_by_algorithm() else INITIAL_HASHER
    return make_password(password, hasher=hasher)


def teacher_username(teacher: Teacher) -> str:
    """A login name that says nothing personal (teachers may use their 身份证号 or 手机号 instead)."""
    return f"t{teacher.pk}"


@transaction.atomic
def teacher_accounts_create(*, teachers: Sequence[Teacher], actor: Any) -> list[tuple[User, str]]:
    """Open an account for each teacher with a generated password to change at first login; all
    or none. Returns each account with its password, to be shown once and never stored."""
    if not teachers:
        raise ValidationError(_(ERR_NONE_SELECTED))
    teachers = list(Teacher.objects.filter(pk__in=[t.pk for t in teachers]).select_related("school"))
    has_account = set(User.objects.filter(teacher__in=teachers).values_list("teacher_id", flat=True))
    wanted = {teacher_username(t): t for t in teachers}
    taken = set(User.objects.filter(username__in=list(wanted)).values_list("username", flat=True))
    errors = [
        _(ERR_ROW).format(name=t.name, message=_(ERR_TEACHER_HAS_ACCOUNT)) for t in teachers if t.pk in has_account
    ] + [_(ERR_ROW).format(name=wanted[u].name, message=_(ERR_USERNAME_TAKEN).format(username=u)) for u in taken]
    if errors:
        raise ValidationError(errors)
    made = []
    for teacher in sorted(teachers, key=lambda t: (t.school.code, t.name, t.pk)):
        password = generated_password()
        user = User(
            username=teacher_username(teacher),
            display_name=teacher.name,
            role=Role.TEACHER,
            teacher=teacher,
            county_id=teacher.school.county_id,
            must_change_password=True,
            password=_initial_hash(password),
        )
        # Uniqueness and the teacher link were checked for the whole batch above (a query per row here).
        user.full_clean(
            exclude=["teacher", "county", "school", "region", "password"],
            validate_unique=False,
            validate_constraints=False,
        )
        made.append((user, password))
    User.objects.bulk_create([user for user, _password in made])
    return made


@transaction.atomic
def passwords_reset(*, users: Sequence[User], actor: Any) -> list[tuple[User, str]]:
    """New generated passwords for teacher accounts (a coordinator: their school's only); each must be
    changed at the next login, and the new hash ends the accounts' sessions."""
    if not users:
        raise ValidationError(_(ERR_NONE_SELECTED))
    scope = scope_of(actor)
    rows = list(
        User.objects.select_for_update(of=("self",))
        .select_related("teacher__school")
        .filter(pk__in=[u.pk for u in users])
        .order_by("teacher__school__code", "display_name", "pk")
    )
    made = []
    for user in rows:
        if user.role != Role.TEACHER or user.teacher is None:
            raise ValidationError(_(ERR_NOT_TEACHER_ACCOUNT))
        if scope.kind == SCHOOL and user.teacher.school_id != scope.school_id:
            raise PermissionDenied(_(ERR_NOT_OWN_SCHOOL))
        password = generated_password()
        user.password = _initial_hash(password)
        user.must_change_password = True
        made.append((user, password))
    User.objects.bulk_update(rows, ["password", "must_change_password"])
    return made


@transaction.atomic
def user_change_own_password(*, user: User, password: str) -> User:
    """A user's own password change (the old one was checked by the form); it lifts the
    first-login requirement."""
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    return user
