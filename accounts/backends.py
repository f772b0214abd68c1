"""Teachers log in with their 身份证号 or 手机号 as well as their user name.

Listed after axes' backend, so failed attempts under any of these identifiers are counted and
locked out the same way; `axes_username` makes them count against one account.
"""

import hashlib
import re
from typing import Any

from django.contrib.auth.backends import ModelBackend

from trainees.idcard import normalize_id_number

from .models import Role, User

ID_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$")
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def teacher_login_for(identifier: str) -> User | None:
    """The teacher account a 身份证号 or 手机号 names; none when a phone number is shared."""
    number = normalize_id_number(identifier)
    if ID_NUMBER.match(number):
        users = User.objects.filter(role=Role.TEACHER, teacher__id_number=number)
    elif MOBILE.match(number):
        users = User.objects.filter(role=Role.TEACHER, teacher__phone=number)
    else:
        return None
    found = list(users[:2])
    return found[0] if len(found) == 1 else None


class TeacherIdentifierBackend(ModelBackend):
    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):
        if not username or password is None:
            return None
        user = teacher_login_for(username)
        if user is None:
            # Spend the time a password check takes, so a reply's timing does not tell whether the
            # identifier belongs to somebody (as ModelBackend does).
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request: Any, credentials: dict[str, Any] | None) -> str | None:
    """What axes records and throttles a login attempt under (AXES_USERNAME_CALLABLE).

    A 身份证号 or 手机号 that names a teacher's account counts as that account's user name, so a
    person has one failure limit whichever identifier they type; an ID- or phone-shaped value that
    names nobody is kept only as a hash. Either way no full ID number lands in axes' attempt and
    lockout records, which are kept and listed in the admin.
    """
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = getattr(request, "POST", {}).get("username")
    if not typed:
        return typed
    number = normalize_id_number(typed)
    if not (ID_NUMBER.match(number) or MOBILE.match(number)):
        return typed
    user = teacher_login_for(number)
    if user is not None:
        return user.username
    return "hash:" + hashlib.sha256(number.encode()).hexdigest()[:24]
