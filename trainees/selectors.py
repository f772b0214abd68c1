"""Every read of the registry a view or export needs, already scoped to the user."""

from typing import Any

from django.db.models import Count, QuerySet

from core.pickers import matching
from core.scoping import get_visible_or_404, visible

from .filters import SchoolFilter, TeacherFilter
from .models import Region, School, Teacher, TeacherTransfer

SCHOOL_PATHS = {"county": "county", "school": "pk"}
TEACHER_PATHS = {"county": "school__county", "school": "school", "teacher": "pk"}


def region_list(*, user: Any) -> QuerySet[Region]:
    """Counties the user works in and their townships (the tree above is shared, not scoped)."""
    counties = visible(Region.objects.filter(level=Region.Level.COUNTY), user, county="pk", school="schools")
    townships = visible(
        Region.objects.filter(level=Region.Level.TOWNSHIP), user, county="parent", school="township_schools"
    )
    return (counties | townships).select_related("parent", "parent__parent").distinct().order_by("level", "name")


def county_choices(*, user: Any) -> QuerySet[Region]:
    return visible(Region.objects.filter(level=Region.Level.COUNTY), user, county="pk").order_by("name")


def township_choices(*, user: Any) -> QuerySet[Region]:
    return visible(Region.objects.filter(level=Region.Level.TOWNSHIP), user, county="parent").order_by("name")


def school_queryset(*, user: Any) -> QuerySet[School]:
    return visible(School.objects.all(), user, **SCHOOL_PATHS)


def school_list(*, user: Any, params: Any = None) -> tuple[SchoolFilter, QuerySet[School]]:
    qs = school_queryset(user=user).select_related("county", "township").annotate(teacher_count=Count("teachers"))
    flt = SchoolFilter(params, queryset=qs, townships=township_choices(user=user))
    return flt, flt.qs.order_by("code")


def school_get(*, user: Any, pk: Any) -> School:
    return get_visible_or_404(School.objects.select_related("county", "township"), user, pk=pk, **SCHOOL_PATHS)


def teacher_queryset(*, user: Any) -> QuerySet[Teacher]:
    return visible(Teacher.objects.all(), user, **TEACHER_PATHS)


def teacher_list(*, user: Any, params: Any = None) -> tuple[TeacherFilter, QuerySet[Teacher]]:
    qs = teacher_queryset(user=user).select_related("school", "school__township")
    flt = TeacherFilter(
        params,
        queryset=qs,
        schools=school_queryset(user=user).order_by("code"),
        townships=township_choices(user=user),
    )
    return flt, flt.qs.order_by("school__code", "name", "pk")


def teacher_by_id_number(*, user: Any, id_number: str) -> QuerySet[Teacher]:
    """The visible teacher with exactly this 身份证号 (none or one row)."""
    return teacher_queryset(user=user).select_related("school", "school__township").filter(id_number=id_number)


def teacher_get(*, user: Any, pk: Any) -> Teacher:
    return get_visible_or_404(
        Teacher.objects.select_related("school", "school__county", "school__township"), user, pk=pk, **TEACHER_PATHS
    )


def teacher_transfers(*, teacher: Teacher) -> QuerySet[TeacherTransfer]:
    return teacher.transfers.select_related("from_school", "to_school", "actor")


def teacher_search(*, user: Any, term: str, school_id: Any = None) -> QuerySet[Teacher]:
    """Teachers the user may see whose name, phone or ID number contains `term` (the picker's search)."""
    qs = matching(teacher_queryset(user=user), term, ("name", "phone", "id_number"))
    if school_id and str(school_id).isdigit():
        qs = qs.filter(school_id=int(school_id))
    return qs.select_related("school").order_by("name", "school__name", "pk")


def school_search(*, user: Any, term: str) -> QuerySet[School]:
    """Schools the user may see whose name or code contains `term` (the picker's search)."""
    return matching(school_queryset(user=user), term, ("name", "code")).order_by("name", "pk")
