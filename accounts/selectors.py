from typing import Any

from django.db.models import Q, QuerySet

from core.scoping import get_visible_or_404, visible

from .models import User

USER_PATHS = {"county": "county"}


def user_list(*, user: Any, q: str = "") -> QuerySet[User]:
    qs = visible(User.objects.all(), user, **USER_PATHS).select_related("county", "school", "teacher")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    return qs.order_by("role", "username")


def user_get(*, user: Any, pk: Any) -> User:
    return get_visible_or_404(User.objects.select_related("county", "school", "teacher"), user, pk=pk, **USER_PATHS)
