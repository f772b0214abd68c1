"""The one place that decides what a user may see and change.

Every selector filters through `visible()`; every view fetches single objects through
`get_visible_or_404()` and checks changes with `require_*`. Outsiders get 404 (they must not learn
that a record exists), insiders whose role may only look get 403.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
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
    # REGION scopes: the city or province, the counties below it, and the offices' regions it
    # oversees (itself, and a province's cities) whose own programs it may read.
    region_id: int | None = None
    county_ids: tuple[int, ...] = ()
    region_ids: tuple[int, ...] = ()


def regions_below(region_id: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The counties and the city/province regions at or below a city or province, in one query."""
    from django.db.models import Q

    from trainees.models import Region

    rows = Region.objects.filter(Q(pk=region_id) | Q(parent_id=region_id) | Q(parent__parent_id=region_id))
    counties, regions = [], []
    for pk, level in rows.values_list("pk", "level").order_by("pk"):
        if level == Region.Level.COUNTY:
            counties.append(pk)
        elif level in (Region.Level.CITY, Region.Level.PROVINCE):
            regions.append(pk)
    return tuple(counties), tuple(regions)


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
            county_ids, region_ids = regions_below(user.region_id)
            cached = Scope(REGION, region_id=user.region_id, county_ids=county_ids, region_ids=region_ids)
            user._region_scope = cached
        return cached
    if user.role == Role.COORDINATOR:
        return Scope(SCHOOL, county_id=user.county_id, school_id=user.school_id)
    if user.role == Role.TEACHER and user.teacher_id:
        return Scope(SELF, teacher_id=user.teacher_id)
    return Scope(NONE)


def _allotted(qs: QuerySet, path: str, county_ids: tuple[int, ...] | list[int]) -> Q:
    """Rows reaching one of the counties through `path`, as a subquery: the path may be multi-valued
    (a sub-project's county quotas), and a join there would repeat rows."""
    return Q(pk__in=qs.model._default_manager.filter(**{f"{path}__in": county_ids}).values("pk"))


def visible(
    qs: QuerySet,
    user: Any,
    *,
    county: str | None = None,
    school: str | None = None,
    teacher: str | None = None,
    school_sees_county: bool = False,
    region: str | None = None,
    allotted: str | None = None,
) -> QuerySet:
    """Rows of `qs` that `user` may see.

    `county`, `school`, `teacher` are ORM paths from the queryset's model to a county Region, a
    School and a Teacher. A scope whose path is not given sees nothing. `school_sees_county` lets
    coordinators see county-wide shared records (programs, sessions) through the county path.

    Records run above the county (a city's or province's programs) name two more paths: `region`, to
    the city or province owning them, and `allotted`, to the counties they reach (county quotas, the
    schools of their trainees). A county (and its coordinators, with `school_sees_county`) sees what is
    allotted to it; an office above sees its own region's and those of the regions below it, and what
    is allotted to its counties.
    """
    scope = scope_of(user)
    if scope.kind == ALL:
        return qs
    if scope.kind == COUNTY and county:
        return qs.filter(_county_q(qs, county, allotted, scope.county_id))
    if scope.kind == REGION and county:
        q = Q(**{f"{county}__in": scope.county_ids})
        if region:
            q |= Q(**{f"{region}__in": scope.region_ids})
        if allotted:
            q |= _allotted(qs, allotted, scope.county_ids)
        return qs.filter(q)
    if scope.kind == SCHOOL:
        if school:
            return qs.filter(**{school: scope.school_id})
        if school_sees_county and county:
            return qs.filter(_county_q(qs, county, allotted, scope.county_id))
    if scope.kind == SELF and teacher:
        return qs.filter(**{teacher: scope.teacher_id})
    return qs.none()


def _county_q(qs: QuerySet, county: str, allotted: str | None, county_id: int | None) -> Q:
    q = Q(**{county: county_id})
    if allotted:
        q |= _allotted(qs, allotted, [county_id])
    return q


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


def require_reader(user: Any) -> None:
    """For lists and pages a school, a county or an office above may read (each within its scope)."""
    if scope_of(user).kind not in (ALL, COUNTY, REGION, SCHOOL):
        raise PermissionDenied


def owns_region_record(user: Any, region_id: int | None) -> bool:
    """An office above the county changes the records its own city or province runs, nothing else."""
    scope = scope_of(user)
    if region_id is None:
        return False
    return scope.kind == ALL or (scope.kind == REGION and scope.region_id == region_id)


def is_admin(user: Any) -> bool:
    return is_county_level(user) and (user.is_superuser or user.role == Role.ADMIN)


def require_county_level(user: Any, *, lookup: Callable[[], Any] | None = None) -> None:
    """County staff and administrators only. `lookup` fetches the page's object through the scope: an
    office above the county gets 404 for what lies outside its region before its 403 on change."""
    if not is_county_level(user):
        _outside_region_404(user, lookup)
        raise PermissionDenied


def _outside_region_404(user: Any, lookup: Callable[[], Any] | None) -> None:
    if lookup is not None and is_region_level(user):
        lookup()


def require_admin(user: Any) -> None:
    if not is_admin(user):
        raise PermissionDenied


def require_school_or_county(user: Any, *, lookup: Callable[[], Any] | None = None) -> None:
    if scope_of(user).kind not in (ALL, COUNTY, SCHOOL):
        _outside_region_404(user, lookup)
        raise PermissionDenied


def unit_name(user: Any) -> str:
    """The unit a user works for, as a workbook's 制表单位: county, city or province, or school."""
    if not getattr(user, "is_authenticated", False):
        return ""
    for related in ("county", "region", "school"):
        if getattr(user, f"{related}_id", None):
            return str(getattr(user, related))
    return ""


def can_see_full_id_numbers(user: Any) -> bool:
    """Only administrators see unmasked 身份证号; everyone else gets the masked form."""
    return is_admin(user)
