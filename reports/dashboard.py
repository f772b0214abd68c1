"""The dashboard: headline figures over charts that drill down county → township → school → teachers.

The same selectors as the workbook, shaped for charts and their tables. The unit shown is chosen with
`county`, `township` and `school` (each looked up through the user's scope: 404 outside it). Years
without any training are left out of the year chart; a chart over many schools shows the ten highest
and the ten lowest, with a link to the full table.
"""

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Max, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.scoping import ALL, REGION, scope_of, visible
from programs.models import Program, SubProject
from trainees.models import Region, School, Teacher

from . import rates, selectors
from .selectors import PARTICIPATING, Period, ReportScope, per_teacher, rate

CHARTS = {
    "by-year": {"title": gettext_lazy("各年度分类别参训人次"), "kind": "bar", "stacked": True},
    "units": {"title": gettext_lazy("各单位参训率"), "kind": "bar", "percent": True, "drill": True},
    "schools": {"title": gettext_lazy("各学校参训率"), "kind": "bar", "percent": True, "long": True},
    "areas": {"title": gettext_lazy("城区与乡村"), "kind": "bar", "percent": True},
    "credits": {"title": gettext_lazy("学分达标率"), "kind": "bar", "percent": True, "long": True},
    "outreach": {"title": gettext_lazy("送教下乡进度（任务合格率）"), "kind": "bar", "percent": True},
    "teachers": {"title": gettext_lazy("教师参训情况"), "kind": "table"},
}
YEARS_SHOWN = 5
TOP = 10  # a long chart shows this many from each end
LONG_CHART = 2 * TOP
NOT_TRAINED_YEARS = 3
TILE_NOTES = (
    gettext_lazy("参训率 = 实际参训人次（至少出勤一次或已完成）÷ 已确认、已完成的报名。"),
    gettext_lazy("人均学时 = 出勤学时 ÷ 教师数；学分达标率 = 学时统计达标人数 ÷ 统计人数。"),
    gettext_lazy("经费执行率 = 已结束子项目的预算 ÷ 本年度子项目预算合计（按项目主办单位统计）。"),
)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _year(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _id(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


@dataclass
class Unit:
    """Where the dashboard stands: the whole scope, a county, a township or a school."""

    level: str  # "region", "county", "township", "school"
    name: str
    scope: ReportScope
    county: Region | None = None
    township: Region | None = None
    school: School | None = None

    @property
    def child_level(self) -> str | None:
        return {"region": "county", "county": "township", "township": "school", "school": None}[self.level]

    def query(self, **extra: Any) -> dict[str, Any]:
        """The GET parameters that stand here (for links and the year form)."""
        params: dict[str, Any] = {}
        if self.county:
            params["county"] = self.county.pk
        if self.township:
            params["township"] = self.township.pk
        if self.school:
            params["school"] = self.school.pk
        return {**params, **extra}

    def trail(self) -> list[tuple[str, dict[str, Any]]]:
        """The breadcrumbs: each step's name and its parameters."""
        steps: list[tuple[str, dict[str, Any]]] = []
        if self.county and scope_of(self.scope.user).kind in (ALL, REGION):
            steps.append((self.county.name, {"county": self.county.pk}))
        if self.township:
            steps.append((self.township.name, {"county": self.county.pk, "township": self.township.pk}))
        if self.school:
            steps.append((self.school.name, self.query()))
        return steps


def unit_for(*, user: Any, params: Any) -> Unit:
    """The unit the parameters name, through the user's scope (an unknown or outside one is 404)."""
    scope = scope_of(user)
    county = township = school = None
    if _id(params.get("school")):
        school = (
            visible(School.objects.select_related("county", "township"), user, county="county", school="pk")
            .filter(pk=_id(params.get("school")))
            .first()
        )
        if school is None:
            raise Http404
        county, township = school.county, school.township
    elif _id(params.get("township")):
        township = (
            visible(Region.objects.filter(level=Region.Level.TOWNSHIP).select_related("parent"), user, county="parent")
            .filter(pk=_id(params.get("township")))
            .first()
        )
        if township is None:
            raise Http404
        county = township.parent
    elif _id(params.get("county")):
        county = (
            visible(Region.objects.filter(level=Region.Level.COUNTY), user, county="pk")
            .filter(pk=_id(params.get("county")))
            .first()
        )
        if county is None:
            raise Http404
    elif scope.kind == "county":
        county = Region.objects.filter(pk=scope.county_id).first()
    for key in ("school", "township", "county"):
        if params.get(key) not in (None, "") and _id(params.get(key)) is None:
            raise Http404
    report_scope = ReportScope(
        user=user,
        county_id=county.pk if county else None,
        township_id=township.pk if township and not school else None,
        school_id=school.pk if school else None,
    )
    if school:
        return Unit("school", school.name, report_scope, county, township, school)
    if township:
        return Unit("township", township.name, report_scope, county, township)
    if county:
        return Unit("county", county.name, report_scope, county)
    name = str(user.region) if scope.kind == REGION else _("全部县区")
    return Unit("region", name, report_scope)


def dashboard_data(*, user: Any, year: Any = None, params: Any = None) -> dict[str, Any]:
    y = _year(year)
    unit = unit_for(user=user, params=params or {})
    one_year = Period(y, y)
    data: dict[str, Any] = {
        "year": y,
        "unit": unit,
        "years": list(range(y - YEARS_SHOWN + 1, y + 1)),
        "tiles": _tiles(unit, one_year),
        "by-year": _by_year(unit.scope, Period(y - YEARS_SHOWN + 1, y)),
        "areas": _areas(unit.scope, one_year),
        "outreach": _outreach(unit.scope, one_year),
    }
    if unit.child_level:
        data["units"] = _units(unit, one_year)
        data["credits"] = _credits(unit, one_year)
    if unit.level != "school":
        data["schools"] = _schools(unit, one_year)
    if unit.level == "school":
        data["teachers"] = _teachers(unit, one_year)
    return data


def chart_cards(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One card per chart the unit has, its series as JSON for a data- attribute (autoescaped there):
    the page needs no <script> element of its own, not even a JSON one."""
    cards = []
    for slug, chart in CHARTS.items():
        if slug not in data or chart["kind"] == "table":
            continue
        table = data[slug]
        cards.append(
            {
                **chart,
                "title": table.get("title", chart["title"]),
                "slug": slug,
                "shortened": table.get("shortened", False),
                "note": table.get("note", ""),
                "series": json.dumps(
                    {"labels": table["labels"], "datasets": table["datasets"]},
                    cls=DjangoJSONEncoder,
                    ensure_ascii=False,
                ),
            }
        )
    return cards


# Headline figures ---------------------------------------------------------------------------------


def _tiles(unit: Unit, period: Period) -> list[dict[str, Any]]:
    scope = unit.scope
    total = rates.rate_rows(scope=scope, period=period, unit="total")
    participation = total[0].participation if total else None
    people = next(iter(selectors.participation(scope=scope, period=period, by="total").values()), None)
    hours = per_teacher(people["hours"], people["teachers"]) if people else None
    credits = list(selectors.credit_by_year(scope=scope, period=period))
    credit_rate = rate(credits[0]["met_count"], credits[0]["tallied"]) if credits else None
    recent = Period(period.year_to - NOT_TRAINED_YEARS + 1, period.year_to)
    coverage = selectors.coverage_counts(
        scope=scope, period=recent, not_trained_years=NOT_TRAINED_YEARS, many_times=99
    )[None]
    return [
        {"label": _("参训率"), "value": _pct(participation), "hint": _("实际参训 ÷ 报名")},
        {"label": _("人均学时"), "value": "—" if hours is None else f"{hours:.1f}", "hint": _("出勤学时 ÷ 教师数")},
        {"label": _("学分达标率"), "value": _pct(credit_rate), "hint": _("学时统计达标人数 ÷ 统计人数")},
        {
            "label": _("近{n}年未参训教师").format(n=NOT_TRAINED_YEARS),
            "value": f"{coverage['not_trained']:,}",
            "hint": _("{a}—{b}年没有参训记录，共 {t:,} 名教师").format(
                a=recent.year_from, b=recent.year_to, t=coverage["total"]
            ),
        },
        {
            "label": _("经费执行率"),
            "value": _pct(_budget_execution(unit, period)),
            "hint": _("已结束子项目预算 ÷ 预算"),
        },
    ]


def _budget_execution(unit: Unit, period: Period) -> float | None:
    """Budgets are the program owner's (a county, a city, a province): not shown below the county."""
    if unit.level in ("township", "school"):
        return None
    subprojects = unit.scope.filter(SubProject.objects.all(), county="program__county", region="program__region")
    today = timezone.localdate()
    done = Q(end_date__lt=today) | Q(program__status=Program.Status.FINISHED)
    figures = subprojects.filter(program__year=period.year_from).aggregate(
        total=Sum("budget"), spent=Sum("budget", filter=done)
    )
    if not figures["total"]:
        return None
    return round(float(figures["spent"] or Decimal(0)) / float(figures["total"]), 4)


# Charts -------------------------------------------------------------------------------------------


def _by_year(scope: ReportScope, period: Period) -> dict[str, Any]:
    """Person-times per year and category of the teachers covered; a year without any is left out."""
    rows = list(
        selectors.teacher_enrolments(scope, period)
        .values("subproject__program__year", "subproject__program__category__name")
        .annotate(person_times=Count("id"), sort=Max("subproject__program__category__sort_order"))
        .order_by("sort", "subproject__program__category__name", "subproject__program__year")
    )
    years = sorted({r["subproject__program__year"] for r in rows})
    series: dict[str, list[int]] = {}
    for r in rows:
        values = series.setdefault(r["subproject__program__category__name"], [0] * len(years))
        values[years.index(r["subproject__program__year"])] = r["person_times"]
    left_out = [y for y in period.years if y not in years]
    return {
        "labels": years,
        "datasets": [{"label": name, "data": data} for name, data in series.items()],
        "headers": [_("类别"), *years],
        "kinds": ["text", *["int"] * len(years)],
        "rows": [[name, *data] for name, data in series.items()],
        "note": _("无培训记录的年度未列出：{years}").format(years="、".join(map(str, left_out))) if left_out else "",
    }


def _child_label(level: str | None) -> str:
    return {"county": _("县区"), "township": _("乡镇"), "school": _("学校")}.get(level or "", _("单位"))


def _rate_table(rows: list[rates.RateRow], *, level: str, link: Any, title: str, shorten: bool) -> dict[str, Any]:
    """Rates per unit, ranked; a long list is cut to the top and bottom tens for the chart only."""
    shown = rows
    shortened = shorten and len(rows) > LONG_CHART
    ranked = [r for r in rows if r.participation is not None]
    if shortened:
        shown = ranked[:TOP] + ranked[-TOP:]
    return {
        "title": title + (_("（前十名与后十名）") if shortened else ""),
        "shortened": shortened,
        "labels": [r.name for r in shown],
        "datasets": [{"label": str(_("参训率")), "data": [r.participation for r in shown]}],
        "headers": [
            _("排名"),
            _child_label(level),
            _("报名人次"),
            _("实际参训"),
            _("参训率"),
            _("到训率"),
            _("合格率"),
        ],
        "kinds": ["int", "text", "int", "int", "rate", "rate", "rate"],
        "rows": [[r.rank, r.name, r.places, r.attended, r.participation, r.attendance, r.pass_rate] for r in rows],
        "links": [link(r) for r in rows],
    }


def _units(unit: Unit, period: Period) -> dict[str, Any]:
    level = unit.child_level
    rate_unit = {"county": "county", "township": "township", "school": "school"}[level]
    rows = rates.rate_rows(scope=unit.scope, period=period, unit=rate_unit)

    def link(r: rates.RateRow) -> dict[str, Any] | None:
        if r.key is None:
            return None
        if level == "county":
            return {"county": r.key}
        if level == "township":
            return {"county": unit.county.pk, "township": r.key}
        return {"school": r.key}

    title = _("各{unit}参训率").format(unit=_child_label(level))
    return _rate_table(rows, level=level, link=link, title=title, shorten=level == "school")


def _schools(unit: Unit, period: Period) -> dict[str, Any]:
    rows = rates.rate_rows(scope=unit.scope, period=period, unit="school")
    return _rate_table(
        rows, level="school", link=lambda r: {"school": r.key}, title=str(_("各学校参训率")), shorten=True
    )


def _participation_table(labelled: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    return {
        "labels": [label for label, _r in labelled],
        "datasets": [{"label": str(_("覆盖率")), "data": [rate(r["trained"], r["teachers"]) for _l, r in labelled]}],
        "headers": [_("名称"), _("教师数"), _("参训教师数"), _("参训人次"), _("覆盖率"), _("人均学时")],
        "kinds": ["text", "int", "int", "int", "rate", "decimal"],
        "rows": [
            [
                label,
                r["teachers"],
                r["trained"],
                r["person_times"],
                rate(r["trained"], r["teachers"]),
                per_teacher(r["hours"], r["teachers"]),
            ]
            for label, r in labelled
        ],
        "note": _("覆盖率 = 参训教师数 ÷ 教师数。"),
    }


def _areas(scope: ReportScope, period: Period) -> dict[str, Any]:
    by = selectors.participation(scope=scope, period=period, by="area")
    empty = {"teachers": 0, "trained": 0, "person_times": 0, "hours": selectors.ZERO}
    return _participation_table([(str(label), by.get(value, empty)) for value, label in School.Area.choices])


def _credits(unit: Unit, period: Period) -> dict[str, Any]:
    """学分达标率 per child unit (one grouped query); schools beyond twenty become top and bottom tens."""
    level = unit.child_level
    path = {"county": ("county", "county__name"), "township": ("school__township", "school__township__name")}.get(
        level, ("school", "school__name")
    )
    rows = list(
        selectors.tallies_of(scope=unit.scope, period=period)
        .values(*path)
        .annotate(
            tallied=Count("id"),
            met_count=Count("id", filter=Q(met=True)),
            shortfall=Sum("shortfall_hours", filter=Q(met=False)),
        )
        .order_by(path[1])
    )
    for r in rows:
        r["rate"] = rate(r["met_count"], r["tallied"])
    rows.sort(key=lambda r: (-(r["rate"] or 0), r[path[1]] or ""))
    shown, shortened = rows, len(rows) > LONG_CHART
    if shortened:
        shown = rows[:TOP] + rows[-TOP:]
    name = _("各{unit}学分达标率").format(unit=_child_label(level))
    return {
        "title": name + (_("（前十名与后十名）") if shortened else ""),
        "shortened": shortened,
        "labels": [r[path[1]] or _("未划分") for r in shown],
        "datasets": [{"label": str(_("达标率")), "data": [r["rate"] for r in shown]}],
        "headers": [_child_label(level), _("统计人数"), _("达标人数"), _("达标率"), _("差额学时合计")],
        "kinds": ["text", "int", "int", "rate", "decimal"],
        "rows": [
            [r[path[1]] or _("未划分"), r["tallied"], r["met_count"], r["rate"], r["shortfall"] or 0] for r in rows
        ],
    }


def _teachers(unit: Unit, period: Period) -> dict[str, Any]:
    """The school's teachers and their training this year (the end of the drill-down)."""
    covered = Q(enrolments__status__in=PARTICIPATING) & Q(
        enrolments__subproject__program__year__gte=period.year_from,
        enrolments__subproject__program__year__lte=period.year_to,
    )
    teachers = (
        unit.scope.filter(Teacher.objects.all(), county="school__county", school="school")
        .annotate(
            places=Count("enrolments", filter=covered),
            last_year=Max("enrolments__subproject__program__year", filter=Q(enrolments__status__in=PARTICIPATING)),
        )
        .order_by("name", "pk")
        .values("pk", "name", "stage", "subject", "title", "places", "last_year")
    )
    stages = dict(Teacher.Stage.choices)
    rows = list(teachers)
    return {
        "title": _("{school}教师参训情况").format(school=unit.name),
        "labels": [],
        "datasets": [],
        "headers": [_("姓名"), _("学段"), _("学科"), _("职称"), _("本年度参训人次"), _("最近参训年度")],
        "kinds": ["text", "text", "text", "text", "int", "int"],
        "rows": [
            [t["name"], str(stages.get(t["stage"], "")), t["subject"], t["title"], t["places"], t["last_year"]]
            for t in rows
        ],
        "teacher_ids": [t["pk"] for t in rows],
    }


def _outreach(scope: ReportScope, period: Period) -> dict[str, Any]:
    cycles_qs = selectors.outreach_cycles(scope=scope, period=period)
    cycles = list(cycles_qs)
    figures = selectors.outreach_figures(cycles=cycles_qs)
    kinds = [str(label) for label, _n in figures.total.activity_rows]

    def cells(f: Any) -> list[Any]:
        return [f.visits, f.days, f.person_times, f.persons, *(n for _l, n in f.activity_rows), f.resource_total]

    return {
        "labels": [f"{c.year} {c.subject}" for c in cycles],
        "datasets": [{"label": str(_("任务合格率")), "data": [rate(c.done, c.tasks * c.trainees) for c in cycles]}],
        "headers": [
            _("周期"),
            _("班次"),
            _("天数"),
            _("参训人次"),
            _("参训人数"),
            *kinds,
            _("生成性资源"),
            _("返岗任务数"),
            _("合格提交数"),
            _("任务合格率"),
        ],
        "kinds": ["text", "int", "int", "int", "int", "int", "rate"],
        "rows": [
            [
                f"{c.year} {c.subject}",
                *cells(figures.for_cycle(c.pk)),
                c.tasks,
                c.done,
                rate(c.done, c.tasks * c.trainees),
            ]
            for c in cycles
        ]
        + [[str(_("合计")), *cells(figures.total), "", "", ""]],
    }
