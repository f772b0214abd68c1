"""The teacher-structure report: the registry's teachers by 学段 and 城乡, each facet one grouped query.

Facets: 学历 levels and the share at or above the level required for the 学段; age bands; 职称;
teachers per subject and 学段; 特岗 and rural teachers. Ages are counted at the end of the chosen year.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, ExpressionWrapper, IntegerField, Q, QuerySet, Value
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from trainees.models import School, Teacher

from .builder import AGE_BANDS, EDUCATION_LEVELS, education_expression
from .selectors import ReportScope, rate

# The 学历 a 学段 requires (合格学历, as the reports count it): 幼儿园 and 小学 专科, the others 本科.
REQUIRED_EDUCATION = {
    Teacher.Stage.KINDERGARTEN: "college",
    Teacher.Stage.PRIMARY: "college",
    Teacher.Stage.JUNIOR: "bachelor",
    Teacher.Stage.SENIOR: "bachelor",
    Teacher.Stage.VOCATIONAL: "bachelor",
    Teacher.Stage.SPECIAL: "college",
}
LEVEL_ORDER = [key for key, _label, _words in EDUCATION_LEVELS]  # highest first
STRUCTURE_NOTES = (
    _("学历达标：幼儿园、小学、特教为专科及以上，初中、高中、中职为本科及以上；学历未填的不计为达标。"),
    _("年龄按所选年度年末计算；学段未填的教师列为“未填”。"),
)


def _teachers(scope: ReportScope) -> QuerySet[Teacher]:
    return scope.filter(Teacher.objects.all(), county="school__county")


def _at_or_above() -> Q:
    q = Q()
    for stage, required in REQUIRED_EDUCATION.items():
        accepted = LEVEL_ORDER[: LEVEL_ORDER.index(required) + 1]
        q |= Q(stage=stage, edu__in=accepted)
    return q


@dataclass
class Facet:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    kinds: list[str]


def _display(choices: dict, value: Any) -> str:
    return str(choices.get(value, value)) if value else str(_("未填"))


STAGES = dict(Teacher.Stage.choices)
AREAS = dict(School.Area.choices)


def education_facet(*, scope: ReportScope) -> Facet:
    counts = {f"n_{key}": Count("pk", filter=Q(edu=key)) for key in LEVEL_ORDER}
    rows = (
        _teachers(scope)
        .annotate(edu=education_expression("education"))
        .values("stage", "school__area")
        .annotate(
            total=Count("pk"), missing=Count("pk", filter=Q(edu="")), ok=Count("pk", filter=_at_or_above()), **counts
        )
        .order_by("stage", "school__area")
    )
    headers = [str(_("学段")), str(_("城乡")), str(_("教师数"))]
    headers += [str(label) for _key, label, _w in EDUCATION_LEVELS] + [str(_("未填/其他")), str(_("学历达标率"))]
    out = []
    for r in rows:
        out.append(
            [_display(STAGES, r["stage"]), _display(AREAS, r["school__area"]), r["total"]]
            + [r[f"n_{key}"] for key in LEVEL_ORDER]
            + [r["missing"], rate(r["ok"], r["total"])]
        )
    kinds = ["text", "text", "int"] + ["int"] * (len(LEVEL_ORDER) + 1) + ["rate"]
    return Facet(str(_("学历结构")), headers, out, kinds)


def age_facet(*, scope: ReportScope, year: int) -> Facet:
    age = ExpressionWrapper(Value(year) - ExtractYear("birth_date"), output_field=IntegerField())
    counts = {}
    for index, (low, high, _label) in enumerate(AGE_BANDS):
        q = Q()
        if low is not None:
            q &= Q(age__gte=low)
        if high is not None:
            q &= Q(age__lte=high)
        counts[f"band_{index}"] = Count("pk", filter=q)
    rows = (
        _teachers(scope)
        .annotate(age=age)
        .values("stage", "school__area")
        .annotate(total=Count("pk"), **counts)
        .order_by("stage", "school__area")
    )
    headers = [str(_("学段")), str(_("城乡")), str(_("教师数"))] + [str(label) for _a, _b, label in AGE_BANDS]
    out = [
        [_display(STAGES, r["stage"]), _display(AREAS, r["school__area"]), r["total"]]
        + [r[f"band_{i}"] for i in range(len(AGE_BANDS))]
        for r in rows
    ]
    return Facet(str(_("年龄结构")), headers, out, ["text", "text", "int"] + ["int"] * len(AGE_BANDS))


def title_facet(*, scope: ReportScope) -> Facet:
    """职称 as typed in the registry, one column each (most common first), per 学段 and 城乡."""
    base = _teachers(scope)
    titles = [
        r["title"] for r in base.exclude(title="").values("title").annotate(n=Count("pk")).order_by("-n", "title")[:12]
    ]
    counts = {f"t_{i}": Count("pk", filter=Q(title=t)) for i, t in enumerate(titles)}
    rows = (
        base.values("stage", "school__area")
        .annotate(total=Count("pk"), **counts, other=Count("pk", filter=~Q(title__in=titles)))
        .order_by("stage", "school__area")
    )
    headers = [str(_("学段")), str(_("城乡")), str(_("教师数")), *titles, str(_("其他/未填"))]
    out = [
        [_display(STAGES, r["stage"]), _display(AREAS, r["school__area"]), r["total"]]
        + [r[f"t_{i}"] for i in range(len(titles))]
        + [r["other"]]
        for r in rows
    ]
    return Facet(str(_("职称结构")), headers, out, ["text", "text", "int"] + ["int"] * (len(titles) + 1))


def subject_facet(*, scope: ReportScope) -> Facet:
    """Teachers per subject and 学段 (the supply of each subject; classes are not in the registry)."""
    stages = [value for value, _label in Teacher.Stage.choices]
    counts = {f"s_{s}": Count("pk", filter=Q(stage=s)) for s in stages}
    rows = (
        _teachers(scope)
        .values("subject")
        .annotate(total=Count("pk"), **counts, no_stage=Count("pk", filter=Q(stage="")))
        .order_by("-total", "subject")
    )
    headers = [str(_("学科")), str(_("教师数")), *[str(STAGES[s]) for s in stages], str(_("学段未填"))]
    out = [[r["subject"] or str(_("未填")), r["total"], *[r[f"s_{s}"] for s in stages], r["no_stage"]] for r in rows]
    return Facet(str(_("各学科教师数")), headers, out, ["text", "int"] + ["int"] * (len(stages) + 1))


def post_facet(*, scope: ReportScope) -> Facet:
    rows = (
        _teachers(scope)
        .values("stage", "school__area")
        .annotate(
            total=Count("pk"),
            special=Count("pk", filter=Q(is_special_post=True)),
            rural=Count("pk", filter=Q(is_rural=True)),
            backbone=Count("pk", filter=Q(is_backbone=True)),
        )
        .order_by("stage", "school__area")
    )
    headers = [str(h) for h in (_("学段"), _("城乡"), _("教师数"), _("特岗教师"), _("特岗占比"), _("乡村教师"))]
    headers += [str(_("乡村教师占比")), str(_("县级及以上骨干"))]
    out = [
        [
            _display(STAGES, r["stage"]),
            _display(AREAS, r["school__area"]),
            r["total"],
            r["special"],
            rate(r["special"], r["total"]),
            r["rural"],
            rate(r["rural"], r["total"]),
            r["backbone"],
        ]
        for r in rows
    ]
    return Facet(str(_("特岗与乡村教师")), headers, out, ["text", "text", "int", "int", "rate", "int", "rate", "int"])


def structure(*, scope: ReportScope, year: int) -> list[Facet]:
    return [
        education_facet(scope=scope),
        age_facet(scope=scope, year=year),
        title_facet(scope=scope),
        subject_facet(scope=scope),
        post_facet(scope=scope),
    ]
