"""Writes of the reports app: export jobs, and the annual summary workbook they produce."""

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core import jobs
from core.excel import DECIMAL_FORMAT, INTEGER_FORMAT, PERCENT_FORMAT, OfficialSheet, new_workbook, save_workbook
from core.replica import REPLICA, reading_from_replica, replica_configured
from core.scoping import ALL, COUNTY, REGION, is_admin, is_region_admin, scope_of
from outreach.models import VisitActivity
from specialed.models import ParticipantEnrolment
from specialed.selectors import participant_figures
from trainees.idcard import mask_id_number
from trainees.models import Region, School, Teacher

from . import selectors
from .models import ExportJob, SavedStatistic
from .selectors import Period, ReportScope, per_teacher, rate

logger = logging.getLogger(__name__)

ERR_NOT_ALLOWED = "只有管理员（县区、市级或省级）可以导出年度汇总"
ERR_COUNTY_REQUIRED = "请选择县区"
ERR_YEARS = "起始年度不能晚于截止年度"
ERR_RANGE_TOO_LONG = "年度范围最多 10 年"
ERR_COUNTY_NOT_BELOW = "只能导出本市/省所辖县区"

MAX_YEARS = 10
# A queued job whose task has not started after this long lost its message (broker restart):
# the sweeper enqueues it again (as one running past the hard time limit, core.jobs.worker_lost_after).
STALE_QUEUED = dt.timedelta(seconds=settings.REPORTS_STALE_QUEUED_SECONDS)

SHEET_SUMMARY = "年度汇总"
SHEET_REPORT = "上报汇总"
SHEET_SCHOOLS = "学校参训"
SHEET_COVERAGE = "培训覆盖"
SHEET_NOT_TRAINED = "未参训教师名单"
SHEET_MANY_TIMES = "多次参训教师名单"
SHEET_CREDITS = "学分达标"
SHEET_SHORT = "未达标教师名单"
SHEET_OUTREACH = "送教下乡"
SHEET_WORKSHOPS = "工作坊"
SHEET_PARTICIPANTS = "非教师学员"
SUBTOTAL = "小计"
TOTAL = "合计"
NO_TOWNSHIP = "（未划分乡镇）"

INT, DEC, PCT = INTEGER_FORMAT, DECIMAL_FORMAT, PERCENT_FORMAT


# Saved statistics (自定义统计) -------------------------------------------------------------------

ERR_NAME_REQUIRED = "请填写统计名称"
ERR_NAME_TAKEN = "已有同名的统计，请换一个名称"
ERR_NOT_SAVER = "只有县区、市级、省级的工作人员可以保存统计"


@transaction.atomic
def statistic_save(*, user: Any, name: str, spec: Any) -> SavedStatistic:
    """Keep a statistic under a name for the user's county (or city, province); the same name again
    replaces its definition."""
    from .builder import spec_from

    scope = scope_of(user)
    if scope.kind not in (ALL, COUNTY, REGION):
        raise ValidationError(_(ERR_NOT_SAVER))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _(ERR_NAME_REQUIRED)})
    # Stored only as whitelisted keys: checked again here, whoever calls.
    spec = spec_from(**spec.as_saved())
    owner = {"county": None, "region": None}
    if scope.kind == COUNTY:
        owner["county"] = user.county
    elif scope.kind == REGION:
        owner["region"] = user.region
    saved = SavedStatistic.objects.filter(name=name, **owner).first() or SavedStatistic(name=name, **owner)
    saved.rows, saved.columns, saved.filters = spec.as_saved().values()
    saved.created_by = saved.created_by or _user_or_none(user)
    saved.full_clean()
    saved.save()
    return saved


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


@transaction.atomic
def statistic_delete(*, saved: SavedStatistic) -> None:
    saved.delete()


# Export jobs -------------------------------------------------------------------------------------


def export_request(
    *,
    user: Any,
    year_from: int,
    year_to: int,
    county: Region | None = None,
    not_trained_years: int = 3,
    many_times: int = 3,
) -> ExportJob:
    """Store the request, then enqueue its task once the row is committed (a lost message is swept).

    A county administrator exports their county; a city or province administrator their whole region
    (the roll-up) or one county below it; a deployment-wide administrator any county or all of them."""
    scope = scope_of(user)
    if not (is_admin(user) or is_region_admin(user)):
        raise ValidationError(_(ERR_NOT_ALLOWED))
    region = None
    if scope.kind == REGION:
        if county is not None and county.pk not in scope.county_ids:
            raise ValidationError({"county": _(ERR_COUNTY_NOT_BELOW)})
        region = None if county is not None else user.region
    elif scope.kind != ALL:
        county = user.county  # county administrators export their own county, whatever was posted
    job = ExportJob(
        requested_by=user,
        county=county,
        region=region,
        year_from=year_from,
        year_to=year_to,
        not_trained_years=not_trained_years,
        many_times=many_times,
    )
    return _job_create(job)


def export_request_for_command(
    *,
    county: Region | None,
    year_from: int,
    year_to: int,
    not_trained_years: int = 3,
    many_times: int = 3,
    region: Region | None = None,
) -> ExportJob:
    """The trusted command-line request: no user, limited to the county, city or province given (or
    all counties)."""
    job = ExportJob(
        county=county,
        region=region,
        year_from=year_from,
        year_to=year_to,
        not_trained_years=not_trained_years,
        many_times=many_times,
    )
    job.full_clean(exclude=["file"])
    _check_years(year_from, year_to)
    # Run in-process by the command; should that process die, the sweeper hands the job to a worker.
    return jobs.start(job, enqueue=None)


def _check_years(year_from: int, year_to: int) -> None:
    if year_from > year_to:
        raise ValidationError({"year_to": _(ERR_YEARS)})
    if year_to - year_from + 1 > MAX_YEARS:
        raise ValidationError({"year_to": _(ERR_RANGE_TOO_LONG)})


@transaction.atomic
def _job_create(job: ExportJob) -> ExportJob:
    _check_years(job.year_from, job.year_to)
    return jobs.start(job, enqueue=_enqueue)


def _enqueue(job_id: int) -> None:
    from .tasks import export_annual_summary

    export_annual_summary.delay(job_id)


def export_sweep_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Enqueue again the jobs whose message was lost (queued too long) or whose worker died."""
    return jobs.sweep_stale(ExportJob, enqueue=_enqueue, queued_for=STALE_QUEUED, now=now)


def export_delete(*, job: ExportJob) -> None:
    name = job.file.name
    with transaction.atomic():
        job.delete()
        if name:
            transaction.on_commit(lambda: default_storage.delete(name))


def _final_name(job: ExportJob) -> str:
    # One name per job: a second run replaces the first file instead of adding another.
    return f"reports/annual/annual-summary-{job.pk}.xlsx"


def export_run(*, job_id: int) -> ExportJob | None:
    """Build the job's workbook into a temporary file and rename it into place only when complete.

    Idempotent: a finished job is left alone; a re-run (retry, redelivery, sweeper) rebuilds the same
    cells into the same final name, so there is never more than one file and never a half one.
    """
    return jobs.run(ExportJob, job_id, build=_build, related=("county", "region", "requested_by"), logger=logger)


def _build(job: ExportJob) -> dict[str, str]:
    name = _final_name(job)
    with jobs.built_file(name) as path:
        with _snapshot(job.pk) as progress:
            wb = annual_summary_workbook(
                scope=ReportScope(user=job.requested_by, county_id=job.county_id, region_id=job.region_id),
                options=SummaryOptions.of(job),
                progress=_paced(progress),
            )
        save_workbook(wb, path)
    return {"file": name}


def _paced(progress: Callable[[int], Any]) -> Callable[[int], Any]:
    """Fault drills (`make faults`) slow each sheet down so a worker can be killed mid-run; 0 in use."""
    delay = settings.REPORTS_EXPORT_STEP_DELAY
    if not delay:
        return progress

    def step(pct: int) -> None:
        progress(pct)
        time.sleep(delay)

    return step


@contextmanager
def _snapshot(job_id: int) -> Iterator[Callable[[int], Any]]:
    """Yield the progress callback for a run, with every read of the sheets on the read replica when
    one is configured (`DATABASE_REPLICA_URL`), so a long export never loads the primary.

    On PostgreSQL outside any transaction, every sheet reads one REPEATABLE READ snapshot, so the
    sheets agree with each other while people keep entering records; progress then goes through a
    second connection to the primary so the status view sees it at once. Inside a transaction
    (tests), plain updates.
    """
    alias = REPLICA if replica_configured() else DEFAULT_DB_ALIAS
    reader = connections[alias]
    with reading_from_replica():
        if reader.vendor != "postgresql" or connection.in_atomic_block or reader.in_atomic_block:
            yield lambda pct: ExportJob.objects.filter(pk=job_id).update(progress=pct)
            return
        side = connections.create_connection(DEFAULT_DB_ALIAS)
        table = connection.ops.quote_name(ExportJob._meta.db_table)

        def progress(pct: int) -> None:
            with side.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET progress = %s WHERE id = %s", [pct, job_id])

        try:
            with transaction.atomic(using=alias):
                with reader.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield progress
        finally:
            side.close()


# The workbook -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryOptions:
    period: Period
    not_trained_years: int = 3
    many_times: int = 3
    county_name: str = ""  # the unit the workbook covers: a county, a city or province, or 全部县区
    stamp: dt.date | None = None  # 制表日期: the request's date, so a re-run gives the same cells

    @classmethod
    def of(cls, job: ExportJob) -> "SummaryOptions":
        return cls(
            period=Period(job.year_from, job.year_to),
            not_trained_years=job.not_trained_years,
            many_times=job.many_times,
            county_name=job.unit_name if (job.county_id or job.region_id) else _("全部县区"),
            stamp=timezone.localtime(job.created_at).date(),
        )


def annual_summary_workbook(
    *, scope: ReportScope, options: SummaryOptions, progress: Callable[[int], Any] = lambda pct: None
) -> Workbook:
    """The annual summary. For one county as its sheets always were; for several (a city, a province,
    or every county) the same sheets with a 县区 column or one block per county, each county's
    subtotals and the total, every figure counted by the database at the level it is shown."""
    wb = new_workbook(unit=options.county_name, stamp=options.stamp)
    steps = [
        (_sheet_summary, 10),
        (_sheet_report, 20),
        (_sheet_schools, 40),
        (_sheet_coverage, 60),
        (_sheet_credits, 75),
        (_sheet_outreach, 85),
        (_sheet_workshops, 95),
        (_sheet_participants, 98),
    ]
    for write, pct in steps:
        write(wb, scope, options)
        progress(pct)
    return wb


def _caption(options: SummaryOptions, what: str) -> str:
    p = options.period
    years = f"{p.year_from}年" if p.year_from == p.year_to else f"{p.year_from}—{p.year_to}年"
    return f"{options.county_name}{years}{what}"


def _footer(sheet: OfficialSheet, options: SummaryOptions) -> None:
    stamp = f"{options.stamp:%Y-%m-%d}" if options.stamp else ""
    sheet.note(_("制表单位：{county}　制表日期：{stamp}").format(county=options.county_name, stamp=stamp))


def _total_label(options: SummaryOptions) -> str:
    return _("{unit}合计").format(unit=options.county_name)


EMPTY_COUNTS = {"subprojects": 0, "person_times": 0, "persons": 0}


def _sheet_summary(wb: Workbook, scope: ReportScope, options: SummaryOptions) -> None:
    period = options.period
    rollup = scope.is_rollup
    lead = [10] if not rollup else [14, 8]
    sheet = OfficialSheet(
        wb, SHEET_SUMMARY, caption=_caption(options, "教师培训年度汇总表"), widths=[*lead, 10, 26, 10, 12, 12, 36]
    )
    first = ["年份"] if not rollup else ["县区", "年份"]
    sheet.header(
        [*first, "级别", "类别", "子项目数", "参训人次", "参训人数", "备注"],
        [None] * (len(first) + 2) + [INT, INT, INT],
    )

    def block(rows: list[dict[str, Any]], year_totals: dict[Any, dict[str, int]], key: Any, label: list[Any]) -> None:
        by_year: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            by_year.setdefault(r["year"], []).append(r)
        for year in period.years:
            for r in by_year.get(year, []):
                sheet.row(
                    [*label, year, r["level"], r["category"], r["subprojects"], r["person_times"], r["persons"], ""]
                )
            totals_key = (key, year) if key is not None else year
            t = year_totals.get(totals_key, EMPTY_COUNTS)
            note = "" if totals_key in year_totals else _("本年度无培训项目")
            sheet.row([*label, year, "", SUBTOTAL, t["subprojects"], t["person_times"], t["persons"], note], total=True)

    grand = selectors.summary_grand_total(scope=scope, period=period)
    if rollup:
        rows = selectors.summary_rows(scope=scope, period=period, by_owner=True)
        year_totals = selectors.summary_year_totals(scope=scope, period=period, by_owner=True)
        owner_totals = selectors.summary_owner_totals(scope=scope, period=period)
        for owner, name in selectors.owners(scope=scope, period=period):
            block([r for r in rows if r["owner"] == owner], year_totals, owner, [name])
            t = owner_totals.get(owner, EMPTY_COUNTS)
            sheet.row([name, TOTAL, "", "", t["subprojects"], t["person_times"], t["persons"], ""], total=True)
        label = [_total_label(options)]
    else:
        label = []
    block(
        selectors.summary_rows(scope=scope, period=period),
        selectors.summary_year_totals(scope=scope, period=period),
        None,
        label,
    )
    total_first = [TOTAL] if not rollup else [_total_label(options), TOTAL]
    sheet.row([*total_first, "", "", grand["subprojects"], grand["person_times"], grand["persons"], ""], total=True)
    sheet.note(_("参训人次：已确认或已完成的报名数（不含退出、被替换、未通过）。"))
    sheet.note(_("参训人数：去重后的教师人数；小计按全年去重，合计按全部年度去重，不是上方各行之和。"))
    if rollup:
        sheet.note(
            _(
                "各县区按本县区主办的项目统计，市、省主办的项目列为“本级”；合计中的参训人数在全部县区间去重，"
                "在不同县区参训的同一教师只计一人。"
            )
        )
    _footer(sheet, options)


def _sheet_report(wb: Workbook, scope: ReportScope, options: SummaryOptions) -> None:
    """上报汇总: the table counties send up (亳州市's five-year 国培 table is one): one row per year and
    category, the year's total in one cell merged over its rows, 参训人数 as person-times."""
    period = options.period
    sheet = OfficialSheet(
        wb, SHEET_REPORT, caption=_caption(options, "教师培训情况汇总表"), widths=[10, 28, 10, 12, 12, 30]
    )
    sheet.header(["年份", "类别", "子项目数", "参训人数", "年度合计", "备注"], [None, None, INT, INT, INT])

    def block(rows: list[dict[str, Any]], year_totals: dict[Any, dict[str, int]], key: Any) -> None:
        by_year: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            by_year.setdefault(r["year"], []).append(r)
        for year in period.years:
            t = year_totals.get((key, year) if key is not None else year)
            first = sheet.row_count + 1
            if t is None:
                sheet.row([year, "—", 0, 0, 0, _("本年度无培训项目")])
                continue
            for r in by_year.get(year, []):
                sheet.row([year, r["category"], r["subprojects"], r["person_times"], t["person_times"], ""])
            # the year and its total stand once beside the year's rows, as in the published tables
            sheet.merge_down(1, first, sheet.row_count)
            sheet.merge_down(5, first, sheet.row_count)

    def total_row(t: dict[str, int]) -> None:
        sheet.row([TOTAL, "", t["subprojects"], t["person_times"], t["person_times"], ""], total=True)

    if scope.is_rollup:
        rows = selectors.report_rows(scope=scope, period=period, by_owner=True)
        year_totals = selectors.summary_year_totals(scope=scope, period=period, by_owner=True)
        owner_totals = selectors.summary_owner_totals(scope=scope, period=period)
        for owner, name in selectors.owners(scope=scope, period=period):
            sheet.section(name)
            block([r for r in rows if r["owner"] == owner], year_totals, owner)
            total_row(owner_totals.get(owner, EMPTY_COUNTS))
        sheet.section(_total_label(options))
    block(
        selectors.report_rows(scope=scope, period=period),
        selectors.summary_year_totals(scope=scope, period=period),
        None,
    )
    total_row(selectors.summary_grand_total(scope=scope, period=period))
    sheet.note(
        _("参训人数按人次统计（同一教师参加几个子项目计几人次），与上报表的口径一致；去重后的参训人数见“年度汇总”表。")
    )
    sheet.note(_("子项目数与参训人数按类别统计，各级别合并；年度合计为当年各类别参训人数之和。"))
    _footer(sheet, options)


def _sheet_participants(wb: Workbook, scope: ReportScope, options: SummaryOptions) -> None:
    """Parents and rehabilitation staff trained on programs: counted apart, never in the teachers' figures."""
    period = options.period
    sheet = OfficialSheet(
        wb, SHEET_PARTICIPANTS, caption=_caption(options, "非教师学员参训统计"), widths=[10, 26, 12, 12, 40]
    )
    sheet.header(["年份", "类别", "参训人次", "参训人数", "备注"], [None, None, INT, INT])
    enrolments = scope.filter(ParticipantEnrolment.objects.all(), county="participant__county")
    per_year, total = participant_figures(enrolments=enrolments, year_from=period.year_from, year_to=period.year_to)
    label = _("家长、康复人员等")
    for year in period.years:
        f = per_year.get(year)
        sheet.row([year, label, f.person_times if f else 0, f.persons if f else 0, ""])
    sheet.row([TOTAL, label, total.person_times, total.persons, ""], total=True)
    sheet.note(_("非教师学员不是教师库中的教师，单独计数，不计入其他各表的参训人次和参训人数。"))
    _footer(sheet, options)


def _participation_row(label: list[Any], r: dict[str, Any]) -> list[Any]:
    return [
        *label,
        r["teachers"],
        r["trained"],
        r["person_times"],
        rate(r["trained"], r["teachers"]),
        r["hours"],
        per_teacher(r["hours"], r["teachers"]),
    ]


EMPTY_PARTICIPATION = {"teachers": 0, "trained": 0, "person_times": 0, "hours": selectors.ZERO}


def _sheet_schools(wb: Workbook, scope: ReportScope, options: SummaryOptions) -> None:
    period = options.period
    rollup = scope.is_rollup
    lead = [14] if rollup else []
    sheet = OfficialSheet(
        wb,
        SHEET_SCHOOLS,
        caption=_caption(options, "学校参训情况"),
        widths=[*lead, 16, 14, 26, 8, 10, 12, 12, 10, 12, 12],
    )
    sheet.header(
        [
            *(["县区"] if rollup else []),
            "乡镇",
            "学校代码",
            "学校",
            "城乡",
            "教师数",
            "参训教师数",
            "参训人次",
            "参训率",
            "到训学时",
            "人均学时",
        ],
        [None] * (len(lead) + 4) + [INT, INT, INT, PCT, DEC, DEC],
        is_list=True,
    )
    empty = EMPTY_PARTICIPATION
    by_school = selectors.participation(scope=scope, period=period, by="school")
    areas = dict(School.Area.choices)
    for school in selectors.schools(scope=scope):
        r = by_school.get(school.pk, empty)
        township = school.township.name if school.township_id else NO_TOWNSHIP
        county = [school.county.name] if rollup else []
        sheet.row(_participation_row([*county, township, school.code, school.name, str(areas[school.area])], r))
    sheet.end_list()
    by_township = selectors.participation(scope=scope, period=period, by="township")
    townships = {t.pk: t for t in selectors.townships(scope=scope)}

    def township_order(k: Any) -> tuple:
        t = townships.get(k)
        return (k is None, t.parent.name if t else "", t.name if t else "")

    for key in sorted(by_township, key=township_order):
        t = townships.get(key)
        county = [t.parent.name if t else ""] if rollup else []
        label = t.name if t else NO_TOWNSHIP
        sheet.row(_participation_row([*county, label, "", _("乡镇小计"), ""], by_township[key]), total=True)
    if rollup:
        by_county = selectors.participation(scope=scope, period=period, by="county")
        for county in selectors.counties(scope=scope):
            row = by_county.get(county.pk, empty)
            sheet.row(_participation_row([county.name, "", "", _("县区小计"), ""], row), total=True)
    by_area = selectors.participation(scope=scope, period=period, by="area")
    for value, area_label in School.Area.choices:
        sheet.row(
            _participation_row(
                [*([""] if rollup else []), "", "", _("{area}小计").format(area=area_label), str(area_label)],
                by_area.get(value, empty),
            ),
            total=True,
        )
    total = selectors.participation(scope=scope, period=period, by="total")
    first = [_total_label(options), ""] if rollup else [TOTAL]
    sheet.row(_participation_row([*first, "", "", ""], next(iter(total.values()), empty)), total=True)
    sheet.note(_("教师数按教师当前所在学校统计；参训按报名时所在学校统计。参训率 = 参训教师数 ÷ 教师数。"))
    sheet.note(_("到训学时：出勤（含迟到、早退）的培训活动学时之和；人均学时 = 到训学时 ÷ 教师数。"))
    if rollup:
        sheet.note(_("县区小计与合计中的参训教师数各自去重，不是上方各行之和。"))
    _footer(sheet, options)


def _coverage_labels(options: SummaryOptions) -> tuple[str, str]:
    period, n, m = options.period, options.not_trained_years, options.many_times
    recent_from = period.year_to - n + 1
    label_not = _("近{n}年（{a}—{b}）未参训").format(n=n, a=recent_from, b=period.year_to)
    label_many = _("{a}—{b}年参训超过{m}次").format(a=period.year_from, b=period.year_to, m=m)
    return label_not, label_many


def _sheet_coverage(wb: Workbook, scope: ReportScope, options: SummaryOptions) -> None:
    """The coverage figures here; the two teacher lists behind them on sheets of their own."""
    period, n, m = options.period, options.not_trained_years, options.many_times
    label_not, label_many = _coverage_labels(options)
    rollup = scope.is_rollup
    sheet = OfficialSheet(
        wb, SHEET_COVERAGE, caption=_caption(options, "培训覆盖情况"), widths=[18, 12, 14, 12, 14, 12]
    )
    sheet.header(
        ["县区" if rollup else "范围", "教师总数", label_not, "占教师比例", label_many, "占教师比例"],
        [None, INT, INT, PCT, INT, PCT],
    )

    def line(label: str, c: dict[str, int], total: bool = False) -> None:
        sheet.row(
            [
                label,
                c["total"],
                c["not_trained"],
                rate(c["not_trained"], c["total"]),
                c["many"],
                rate(c["many"], c["total"]),
            ],
            total=total,
        )

    counts = selectors.coverage_counts(scope=scope, period=period, not_trained_years=n, many_times=m, by_county=rollup)
    if rollup:
        empty = {"total": 0, "not_trained": 0, "many": 0}
        for county in selectors.counties(scope=scope):
            line(county.name, counts.get(county.pk, empty))
    line(_total_label(options) if rollup else options.county_name, counts[None], True)
    sheet.note(
        _("名单见“{a}”和“{b}”两张表。参训指已确认或已完成的报名。").format(a=SHEET_NOT_TRAINED, b=SHEET_MANY_TIMES)
    )
    _footer(sheet, options)

    teachers = selectors.coverage_teachers(scope=scope, period=period, not_trained_years=n, many_times=m)
    stages = dict(Teacher.Stage.choices)

    def teacher_cells(t: dict[str, Any]) -> list[Any]:
        stage = str(stages.get(t["stage"], "")) if t["stage"] else ""
        township = t["school__township__name"] or NO_TOWNSHIP
        county = [t["school__county__name"]] if rollup else []
        return [*county, township, t["school__name"], t["name"], mask_id_number(t["id_number"]), stage, t["subject"]]

    lead = ["县区"] if rollup else []
    widths = [*([14] if rollup else []), 16, 26, 12, 22, 10, 12, 16]
    _long_list(
        wb,
        SHEET_NOT_TRAINED,
        caption=_caption(options, _("{label}教师名单").format(label=label_not)),
        widths=widths,
        headers=[*lead, "乡镇", "学校", "姓名", "身份证号", "学段", "学科", "最近参训年度"],
        rows=(
            [*teacher_cells(t), t["last_year"] or _("无记录")]
            for t in teachers.filter(recent=0).iterator(chunk_size=2000)
        ),
        options=options,
    )
    many = teachers.filter(times__gt=m).order_by("-times", "school__county__name", "school__code", "name", "pk")
    _long_list(
        wb,
        SHEET_MANY_TIMES,
        caption=_caption(options, _("{label}教师名单").format(label=label_many)),
        widths=widths,
        headers=[*lead, "乡镇", "学校", "姓名", "身份证号", "学段", "学科", "参训次数"],
        formats=[None] * (len(lead) + 6) + [INT],
        rows=([*teacher_cells(t), t["times"]] for t in many.iterator(chunk_size=2000)),
        options=options,
    )


# Excel holds 1,048,576 rows a sheet: a longer list (a province's teachers short of hours over five
# years) goes on in sheets named 续1, 续2 …, each with its header and footer, rather than failing.
LIST_ROWS_PER_SHEET = 1_000_000


def _long_list(
    wb: Workbook,
    title: str,
    *,
    caption: str,
    widths: list[int],
    headers: list[str],
    rows: Iterable[list[Any]],
    options: SummaryOptions,
    formats: list[str | None] | None = None,
) -> None:
    """Write a list sheet (autofilter, repeated header), continued on further sheets when it is long."""

    def start(part: int) -> OfficialSheet:
        suffix = _("（续{n}）").format(n=part) if part else ""
        sheet = OfficialSheet(wb, f"{title}{suffix}", caption=f"{caption}{suffix}", widths=widths)
        sheet.header(headers, formats, is_list=True)
        return sheet

    part, written = 0, 0
    sheet = start(part)
    for values in rows:
        if written == LIST_ROWS_PER_SHEET:
            _footer(sheet, options)
            part, written = part + 1, 0
            sheet = start(part)
        sheet.row(values)
        written += 1
    _footer(sheet, options)


def _credit_row(lead: list[Any], r: dict[str, Any]) -> list[Any]:
    return [
        *lead,
        r["tallied"],
        r["met_count"],
        r["tallied"] - r["met_count"],
        rate(r["met_count"], r["tallied"]),
        r["shortfall"],
    ]


def _sheet_credits(wb: Workbook, scope: ReportScope, options: SummaryOptions) -> None:
    """Compliance per school and year here (per county and per year too in a roll-up); the teachers
    short of hours on a sheet of their own. A year without tallies says so."""
    period = options.period
    rollup = scope.is_rollup
    county_col = [14] if rollup else []
    sheet = OfficialSheet(
        wb,
        SHEET_CREDITS,
        caption=_caption(options, "学分（学时）达标情况"),
        widths=[8, *county_col, 14, 26, 12, 10, 10, 10, 14],
    )
    lead_headers = ["年度", *(["县区"] if rollup else []), "学校代码", "学校"]
    sheet.header(
        [*lead_headers, "统计人数", "达标人数", "未达标人数", "达标率", "差额学时合计"],
        [None] * len(lead_headers) + [INT, INT, INT, PCT, DEC],
        is_list=True,
    )
    years_with_tallies = set()
    for r in selectors.credit_by_school(scope=scope, period=period):
        years_with_tallies.add(r["year"])
        county = [r["county__name"]] if rollup else []
        sheet.row(_credit_row([r["year"], *county, r["school__code"], r["school__name"]], r))
    sheet.end_list()
    if rollup:
        for r in selectors.credit_by_county(scope=scope, period=period):
            sheet.row(_credit_row([r["year"], r["county__name"], "", _("县区小计")], r), total=True)
        for r in selectors.credit_by_year(scope=scope, period=period):
            sheet.row(_credit_row([r["year"], _total_label(options), "", TOTAL], r), total=True)
    blanks = [None] * (len(lead_headers) - 2)
    for year in period.years:
        if year not in years_with_tallies:
            sheet.row([year, *blanks, _("本年度无学时统计"), 0, 0, 0, None, 0])
    sheet.note(
        _("来源：学时统计（每位教师每年一条）与县区年度学时要求。未达标教师名单见“{s}”表。").format(s=SHEET_SHORT)
    )
    _footer(sheet, options)

    _long_list(
        wb,
        SHEET_SHORT,
        caption=_caption(options, "未达标教师名单"),
        widths=[8, *county_col, 26, 12, 22, 10, 10, 10],
        headers=["年度", *(["县区"] if rollup else []), "学校", "姓名", "身份证号", "总学时", "要求学时", "差额学时"],
        formats=[None] * (len(county_col) + 4) + [DEC, DEC, DEC],
        rows=(
            [
                t["year"],
                *([t["county__name"]] if rollup else []),
                t["school__name"],
                t["teacher__name"],
                mask_id_number(t["teacher__id_number"]),
                t["ledger_hours"],
                t["required"],
                t["shortfall_hours"],
            ]
            for t in selectors.credit_shortfalls(scope=scope, period=period).iterator(chunk_size=2000)
        ),
        options=options,
    )


def _outreach_cells(f: Any) -> list[Any]:
    return [f.visits, f.days, f.person_times, f.persons]


def _sheet_outreach(wb: Workbook, scope: ReportScope, options: SummaryOptions) -> None:
    kinds = [str(label) for _value, label in VisitActivity.Kind.choices]
    county = scope.is_rollup  # a roll-up names each cycle's county
    lead = 5 if county else 4  # the label columns before the figures
    sheet = OfficialSheet(
        wb,
        SHEET_OUTREACH,
        caption=_caption(options, "送教下乡统计"),
        widths=[8, *([12] if county else []), 10, 10, 26, 8, 8, 10, 10, 10, 12, 12, 12, 12, 12]
        + [8] * len(kinds)
        + [12, 12],
    )
    sheet.header(
        ["年度", *(["县区"] if county else []), "学科", "学段", "子项目", "班次", "天数", "参训人次", "参训人数",
         "学员人数", "承办学校数", "返岗任务数", "任务提交数", "合格提交数", "任务合格率", *kinds, "生成性资源数",
         "已通过资源数"],
        [None] * lead + [INT, INT, INT, INT, INT, INT, INT, INT, INT, PCT] + [INT] * len(kinds) + [INT, INT],
    )  # fmt: skip
    cycles = selectors.outreach_cycles(scope=scope, period=options.period)
    rows = list(cycles)
    figures = selectors.outreach_figures(cycles=cycles)

    def tail(f: Any) -> list[Any]:
        return [*(n for _label, n in f.activity_rows), f.resource_total, f.approved_resources]

    def labels(year: Any, county_name: str, text: str, *, subject: str = "", stage: str = "") -> list[Any]:
        return [year, *([county_name] if county else []), subject, stage, text]

    for year in options.period.years:
        of_year = [c for c in rows if c.year == year]
        if not of_year:
            continue
        for c in of_year:
            f = figures.for_cycle(c.pk)
            sheet.row(
                [*labels(c.year, c.county.name, c.subproject.name, subject=c.subject, stage=c.stage),
                 *_outreach_cells(f), c.trainees, c.host_schools, c.tasks, c.submissions, c.done,
                 rate(c.done, c.tasks * c.trainees), *tail(f)]
            )  # fmt: skip
        f = figures.for_year(year)
        sheet.row(
            [*labels(year, "", _("{n}个周期小计").format(n=len(of_year))), *_outreach_cells(f), *[""] * 6, *tail(f)],
            total=True,
        )
    sums = selectors.additive_totals(rows, ["tasks", "submissions", "done"])
    distinct = selectors.outreach_distinct_totals(cycles=cycles)
    expected = sum(c.tasks * c.trainees for c in rows)
    sheet.row(
        [*labels(TOTAL, "", _("{n}个周期").format(n=len(rows))), *_outreach_cells(figures.total),
         distinct["trainees"], distinct["host_schools"], sums["tasks"], sums["submissions"], sums["done"],
         rate(sums["done"], expected), *tail(figures.total)],
        total=True,
    )  # fmt: skip
    sheet.note(_("班次：送教次数（一次送教可有多天）；天数：送教日数；参训人次：每次送教中至少出勤一天的学员数之和。"))
    sheet.note(_("参训人数：至少出勤一次的学员，按教师去重（小计按年度、合计按全部年度去重）；学员人数：报名学员。"))
    sheet.note(_("任务合格率 = 合格提交数 ÷（返岗任务数 × 学员人数）。"))
    _footer(sheet, options)


def _sheet_workshops(wb: Workbook, scope: ReportScope, options: SummaryOptions) -> None:
    rollup = scope.is_rollup
    sheet = OfficialSheet(
        wb,
        SHEET_WORKSHOPS,
        caption=_caption(options, "教师工作坊研修统计"),
        widths=[8, *([14] if rollup else []), 26, 20, 10, 12, 12, 12, 12, 12],
    )
    lead = ["年度", *(["县区/主办"] if rollup else [])]
    sheet.header(
        [
            *lead,
            "工作坊",
            "承办机构",
            "成员人数",
            "线下活动次数",
            "线下到训人次",
            "在线学时合计",
            "人均在线学时",
            "完成任务数",
        ],
        [None] * (len(lead) + 2) + [INT, INT, DEC, DEC, INT],
    )
    workshops = selectors.workshops(scope=scope, period=options.period)
    rows = list(workshops)
    years = {w.program.year for w in rows}
    for w in rows:
        owner = [w.program.owner.name] if rollup else []
        sheet.row(
            [
                w.program.year,
                *owner,
                w.name,
                w.institution,
                w.members,
                w.offline,
                w.attended,
                w.online_hours,
                per_teacher(w.online_hours, w.members),
                w.tasks_done,
            ]
        )
    blanks = [None] * (len(lead) - 1)
    for year in options.period.years:
        if year not in years:
            sheet.row([year, *blanks, _("本年度无工作坊"), None, 0, 0, 0, 0, None, 0])
    sums = selectors.additive_totals(rows, ["offline", "attended", "online_hours", "tasks_done"])
    members = selectors.workshop_distinct_members(workshops=workshops)
    sheet.row(
        [
            TOTAL,
            *blanks,
            _("{n}个工作坊").format(n=len(rows)),
            "",
            members,
            sums["offline"],
            sums["attended"],
            sums["online_hours"],
            per_teacher(sums["online_hours"], members),
            sums["tasks_done"],
        ],
        total=True,
    )
    sheet.note(_("成员人数：已确认或已完成的报名；合计按教师去重。在线学时来自研修平台导入。"))
    _footer(sheet, options)
