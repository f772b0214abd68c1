"""The dashboard's figures: the same selectors as the workbook, shaped for charts and their tables."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trainees.models import School

from . import selectors
from .selectors import Period, ReportScope, per_teacher, rate

CHARTS = {
    "by-year": {"title": _("各年度分类别参训人次"), "kind": "bar", "stacked": True},
    "townships": {"title": _("各乡镇参训率"), "kind": "bar", "percent": True},
    "areas": {"title": _("城区与乡村"), "kind": "bar", "percent": True},
    "credits": {"title": _("各学校学分达标率"), "kind": "bar", "percent": True},
    "outreach": {"title": _("送教下乡进度（任务合格率）"), "kind": "bar", "percent": True},
}
YEARS_SHOWN = 5


def chart_cards(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One card per chart, its series as JSON for a data- attribute (autoescaped there): the page
    needs no <script> element of its own, not even a JSON one."""
    return [
        {
            **chart,
            "slug": slug,
            "series": json.dumps(
                {"labels": data[slug]["labels"], "datasets": data[slug]["datasets"]},
                cls=DjangoJSONEncoder,
                ensure_ascii=False,
            ),
        }
        for slug, chart in CHARTS.items()
    ]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _year(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def dashboard_data(*, user: Any, year: Any = None) -> dict[str, Any]:
    y = _year(year)
    scope = ReportScope(user=user)
    one_year = Period(y, y)
    return {
        "year": y,
        "years": list(range(y - YEARS_SHOWN + 1, y + 1)),
        "by-year": _by_year(scope, Period(y - YEARS_SHOWN + 1, y)),
        "townships": _townships(scope, one_year),
        "areas": _areas(scope, one_year),
        "credits": _credits(scope, one_year),
        "outreach": _outreach(scope, one_year),
    }


def _by_year(scope: ReportScope, period: Period) -> dict[str, Any]:
    years = list(period.years)
    series: dict[str, list[int]] = {}
    for r in selectors.person_times_by_year_category(scope=scope, period=period):
        values = series.setdefault(r["subproject__program__category__name"], [0] * len(years))
        values[years.index(r["subproject__program__year"])] = r["person_times"]
    return {
        "labels": years,
        "datasets": [{"label": name, "data": data} for name, data in series.items()],
        "headers": [_("类别"), *years],
        "rows": [[name, *data] for name, data in series.items()],
    }


def _participation_table(labelled: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    return {
        "labels": [label for label, _r in labelled],
        "datasets": [{"label": str(_("参训率")), "data": [rate(r["trained"], r["teachers"]) for _l, r in labelled]}],
        "headers": [_("名称"), _("教师数"), _("参训教师数"), _("参训人次"), _("参训率"), _("人均学时")],
        "rows": [
            [
                label,
                r["teachers"],
                r["trained"],
                r["person_times"],
                _pct(rate(r["trained"], r["teachers"])),
                per_teacher(r["hours"], r["teachers"]),
            ]
            for label, r in labelled
        ],
    }


def _townships(scope: ReportScope, period: Period) -> dict[str, Any]:
    names = {t.pk: t.name for t in selectors.townships(scope=scope)}
    by = selectors.participation(scope=scope, period=period, by="township")
    keys = sorted(by, key=lambda k: (k is None, names.get(k, "")))
    return _participation_table([(names.get(k, str(_("未划分乡镇"))), by[k]) for k in keys])


def _areas(scope: ReportScope, period: Period) -> dict[str, Any]:
    by = selectors.participation(scope=scope, period=period, by="area")
    empty = {"teachers": 0, "trained": 0, "person_times": 0, "hours": selectors.ZERO}
    return _participation_table([(str(label), by.get(value, empty)) for value, label in School.Area.choices])


def _credits(scope: ReportScope, period: Period) -> dict[str, Any]:
    rows = list(selectors.credit_by_school(scope=scope, period=period))
    return {
        "labels": [r["school__name"] for r in rows],
        "datasets": [{"label": str(_("达标率")), "data": [rate(r["met_count"], r["tallied"]) for r in rows]}],
        "headers": [_("学校"), _("统计人数"), _("达标人数"), _("达标率"), _("差额学时合计")],
        "rows": [
            [r["school__name"], r["tallied"], r["met_count"], _pct(rate(r["met_count"], r["tallied"])), r["shortfall"]]
            for r in rows
        ],
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
        "rows": [
            [
                f"{c.year} {c.subject}",
                *cells(figures.for_cycle(c.pk)),
                c.tasks,
                c.done,
                _pct(rate(c.done, c.tasks * c.trainees)),
            ]
            for c in cycles
        ]
        + [[str(_("合计")), *cells(figures.total), "", "", ""]],
    }
