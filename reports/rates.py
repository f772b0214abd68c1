"""The rates the reports publish, per sub-project, school, township or county, with rankings, and
satisfaction as the share of each answer level.

Definitions (said on every page and sheet that shows them):
- 参训率 = trainees who attended ÷ trainees enrolled: confirmed or completed places with at least one
  attended session (or completed), over all confirmed or completed places;
- 到训率 = attended trainee-sessions ÷ expected trainee-sessions (each place × the sub-project's
  sessions held so far);
- 学习率 (online and blended sub-projects) = places whose online study has started (hours or tasks
  recorded) ÷ those places;
- 合格率 = passed ÷ completed: completed places that pass (no assessment scheme, or a published
  passing grade) over completed places.
Each is one grouped query over the places; nothing is summed from rows shown above it.
"""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.credits import passed_condition
from assessment.models import SURVEY_QUESTIONS, SurveyResponse
from assessment.surveys import MIN_ANSWERS_SHOWN
from attendance.models import ATTENDED, AttendanceRecord
from outreach.models import OnlineStudy
from programs.models import Enrolment, Session, SubProject

from .selectors import PARTICIPATING, Period, ReportScope, rate

ONLINE_MODALITIES = (SubProject.Modality.ONLINE, SubProject.Modality.BLENDED)

# The units rates are shown for: the grouping path from Enrolment, and how a unit is labelled.
UNITS = {
    "subproject": {"label": _("子项目"), "key": "subproject", "name": "subproject__name"},
    "school": {"label": _("学校"), "key": "school", "name": "school__name"},
    "township": {"label": _("乡镇"), "key": "school__township", "name": "school__township__name"},
    "county": {"label": _("县区"), "key": "school__county", "name": "school__county__name"},
    "total": {"label": _("合计"), "key": None, "name": None},
}
RATES = {
    "participation": _("参训率"),
    "attendance": _("到训率"),
    "study": _("学习率"),
    "pass": _("合格率"),
}
RATE_NOTES = (
    _("参训率 = 实际参训人次（至少出勤一次或已完成）÷ 应参训人次（已确认、已完成的报名）。"),
    _("到训率 = 出勤人次 ÷ 应出勤人次（每个报名 × 子项目已举办的活动次数）。"),
    _("学习率 = 已开始网络学习的报名 ÷ 网络、混合研修的报名；合格率 = 考核合格的报名 ÷ 已完成的报名。"),
)


def _places(scope: ReportScope, period: Period) -> QuerySet[Enrolment]:
    """Confirmed or completed places of the teachers covered, by the school they were made for."""
    return scope.filter(Enrolment.objects.all(), county="school__county", school="school").filter(
        status__in=PARTICIPATING,
        subproject__program__year__gte=period.year_from,
        subproject__program__year__lte=period.year_to,
    )


def _count_per_place(qs: QuerySet, fk: str = "enrolment") -> Coalesce:
    sub = qs.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def _held_sessions(today: Any) -> Coalesce:
    sub = (
        Session.objects.filter(subproject=OuterRef("subproject"), date__lte=today)
        .order_by()
        .values("subproject")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


@dataclass
class RateRow:
    key: Any
    name: str
    places: int
    attended: int
    sessions_expected: int
    sessions_attended: int
    online_places: int
    online_started: int
    completed: int
    passed: int
    extra: dict[str, Any]
    rank: int | None = None

    @property
    def participation(self) -> float | None:
        return rate(self.attended, self.places)

    @property
    def attendance(self) -> float | None:
        return rate(self.sessions_attended, self.sessions_expected)

    @property
    def study(self) -> float | None:
        return rate(self.online_started, self.online_places)

    @property
    def pass_rate(self) -> float | None:
        return rate(self.passed, self.completed)

    def value(self, which: str) -> float | None:
        return self.pass_rate if which == "pass" else getattr(self, which)


def rate_rows(*, scope: ReportScope, period: Period, unit: str, rank_by: str = "participation") -> list[RateRow]:
    """One row per unit in one grouped query, ranked by `rank_by` (equal rates share a rank; units
    without the figure come last, unranked)."""
    spec = UNITS[unit]
    attended_record = AttendanceRecord.objects.filter(status__in=list(ATTENDED))
    places = _places(scope, period).annotate(
        attended_any=Exists(attended_record.filter(enrolment=OuterRef("pk"))),
        sessions_attended=_count_per_place(attended_record),
        sessions_held=_held_sessions(timezone.localdate()),
        online_started=Exists(
            OnlineStudy.objects.filter(enrolment=OuterRef("pk")).filter(Q(online_hours__gt=0) | Q(tasks_done__gt=0))
        ),
        is_passed=Exists(Enrolment.objects.filter(passed_condition(), pk=OuterRef("pk"))),
    )
    online = Q(subproject__modality__in=ONLINE_MODALITIES)
    completed = Q(status=Enrolment.Status.COMPLETED)
    if spec["key"] is None:
        group: dict[str, Any] = {"u_key": Value(0, output_field=IntegerField()), "u_name": Value(str(spec["label"]))}
    else:
        group = {"u_key": F(spec["key"]), "u_name": F(spec["name"])}
    if unit == "subproject":
        group.update(program=F("subproject__program__name"), year=F("subproject__program__year"))
    grouped = (
        places.values(**group)
        .annotate(
            n_places=Count("pk"),
            n_attended=Count("pk", filter=Q(attended_any=True) | completed),
            n_expected=Sum("sessions_held"),
            n_sessions_attended=Sum("sessions_attended"),
            n_online=Count("pk", filter=online),
            n_online_started=Count("pk", filter=online & Q(online_started=True)),
            n_completed=Count("pk", filter=completed),
            n_passed=Count("pk", filter=completed & Q(is_passed=True)),
        )
        .order_by("u_name", "u_key")
    )
    rows = [
        RateRow(
            key=r["u_key"],
            name=r["u_name"] or str(_("（未划分）")),
            places=r["n_places"],
            attended=r["n_attended"],
            sessions_expected=r["n_expected"] or 0,
            sessions_attended=r["n_sessions_attended"] or 0,
            online_places=r["n_online"],
            online_started=r["n_online_started"],
            completed=r["n_completed"],
            passed=r["n_passed"],
            extra={k: r[k] for k in ("program", "year") if k in r},
        )
        for r in grouped
    ]
    return rank(rows, rank_by)


def rank(rows: list[RateRow], which: str) -> list[RateRow]:
    """Sort by the rate, highest first, and number the ranks (1, 2, 2, 4: equal rates share one)."""
    with_value = sorted((r for r in rows if r.value(which) is not None), key=lambda r: (-r.value(which), r.name))
    previous, position = None, 0
    for index, row in enumerate(with_value, start=1):
        if row.value(which) != previous:
            position, previous = index, row.value(which)
        row.rank = position
    without = [r for r in rows if r.value(which) is None]
    for row in without:
        row.rank = None
    return with_value + without


# Satisfaction 满意度 ---------------------------------------------------------------------------

# The published answer levels and the ratings (1–5) each covers.
LEVELS = (
    ("very", _("非常满意"), (5,)),
    ("satisfied", _("满意"), (4,)),
    ("fair", _("基本满意"), (3,)),
    ("unsatisfied", _("不满意"), (1, 2)),
)
SHARE_UNIT = Decimal("0.1")  # shares are published to one decimal of a per cent
SATISFACTION_NOTE = _(
    "满意度：评分 5 为非常满意，4 为满意，3 为基本满意，1–2 为不满意。各等级占比保留一位小数，"
    "按最大余数法取整，合计恰为 100.0%。答卷少于 3 份时只显示份数。"
)


def largest_remainder(counts: list[int], *, total: Decimal = Decimal(100), unit: Decimal = SHARE_UNIT) -> list[Decimal]:
    """Shares of `total` in steps of `unit` that add up to exactly `total`: each share's floor, then
    one more step to the largest remainders (ties to the earlier level)."""
    n = sum(counts)
    if n == 0:
        return [Decimal(0) for _count in counts]
    steps = int(total / unit)
    exact = [Decimal(c) * steps / n for c in counts]
    floors = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
    left = steps - sum(floors)
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [unit * f for f in floors]


@dataclass
class Satisfaction:
    subproject: Any
    answers: int
    shown: bool
    # per question and overall: (label, average, [(level label, count, share)])
    questions: list[tuple[str, Decimal | None, list[tuple[str, int, Decimal]]]]


def satisfaction(*, scope: ReportScope, period: Period) -> list[Satisfaction]:
    """Per sub-project: the average of each question and the share of each answer level, in one
    grouped query over the anonymous answers."""
    level_counts = {
        f"{name}_{key}": Count("pk", filter=Q(**{f"{name}__in": ratings}))
        for name, _label in SURVEY_QUESTIONS
        for key, _level, ratings in LEVELS
    }
    sums = {f"{name}_sum": Sum(name) for name, _label in SURVEY_QUESTIONS}
    subprojects = scope.filter(SubProject.objects.all(), county="program__county", region="program__region").filter(
        program__year__gte=period.year_from, program__year__lte=period.year_to
    )
    rows = (
        SurveyResponse.objects.filter(subproject__in=subprojects.values("pk"))
        .values("subproject")
        .annotate(n=Count("pk"), **level_counts, **sums)
        .order_by()
    )
    by_pk = {s.pk: s for s in subprojects.filter(pk__in=[r["subproject"] for r in rows]).select_related("program")}
    out = []
    for r in sorted(rows, key=lambda r: (by_pk[r["subproject"]].program.year, by_pk[r["subproject"]].name)):
        n, shown = r["n"], r["n"] >= MIN_ANSWERS_SHOWN
        questions = []
        overall = [0] * len(LEVELS)
        overall_sum = 0
        for name, label in SURVEY_QUESTIONS:
            counts = [r[f"{name}_{key}"] for key, _level, _ratings in LEVELS]
            overall = [a + b for a, b in zip(overall, counts, strict=True)]
            overall_sum += r[f"{name}_sum"] or 0
            questions.append((str(label), _average(r[f"{name}_sum"], n), _levels(counts)))
        questions.append((str(_("总体")), _average(overall_sum, n * len(SURVEY_QUESTIONS)), _levels(overall)))
        out.append(Satisfaction(subproject=by_pk[r["subproject"]], answers=n, shown=shown, questions=questions))
    return out


def _average(total: int | None, n: int) -> Decimal | None:
    return (Decimal(total) / n).quantize(Decimal("0.01")) if n and total is not None else None


def _levels(counts: list[int]) -> list[tuple[str, int, Decimal]]:
    shares = largest_remainder(counts)
    return [(str(label), c, s) for (_key, label, _ratings), c, s in zip(LEVELS, counts, shares, strict=True)]
