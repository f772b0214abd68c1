"""自定义统计: a statistics builder over training places, from a whitelist of dimensions and measures.

A run is one SQL `GROUP BY` over the confirmed and completed places (报名) the user may see: the rows
are the chosen dimensions, the columns the chosen measures (ratios are worked out from counts of the
same grouped row). Only keys of DIMENSIONS, MEASURES and FILTERS are accepted; an unknown key is
refused with a clear error, and no text of the user's reaches the SQL except as a bound parameter of a
whitelisted filter.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.credits import passed_condition
from assessment.models import CreditTally
from attendance.models import ATTENDED, AttendanceRecord
from programs.models import Enrolment, Level, Session, SubProject
from trainees.models import School, Teacher

from .selectors import PARTICIPATING, ReportScope, rate

ERR_UNKNOWN_DIMENSION = "未知的统计维度：{key}"
ERR_UNKNOWN_MEASURE = "未知的统计指标：{key}"
ERR_UNKNOWN_FILTER = "未知的筛选条件：{key}"
ERR_BAD_FILTER = "筛选条件“{label}”的值无效"
ERR_NO_ROWS = "请至少选择一个行维度"
ERR_NO_COLUMNS = "请至少选择一个统计指标"
ERR_TOO_MANY_ROWS = "行维度最多选择 {n} 个"
ERR_YEARS = "起始年度不能晚于截止年度"
MAX_DIMENSIONS = 3
ZERO = Decimal(0)

AGE_BANDS = (
    (None, 35, gettext_lazy("35岁及以下")),
    (36, 45, gettext_lazy("36—45岁")),
    (46, 50, gettext_lazy("46—50岁")),
    (51, 60, gettext_lazy("51—60岁")),
    (61, None, gettext_lazy("60岁以上")),
)
# 学历 as typed in the registry, folded into the levels the reports use (first match wins).
EDUCATION_LEVELS = (
    ("postgraduate", gettext_lazy("研究生"), ("博士", "硕士", "研究生")),
    ("bachelor", gettext_lazy("本科"), ("本科", "学士")),
    ("college", gettext_lazy("专科"), ("专科", "大专")),
    ("secondary", gettext_lazy("中专及以下"), ("中专", "中师", "高中", "初中", "职高")),
)


def age_band_expression(
    year_path: str = "subproject__program__year", birth: str = "teacher__birth_date"
) -> tuple[ExpressionWrapper, list[tuple[int, Q]]]:
    """The teacher's age in the program's year (year − birth year) and the condition of each band."""
    age = ExpressionWrapper(F(year_path) - ExtractYear(birth), output_field=IntegerField())
    whens = []
    for index, (low, high, _label) in enumerate(AGE_BANDS):
        q = Q()
        if low is not None:
            q &= Q(age__gte=low)
        if high is not None:
            q &= Q(age__lte=high)
        whens.append((index, q))
    return age, whens


def education_expression(path: str = "teacher__education") -> Case:
    whens = [
        When(
            _any_contains(path, words),
            then=Value(key),
        )
        for key, _label, words in EDUCATION_LEVELS
    ]
    return Case(*whens, default=Value(""))


def _any_contains(path: str, words: tuple[str, ...]) -> Q:
    q = Q()
    for word in words:
        q |= Q(**{f"{path}__contains": word})
    return q


@dataclass(frozen=True)
class Dimension:
    label: Any
    path: str | None  # an ORM path from Enrolment, or None for a computed expression
    choices: Mapping[Any, Any] = field(default_factory=dict)


DIMENSIONS: dict[str, Dimension] = {
    "year": Dimension(gettext_lazy("年度"), "subproject__program__year"),
    "level": Dimension(gettext_lazy("级别"), "subproject__program__level", dict(Level.choices)),
    "category": Dimension(gettext_lazy("类别"), "subproject__program__category__name"),
    "kind": Dimension(gettext_lazy("子项目类型"), "subproject__kind", dict(SubProject.Kind.choices)),
    "county": Dimension(gettext_lazy("县区"), "school__county__name"),
    "township": Dimension(gettext_lazy("乡镇"), "school__township__name"),
    "school": Dimension(gettext_lazy("学校"), "school__name"),
    "stage": Dimension(gettext_lazy("学段"), "teacher__stage", dict(Teacher.Stage.choices)),
    "subject": Dimension(gettext_lazy("学科"), "teacher__subject"),
    "area": Dimension(gettext_lazy("城乡"), "school__area", dict(School.Area.choices)),
    "gender": Dimension(gettext_lazy("性别"), "teacher__gender", dict(Teacher.Gender.choices)),
    "age_band": Dimension(gettext_lazy("年龄段"), None, {i: label for i, (_a, _b, label) in enumerate(AGE_BANDS)}),
    "title": Dimension(gettext_lazy("职称"), "teacher__title"),
    "education": Dimension(
        gettext_lazy("学历"), None, {key: label for key, label, _words in EDUCATION_LEVELS} | {"": "未填/其他"}
    ),
}


@dataclass(frozen=True)
class Measure:
    label: Any
    kind: str  # "int", "decimal" or "rate"
    needs: tuple[str, ...]  # the grouped aggregates it is worked out from


MEASURES: dict[str, Measure] = {
    "subprojects": Measure(gettext_lazy("子项目数"), "int", ("subprojects",)),
    "person_times": Measure(gettext_lazy("参训人次"), "int", ("places",)),
    "persons": Measure(gettext_lazy("参训人数"), "int", ("persons",)),
    "hours": Measure(gettext_lazy("学时合计"), "decimal", ("hours",)),
    "hours_per_person": Measure(gettext_lazy("人均学时"), "decimal", ("hours", "persons")),
    "participation": Measure(gettext_lazy("参训率"), "rate", ("places", "attended")),
    "attendance": Measure(gettext_lazy("到训率"), "rate", ("sessions_expected", "sessions_attended")),
    "pass": Measure(gettext_lazy("合格率"), "rate", ("completed", "passed")),
    "credit": Measure(gettext_lazy("学分达标率"), "rate", ("tallied", "met")),
    "budget": Measure(gettext_lazy("经费"), "decimal", ("budget",)),
}
MEASURE_NOTES = {
    "hours": gettext_lazy("学时合计：出勤（含迟到、早退）的培训活动学时之和。"),
    "hours_per_person": gettext_lazy("人均学时 = 学时合计 ÷ 参训人数。"),
    "participation": gettext_lazy("参训率 = 至少出勤一次或已完成的报名 ÷ 已确认、已完成的报名。"),
    "attendance": gettext_lazy("到训率 = 出勤人次 ÷（报名 × 已举办的活动次数）。"),
    "pass": gettext_lazy("合格率 = 考核合格的报名 ÷ 已完成的报名。"),
    "credit": gettext_lazy("学分达标率 = 当年学时统计达标的参训教师 ÷ 有学时统计的参训教师（按人去重）。"),
    "budget": gettext_lazy("经费：子项目预算按参训人次分摊到各行，各行之和为有参训人员的子项目预算合计。"),
}


@dataclass(frozen=True)
class Filter:
    label: Any
    path: str
    kind: str  # "int" (an id or a year) or "choice"
    choices: Mapping[Any, Any] = field(default_factory=dict)


FILTERS: dict[str, Filter] = {
    "year_from": Filter(gettext_lazy("起始年度"), "subproject__program__year__gte", "int"),
    "year_to": Filter(gettext_lazy("截止年度"), "subproject__program__year__lte", "int"),
    "level": Filter(gettext_lazy("级别"), "subproject__program__level", "choice", dict(Level.choices)),
    "category": Filter(gettext_lazy("类别"), "subproject__program__category_id", "int"),
    "kind": Filter(gettext_lazy("子项目类型"), "subproject__kind", "choice", dict(SubProject.Kind.choices)),
    "county": Filter(gettext_lazy("县区"), "school__county_id", "int"),
    "township": Filter(gettext_lazy("乡镇"), "school__township_id", "int"),
    "school": Filter(gettext_lazy("学校"), "school_id", "int"),
    "stage": Filter(gettext_lazy("学段"), "teacher__stage", "choice", dict(Teacher.Stage.choices)),
    "area": Filter(gettext_lazy("城乡"), "school__area", "choice", dict(School.Area.choices)),
    "gender": Filter(gettext_lazy("性别"), "teacher__gender", "choice", dict(Teacher.Gender.choices)),
}


@dataclass(frozen=True)
class Spec:
    """A validated request: whitelisted keys only, filter values already parsed."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    filters: tuple[tuple[str, Any], ...] = ()

    def as_saved(self) -> dict[str, Any]:
        return {"rows": list(self.rows), "columns": list(self.columns), "filters": dict(self.filters)}


def spec_from(*, rows: Any, columns: Any, filters: Mapping[str, Any] | None = None) -> Spec:
    """Check every key against the whitelists and parse every filter value; refuse anything else."""
    rows = [str(r) for r in (rows or []) if str(r)]
    columns = [str(c) for c in (columns or []) if str(c)]
    errors: dict[str, list[str]] = {}
    for key in rows:
        if key not in DIMENSIONS:
            errors.setdefault("rows", []).append(_(ERR_UNKNOWN_DIMENSION).format(key=key))
    for key in columns:
        if key not in MEASURES:
            errors.setdefault("columns", []).append(_(ERR_UNKNOWN_MEASURE).format(key=key))
    if not rows:
        errors.setdefault("rows", []).append(_(ERR_NO_ROWS))
    if len(rows) > MAX_DIMENSIONS:
        errors.setdefault("rows", []).append(_(ERR_TOO_MANY_ROWS).format(n=MAX_DIMENSIONS))
    if not columns:
        errors.setdefault("columns", []).append(_(ERR_NO_COLUMNS))
    parsed: list[tuple[str, Any]] = []
    for key, raw in (filters or {}).items():
        if raw in (None, ""):
            continue
        spec = FILTERS.get(key)
        if spec is None:
            errors.setdefault("filters", []).append(_(ERR_UNKNOWN_FILTER).format(key=key))
            continue
        value = _parse_filter(spec, raw)
        if value is None:
            errors.setdefault(key, []).append(_(ERR_BAD_FILTER).format(label=spec.label))
            continue
        parsed.append((key, value))
    years = dict(parsed)
    if "year_from" in years and "year_to" in years and years["year_from"] > years["year_to"]:
        errors.setdefault("year_to", []).append(_(ERR_YEARS))
    if errors:
        raise ValidationError(errors)
    return Spec(rows=tuple(dict.fromkeys(rows)), columns=tuple(dict.fromkeys(columns)), filters=tuple(parsed))


def _parse_filter(spec: Filter, raw: Any) -> Any:
    if spec.kind == "choice":
        return str(raw) if str(raw) in spec.choices else None
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**31 else None


# Running -----------------------------------------------------------------------------------------


def _attended_hours() -> Coalesce:
    sub = (
        AttendanceRecord.objects.filter(enrolment=OuterRef("pk"), status__in=list(ATTENDED))
        .order_by()
        .values("enrolment")
        .annotate(h=Sum("session__hours"))
        .values("h")
    )
    return Coalesce(Subquery(sub, output_field=DecimalField()), Value(ZERO), output_field=DecimalField())


def _count_of(qs: QuerySet, outer: str) -> Coalesce:
    sub = qs.order_by().values(outer).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def _budget_share() -> Any:
    """The place's share of its sub-project's budget: budget ÷ the sub-project's confirmed places."""
    places = _count_of(
        Enrolment.objects.filter(subproject=OuterRef("subproject"), status__in=PARTICIPATING), "subproject"
    )
    return ExpressionWrapper(
        Coalesce(F("subproject__budget"), Value(ZERO)) / places, output_field=DecimalField(decimal_places=2)
    )


def _aggregates(needed: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The per-place annotations and the grouped aggregates the chosen measures need, nothing more."""
    notes: dict[str, Any] = {}
    aggs: dict[str, Any] = {}
    attended = AttendanceRecord.objects.filter(status__in=list(ATTENDED))
    completed = Q(status=Enrolment.Status.COMPLETED)
    if "subprojects" in needed:
        aggs["subprojects"] = Count("subproject", distinct=True)
    if "places" in needed:
        aggs["places"] = Count("pk")
    if "persons" in needed:
        aggs["persons"] = Count("teacher", distinct=True)
    if "hours" in needed:
        notes["att_hours"] = _attended_hours()
        aggs["hours"] = Sum("att_hours")
    if "attended" in needed:
        notes["attended_any"] = Exists(attended.filter(enrolment=OuterRef("pk")))
        aggs["attended"] = Count("pk", filter=Q(attended_any=True) | completed)
    if {"sessions_expected", "sessions_attended"} & needed:
        notes["held"] = _count_of(
            Session.objects.filter(subproject=OuterRef("subproject"), date__lte=timezone.localdate()), "subproject"
        )
        notes["att_sessions"] = _count_of(attended.filter(enrolment=OuterRef("pk")), "enrolment")
        aggs["sessions_expected"] = Sum("held")
        aggs["sessions_attended"] = Sum("att_sessions")
    if {"completed", "passed"} & needed:
        notes["is_passed"] = Exists(Enrolment.objects.filter(passed_condition(), pk=OuterRef("pk")))
        aggs["completed"] = Count("pk", filter=completed)
        aggs["passed"] = Count("pk", filter=completed & Q(is_passed=True))
    if {"tallied", "met"} & needed:
        tally = CreditTally.objects.filter(teacher=OuterRef("teacher"), year=OuterRef("subproject__program__year"))
        notes["has_tally"] = Exists(tally)
        notes["tally_met"] = Exists(tally.filter(met=True))
        aggs["tallied"] = Count("teacher", filter=Q(has_tally=True), distinct=True)
        aggs["met"] = Count("teacher", filter=Q(tally_met=True), distinct=True)
    if "budget" in needed:
        notes["budget_share"] = _budget_share()
        aggs["budget"] = Sum("budget_share")
    return notes, aggs


def base_queryset(*, scope: ReportScope) -> QuerySet[Enrolment]:
    """The places a run counts: confirmed or completed, of the teachers the user may see (a county's
    teachers' places in its own programs and in those its city or province runs)."""
    return scope.filter(Enrolment.objects.filter(status__in=PARTICIPATING), county="school__county")


@dataclass
class Result:
    spec: Spec
    headers: list[str]
    rows: list[list[Any]]
    kinds: list[str]  # per column: "text", "int", "decimal", "rate"
    notes: list[str]


def run(*, spec: Spec, scope: ReportScope) -> Result:
    """One grouped query: SELECT the dimensions, the aggregates; GROUP BY the dimensions."""
    needed = {n for key in spec.columns for n in MEASURES[key].needs}
    notes, aggs = _aggregates(needed)
    qs = base_queryset(scope=scope).filter(**{FILTERS[key].path: value for key, value in spec.filters})
    group: dict[str, Any] = {}
    for key in spec.rows:
        dim = DIMENSIONS[key]
        if dim.path is not None:
            group[f"d_{key}"] = F(dim.path)
        elif key == "age_band":
            age, whens = age_band_expression()
            qs = qs.annotate(age=age)
            group[f"d_{key}"] = Case(*[When(q, then=Value(i)) for i, q in whens], output_field=IntegerField())
        elif key == "education":
            group[f"d_{key}"] = education_expression()
    if notes:
        qs = qs.annotate(**notes)
    grouped = qs.values(**group).annotate(**aggs).order_by(*group)
    headers = [str(DIMENSIONS[k].label) for k in spec.rows] + [str(MEASURES[k].label) for k in spec.columns]
    kinds = ["text"] * len(spec.rows) + [MEASURES[k].kind for k in spec.columns]
    rows = []
    for r in grouped:
        cells: list[Any] = [_dimension_value(DIMENSIONS[k], r[f"d_{k}"]) for k in spec.rows]
        cells += [_measure_value(k, r) for k in spec.columns]
        rows.append(cells)
    used_notes = [str(MEASURE_NOTES[k]) for k in spec.columns if k in MEASURE_NOTES]
    used_notes.insert(0, _("统计对象：已确认或已完成的报名（参训人次），按报名时所在学校归属县区、乡镇、学校。"))
    return Result(spec=spec, headers=headers, rows=rows, kinds=kinds, notes=used_notes)


def _dimension_value(dim: Dimension, value: Any) -> Any:
    if dim.choices:
        return str(dim.choices.get(value, value if value not in (None, "") else _("未填")))
    return value if value not in (None, "") else _("未填")


def _measure_value(key: str, r: dict[str, Any]) -> Any:
    if key == "subprojects":
        return r["subprojects"]
    if key == "person_times":
        return r["places"]
    if key == "persons":
        return r["persons"]
    if key == "hours":
        return r["hours"] or ZERO
    if key == "hours_per_person":
        return round((r["hours"] or ZERO) / r["persons"], 1) if r["persons"] else None
    if key == "participation":
        return rate(r["attended"], r["places"])
    if key == "attendance":
        return rate(r["sessions_attended"] or 0, r["sessions_expected"] or 0)
    if key == "pass":
        return rate(r["passed"], r["completed"])
    if key == "credit":
        return rate(r["met"], r["tallied"])
    if key == "budget":
        return (r["budget"] or ZERO).quantize(Decimal("0.01"))
    raise KeyError(key)
