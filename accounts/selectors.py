from typing import Any

from django.db.models import Q, QuerySet

from core.scoping import get_visible_or_404, visible
from trainees.models import Teacher

from .models import Role, User

USER_PATHS = {"county": "county"}


def user_list(*, user: Any, q: str = "") -> QuerySet[User]:
    qs = visible(User.objects.all(), user, **USER_PATHS).select_related("county", "school", "teacher")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    return qs.order_by("role", "username")


def user_get(*, user: Any, pk: Any) -> User:
    return get_visible_or_404(User.objects.select_related("county", "school", "teacher"), user, pk=pk, **USER_PATHS)


def teachers_without_account(*, user: Any, school_id: int | None = None) -> QuerySet[Teacher]:
    """Registry teachers of the user's scope who have no login yet (one school, or all of them)."""
    qs = visible(Teacher.objects.filter(user__isnull=True), user, county="school__county", school="school")
    if school_id:
        qs = qs.filter(school_id=school_id)
    return qs.select_related("school").order_by("school__code", "name", "pk")


def teacher_accounts(*, user: Any, school_id: int | None = None) -> QuerySet[User]:
    """Teacher logins of the user's scope: a coordinator's school's, an administrator's county's."""
    qs = visible(
        User.objects.filter(role=Role.TEACHER, teacher__isnull=False), user, county="county", school="teacher__school"
    )
    if school_id:
        qs = qs.filter(teacher__school_id=school_id)
    return qs.select_related("teacher__school").order_by("teacher__school__code", "display_name", "pk")
