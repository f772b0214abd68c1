"""The one place that decides what a user may see and change.

Every selector filters through `visible()`; every view fetches single objects through
`get_visible_or_404()` and checks changes with `require_*`. Outsiders get 404 (they must not learn
that a record exists), insiders whose role may only look get 403.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from accounts.models import COUNTY_ROLES, REGION_ADMIN_ROLES, REGION_ROLE_LEVEL, Role

ALL = "all"
# A city or province office: it oversees the counties below its region and changes none of their records.
REGION = "region"
COUNTY = "county"
SCHOOL = "school"
SELF = "self"
NONE = "none"


@dataclass(frozen=True)
class Scope:
    kind: str
    county_id: int | None = None
    school_id: int | None = None
    teacher_id: int | None = None
    # REGION scopes: the city or province, and the counties below it.
    region_id: int | None = None
    county_ids: tuple[int, ...] = ()


def _counties_below(region_id: int, level: str) -> tuple[int, ...]:
    from trainees.models import Region

    path = "parent_id" if level == "city" else "parent__parent_id"
    return tuple(Region.objects.filter(level=Region.Level.COUNTY, **{path: region_id}).values_list("pk", flat=True))


def scope_of(user: Any) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope(NONE)
    if user.is_superuser and not user.county_id:
        return Scope(ALL)
    if user.is_superuser or user.role in COUNTY_ROLES:
        return Scope(COUNTY, county_id=user.county_id)
    if user.role in REGION_ROLE_LEVEL and user.region_id:
        # Computed once per request: every selector of a page asks again.
        cached = getattr(user, "_region_scope", None)
        if cached is None or cached.region_id != user.region_id:
            cached = Scope(
                REGION,
                region_id=user.region_id,
                county_ids=_counties_below(user.region_id, REGION_ROLE_LEVEL[user.role]),
            )
            user._region_scope = cached
        return cached
    if user.role == Role.COORDINATOR:
        return Scope(SCHOOL, county_id=user.county_id, school_id=user.school_id)
    if user.role == Role.TEACHER and user.teacher_id:
        return Scope(SELF, teacher_id=user.teacher_id)
    return Scope(NONE)


def visible(
    qs: QuerySet,
    user: Any,
    *,
    county: str | None = None,
    school: str | None = None,
    teacher: str | None = None,
    school_sees_county: bool = False,
) -> QuerySet:
    """Rows of `qs` that `user` may see.

    `county`, `school`, `teacher` are ORM paths from the queryset's model to a county Region, a
    School and a Teacher. A scope whose path is not given sees nothing. `school_sees_county` lets
    coordinators see county-wide shared records (programs, sessions) through the county path.
    """
    scope = scope_of(user)
    if scope.kind == ALL:
        return qs
    if scope.kind == COUNTY and county:
        return qs.filter(**{county: scope.county_id})
    if scope.kind == REGION and county:
        return qs.filter(**{f"{county}__in": scope.county_ids})
    if scope.kind == SCHOOL:
        if school:
            return qs.filter(**{school: scope.school_id})
        if school_sees_county and county:
            return qs.filter(**{county: scope.county_id})
    if scope.kind == SELF and teacher:
        return qs.filter(**{teacher: scope.teacher_id})
    return qs.none()


def get_visible_or_404(qs: QuerySet, user: Any, *, pk: Any, **paths: Any) -> Model:
    try:
        return visible(qs, user, **paths).get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def is_county_level(user: Any) -> bool:
    """Staff who run a county's records (county staff, administrators, superusers)."""
    return scope_of(user).kind in (ALL, COUNTY)


def is_region_level(user: Any) -> bool:
    """A city or province office (市级/省级): sees the counties below it, changes none of their records."""
    return scope_of(user).kind == REGION


def is_region_admin(user: Any) -> bool:
    return is_region_level(user) and user.role in REGION_ADMIN_ROLES


def can_oversee(user: Any) -> bool:
    """May read county-wide records and reports: county level, or an office above the county."""
    return scope_of(user).kind in (ALL, COUNTY, REGION)


def require_oversight(user: Any) -> None:
    """For pages that only read county records (lists, reports, exports): county level or above."""
    if not can_oversee(user):
        raise PermissionDenied


def is_admin(user: Any) -> bool:
    return is_county_level(user) and (user.is_superuser or user.role == Role.ADMIN)


def require_county_level(user: Any) -> None:
    if not is_county_level(user):
        raise PermissionDenied


def require_admin(user: Any) -> None:
    if not is_admin(user):
        raise PermissionDenied


def require_school_or_county(user: Any) -> None:
    if scope_of(user).kind not in (ALL, COUNTY, SCHOOL):
        raise PermissionDenied


def can_see_full_id_numbers(user: Any) -> bool:
    """Only administrators see unmasked 身份证号; everyone else gets the masked form."""
    return is_admin(user)
