"""Writes of the reports app: export jobs, and the annual summary workbook they produce."""

import datetime as dt
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.excel import DECIMAL_FORMAT, INTEGER_FORMAT, PERCENT_FORMAT, OfficialSheet, new_workbook
from core.scoping import ALL, is_admin, scope_of
from outreach.models import VisitActivity
from specialed.models import ParticipantEnrolment
from specialed.selectors import participant_figures
from trainees.idcard import mask_id_number
from trainees.models import Region, School, Teacher

from . import selectors
from .models import ExportJob
from .selectors import Period, ReportScope, per_teacher, rate

logger = logging.getLogger(__name__)

ERR_NOT_ALLOWED = "只有管理员可以导出年度汇总"
ERR_COUNTY_REQUIRED = "请选择县区"
ERR_YEARS = "起始年度不能晚于截止年度"
ERR_RANGE_TOO_LONG = "年度范围最多 10 年"

MAX_YEARS = 10
# A queued job whose task has not started after this long lost its message (broker restart):
# the sweeper enqueues it again. A running one older than the hard time limit lost its worker.
STALE_QUEUED = dt.timedelta(seconds=settings.REPORTS_STALE_QUEUED_SECONDS)
STALE_RUNNING = dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 5 * 60)

SHEET_SUMMARY = "年度汇总"
SHEET_SCHOOLS = "学校参训"
SHEET_COVERAGE = "培训覆盖"
SHEET_CREDITS = "学分达标"
SHEET_OUTREACH = "送教下乡"
SHEET_WORKSHOPS = "工作坊"
SHEET_PARTICIPANTS = "非教师学员"
SUBTOTAL = "小计"
TOTAL = "合计"
NO_TOWNSHIP = "（未划分乡镇）"

INT, DEC, PCT = INTEGER_FORMAT, DECIMAL_FORMAT, PERCENT_FORMAT


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
    """Store the request, then enqueue its task once the row is committed (a lost message is swept)."""
    if not is_admin(user):
        raise ValidationError(_(ERR_NOT_ALLOWED))
    if scope_of(user).kind != ALL:
        county = user.county  # county administrators export their own county, whatever was posted
    job = ExportJob(
        requested_by=user,
        county=county,
        year_from=year_from,
        year_to=year_to,
        not_trained_years=not_trained_years,
        many_times=many_times,
    )
    return _job_create(job)


def export_request_for_command(
    *, county: Region | None, year_from: int, year_to: int, not_trained_years: int = 3, many_times: int = 3
) -> ExportJob:
    """The trusted command-line request: no user, limited to the county given (or all of them)."""
    job = ExportJob(
        county=county,
        year_from=year_from,
        year_to=year_to,
        not_trained_years=not_trained_years,
        many_times=many_times,
    )
    job.full_clean(exclude=["file"])
    _check_years(year_from, year_to)
    # Run in-process by the command; should that process die, the sweeper hands the job to a worker.
    job.enqueued_at = timezone.now()
    job.save()
    return job


def _check_years(year_from: int, year_to: int) -> None:
    if year_from > year_to:
        raise ValidationError({"year_to": _(ERR_YEARS)})
    if year_to - year_from + 1 > MAX_YEARS:
        raise ValidationError({"year_to": _(ERR_RANGE_TOO_LONG)})


@transaction.atomic
def _job_create(job: ExportJob) -> ExportJob:
    _check_years(job.year_from, job.year_to)
    job.full_clean(exclude=["file"])
    job.enqueued_at = timezone.now()
    job.save()
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import export_annual_summary

    export_annual_summary.delay(job_id)


def export_sweep_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Enqueue again the jobs whose message was lost (queued too long) or whose worker died."""
    now = now or timezone.now()
    stale = Q(status=ExportJob.Status.QUEUED, enqueued_at__lt=now - STALE_QUEUED) | Q(
        status=ExportJob.Status.RUNNING, started_at__lt=now - STALE_RUNNING
    )
    swept = []
    for job_id in ExportJob.objects.filter(stale).values_list("pk", flat=True):
        with transaction.atomic():
            # Checked again in the UPDATE: the job may have finished since it was listed.
            if ExportJob.objects.filter(stale, pk=job_id).update(
                status=ExportJob.Status.QUEUED, enqueued_at=now, progress=0, started_at=None
            ):
                transaction.on_commit(lambda job_id=job_id: _enqueue(job_id))
                swept.append(job_id)
    return swept


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
    job = ExportJob.objects.select_related("county", "requested_by").filter(pk=job_id).first()
    if job is None:
        return None  # deleted before its turn came
    if job.status == ExportJob.Status.DONE and job.file and default_storage.exists(job.file.name):
        return job
    started = timezone.now()
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportJob.Status.RUNNING, started_at=started, progress=0, error="", attempts=job.attempts + 1
    )
    name = _final_name(job)
    final_path = Path(default_storage.path(name))
    final_path.parent.mkdir(parents=True, exist_ok=True)
    temp_path = final_path.with_name(f".{final_path.name}.{uuid.uuid4().hex}.part")
    try:
        with _snapshot(job_id) as progress:
            wb = annual_summary_workbook(
                scope=ReportScope(user=job.requested_by, county_id=job.county_id),
                options=SummaryOptions.of(job),
                progress=_paced(progress),
            )
        wb.save(temp_path)
        os.replace(temp_path, final_path)
    except Exception as exc:
        temp_path.unlink(missing_ok=True)
        # A concurrent duplicate run (redelivery next to a sweep) may have finished the job already.
        ExportJob.objects.filter(pk=job_id).exclude(status=ExportJob.Status.DONE).update(
            status=ExportJob.Status.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        # Recorded on the row for the export page; not re-raised, so no broker retry loops on a bad job.
        logger.exception("annual summary export %s failed", job_id)
        job.refresh_from_db()
        return job
    if not ExportJob.objects.filter(pk=job_id).update(
        status=ExportJob.Status.DONE, progress=100, file=name, finished_at=timezone.now()
    ):
        final_path.unlink(missing_ok=True)  # deleted while it ran: leave no orphan file
        return None
    # Parts left by a worker killed in an earlier attempt are hidden files; clear them now.
    for leftover in final_path.parent.glob(f".{final_path.name}.*.part"):
        leftover.unlink(missing_ok=True)
    job.refresh_from_db()
    return job


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
    """Yield the progress callback for a run.

    On PostgreSQL outside any transaction, every sheet reads one REPEATABLE READ snapshot, so the
    sheets agree with each other while people keep entering records; progress then goes through a
    second connection so the status view sees it at once. Inside a transaction (tests), plain updates.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield lambda pct: ExportJob.objects.filter(pk=job_id).update(progress=pct)
        return
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = connection.ops.quote_name(ExportJob._meta.db_table)

    def progress(pct: int) -> None:
        with side.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET progress = %s WHERE id = %s", [pct, job_id])

    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
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
    county_name: str = ""
    stamp: dt.date | None = None  # 制表日期: the request's date, so a re-run gives the same cells

    @classmethod
    def of(cls, job: ExportJob) -> "SummaryOptions":
        return cls(
            period=Period(job.year_from, job.year_to),
            not_trained_years=job.not_trained_years,
            many_times=job.many_times,
            county_name=job.county.name if job.county_id else _("全部县区"),
            stamp=timezone.localtime(job.created_at).date(),
        )


def annual_summary_workbook(
    *, scope: ReportScope, options: SummaryOptions, progress: Callable[[int], Any] = lambda pct: None
) -> Workbook:
    wb = new_workbook()
    steps = [
        (_sheet_summary, 15),
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


def _sheet_summary(wb: Workbook, scope: ReportScope, options: SummaryOptions) -> None:
    period = options.period
    sheet = OfficialSheet(
        wb, SHEET_SUMMARY, caption=_caption(options, "教师培训年度汇总表"), widths=[10, 10, 26, 10, 12, 12, 36]
    )
    sheet.header(
        ["年份", "级别", "类别", "子项目数", "参训人次", "参训人数", "备注"], [None, None, None, INT, INT, INT]
    )
    rows = selectors.summary_rows(scope=scope, period=period)
    year_totals = selectors.summary_year_totals(scope=scope, period=period)
    grand = selectors.summary_grand_total(scope=scope, period=period)
    by_year: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        by_year.setdefault(r["year"], []).append(r)
    for year in period.years:
        for r in by_year.get(year, []):
            sheet.row([year, r["level"], r["category"], r["subprojects"], r["person_times"], r["persons"], ""])
        t = year_totals.get(year, {"subprojects": 0, "person_times": 0, "persons": 0})
        note = "" if year in year_totals else _("本年度无培训项目")
        sheet.row([year, "", SUBTOTAL, t["subprojects"], t["person_times"], t["persons"], note], total=True)
    sheet.row([TOTAL, "", "", grand["subprojects"], grand["person_times"], grand["persons"], ""], total=True)
    sheet.note(_("参训人次：已确认或已完成的报名数（不含退出、被替换、未通过）。"))
    sheet.note(_("参训人数：去重后的教师人数；小计按全年去重，合计按全部年度去重，不是上方各行之和。"))
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


def _sheet_schools(wb: Workbook, scope: ReportScope, options: SummaryOptions) -> None:
    period = options.period
    sheet = OfficialSheet(
        wb, SHEET_SCHOOLS, caption=_caption(options, "学校参训情况"), widths=[16, 14, 26, 8, 10, 12, 12, 10, 12, 12]
    )
    sheet.header(
        ["乡镇", "学校代码", "学校", "城乡", "教师数", "参训教师数", "参训人次", "参训率", "到训学时", "人均学时"],
        [None, None, None, None, INT, INT, INT, PCT, DEC, DEC],
    )
    empty = {"teachers": 0, "trained": 0, "person_times": 0, "hours": selectors.ZERO}
    by_school = selectors.participation(scope=scope, period=period, by="school")
    areas = dict(School.Area.choices)
    for school in selectors.schools(scope=scope):
        r = by_school.get(school.pk, empty)
        township = school.township.name if school.township_id else NO_TOWNSHIP
        sheet.row(_participation_row([township, school.code, school.name, str(areas[school.area])], r))
    by_township = selectors.participation(scope=scope, period=period, by="township")
    names = {t.pk: t.name for t in selectors.townships(scope=scope)}
    for key in sorted(by_township, key=lambda k: (k is None, names.get(k, ""))):
        label = names.get(key, NO_TOWNSHIP)
        sheet.row(_participation_row([label, "", _("乡镇小计"), ""], by_township[key]), total=True)
    by_area = selectors.participation(scope=scope, period=period, by="area")
    for value, area_label in School.Area.choices:
        sheet.row(
            _participation_row(
                ["", "", _("{area}小计").format(area=area_label), str(area_label)], by_area.get(value, empty)
            ),
            total=True,
        )
    total = selectors.participation(scope=scope, period=period, by="total")
    sheet.row(_participation_row([TOTAL, "", "", ""], next(iter(total.values()), empty)), total=True)
    sheet.note(_("教师数按教师当前所在学校统计；参训按报名时所在学校统计。参训率 = 参训教师数 ÷ 教师数。"))
    sheet.note(_("到训学时：出勤（含迟到、早退）的培训活动学时之和；人均学时 = 到训学时 ÷ 教师数。"))
    _footer(sheet, options)


def _sheet_coverage(wb: Workbook, scope: ReportScope, options: SummaryOptions) -> None:
    period, n, m = options.period, options.not_trained_years, options.many_times
    recent_from = period.year_to - n + 1
    sheet = OfficialSheet(
        wb, SHEET_COVERAGE, caption=_caption(options, "培训覆盖情况"), widths=[16, 26, 12, 22, 10, 12, 16]
    )
    sheet.header(["指标", "", "人数", "占教师比例", "", "", ""], [None, None, INT, PCT])
    teachers = selectors.coverage_teachers(scope=scope, period=period, not_trained_years=n, many_times=m)
    not_trained = teachers.filter(recent=0)
    many = teachers.filter(times__gt=m)
    counts = teachers.aggregate(
        total=Count("pk"), not_trained=Count("pk", filter=Q(recent=0)), many=Count("pk", filter=Q(times__gt=m))
    )
    total, n_not_trained, n_many = counts["total"], counts["not_trained"], counts["many"]
    sheet.row([_("教师总数"), "", total, None, "", "", ""])
    label_not = _("近{n}年（{a}—{b}）未参训").format(n=n, a=recent_from, b=period.year_to)
    label_many = _("{a}—{b}年参训超过{m}次").format(a=period.year_from, b=period.year_to, m=m)
    sheet.row([label_not, "", n_not_trained, rate(n_not_trained, total), "", "", ""])
    sheet.row([label_many, "", n_many, rate(n_many, total), "", "", ""])
    stages = dict(Teacher.Stage.choices)

    def teacher_cells(t: dict[str, Any]) -> list[Any]:
        stage = str(stages.get(t["stage"], "")) if t["stage"] else ""
        township = t["school__township__name"] or NO_TOWNSHIP
        return [township, t["school__name"], t["name"], mask_id_number(t["id_number"]), stage, t["subject"]]

    sheet.blank()
    sheet.section(_("{label}教师名单").format(label=label_not))
    sheet.header(["乡镇", "学校", "姓名", "身份证号", "学段", "学科", "最近参训年度"])
    for t in not_trained.iterator(chunk_size=2000):
        sheet.row([*teacher_cells(t), t["last_year"] or _("无记录")])
    sheet.blank()
    sheet.section(_("{label}教师名单").format(label=label_many))
    sheet.header(["乡镇", "学校", "姓名", "身份证号", "学段", "学科", "参训次数"], [None] * 6 + [INT])
    for t in many.order_by("-times", "school__code", "name", "pk").iterator(chunk_size=2000):
        sheet.row([*teacher_cells(t), t["times"]])
    _footer(sheet, options)


def _sheet_credits(wb: Workbook, scope: ReportScope, options: SummaryOptions) -> None:
    period = options.period
    sheet = OfficialSheet(
        wb, SHEET_CREDITS, caption=_caption(options, "学分（学时）达标情况"), widths=[8, 14, 26, 12, 10, 10, 10, 14]
    )
    sheet.header(
        ["年度", "学校代码", "学校", "统计人数", "达标人数", "未达标人数", "达标率", "差额学时合计"],
        [None, None, None, INT, INT, INT, PCT, DEC],
    )
    for r in selectors.credit_by_school(scope=scope, period=period):
        short = r["tallied"] - r["met_count"]
        sheet.row(
            [
                r["year"],
                r["school__code"],
                r["school__name"],
                r["tallied"],
                r["met_count"],
                short,
                rate(r["met_count"], r["tallied"]),
                r["shortfall"],
            ]
        )
    sheet.blank()
    sheet.section(_("未达标教师名单"))
    sheet.header(["年度", "学校", "姓名", "身份证号", "总学时", "要求学时", "差额学时"], [None] * 4 + [DEC, DEC, DEC])
    for t in selectors.credit_shortfalls(scope=scope, period=period).iterator(chunk_size=2000):
        sheet.row(
            [
                t["year"],
                t["school__name"],
                t["teacher__name"],
                mask_id_number(t["teacher__id_number"]),
                t["total_hours"],
                t["required"],
                t["shortfall_hours"],
            ]
        )
    sheet.note(_("来源：学时统计（每位教师每年一条）与县区年度学时要求。"))
    _footer(sheet, options)


def _outreach_cells(f: Any) -> list[Any]:
    return [f.visits, f.days, f.person_times, f.persons]


def _sheet_outreach(wb: Workbook, scope: ReportScope, options: SummaryOptions) -> None:
    kinds = [str(label) for _value, label in VisitActivity.Kind.choices]
    sheet = OfficialSheet(
        wb,
        SHEET_OUTREACH,
        caption=_caption(options, "送教下乡统计"),
        widths=[8, 10, 10, 26, 8, 8, 10, 10, 10, 12, 12, 12, 12, 12] + [8] * len(kinds) + [12, 12],
    )
    sheet.header(
        ["年度", "学科", "学段", "子项目", "班次", "天数", "参训人次", "参训人数", "学员人数", "承办学校数",
         "返岗任务数", "任务提交数", "合格提交数", "任务合格率", *kinds, "生成性资源数", "已通过资源数"],
        [None, None, None, None, INT, INT, INT, INT, INT, INT, INT, INT, INT, PCT] + [INT] * len(kinds) + [INT, INT],
    )  # fmt: skip
    cycles = selectors.outreach_cycles(scope=scope, period=options.period)
    rows = list(cycles)
    figures = selectors.outreach_figures(cycles=cycles)

    def tail(f: Any) -> list[Any]:
        return [*(n for _label, n in f.activity_rows), f.resource_total, f.approved_resources]

    for year in options.period.years:
        of_year = [c for c in rows if c.year == year]
        if not of_year:
            continue
        for c in of_year:
            f = figures.for_cycle(c.pk)
            sheet.row(
                [c.year, c.subject, c.stage, c.subproject.name, *_outreach_cells(f), c.trainees, c.host_schools,
                 c.tasks, c.submissions, c.done, rate(c.done, c.tasks * c.trainees), *tail(f)]
            )  # fmt: skip
        f = figures.for_year(year)
        sheet.row(
            [year, "", "", _("{n}个周期小计").format(n=len(of_year)), *_outreach_cells(f),
             *[""] * 6, *tail(f)],
            total=True,
        )  # fmt: skip
    sums = selectors.additive_totals(rows, ["tasks", "submissions", "done"])
    distinct = selectors.outreach_distinct_totals(cycles=cycles)
    expected = sum(c.tasks * c.trainees for c in rows)
    sheet.row(
        [TOTAL, "", "", _("{n}个周期").format(n=len(rows)), *_outreach_cells(figures.total), distinct["trainees"],
         distinct["host_schools"], sums["tasks"], sums["submissions"], sums["done"], rate(sums["done"], expected),
         *tail(figures.total)],
        total=True,
    )  # fmt: skip
    sheet.note(_("班次：送教次数（一次送教可有多天）；天数：送教日数；参训人次：每次送教中至少出勤一天的学员数之和。"))
    sheet.note(_("参训人数：至少出勤一次的学员，按教师去重（小计按年度、合计按全部年度去重）；学员人数：报名学员。"))
    sheet.note(_("任务合格率 = 合格提交数 ÷（返岗任务数 × 学员人数）。"))
    _footer(sheet, options)


def _sheet_workshops(wb: Workbook, scope: ReportScope, options: SummaryOptions) -> None:
    sheet = OfficialSheet(
        wb, SHEET_WORKSHOPS, caption=_caption(options, "教师工作坊研修统计"), widths=[8, 26, 20, 10, 12, 12, 12, 12, 12]
    )
    sheet.header(
        [
            "年度",
            "工作坊",
            "承办机构",
            "成员人数",
            "线下活动次数",
            "线下到训人次",
            "在线学时合计",
            "人均在线学时",
            "完成任务数",
        ],
        [None, None, None, INT, INT, INT, DEC, DEC, INT],
    )
    workshops = selectors.workshops(scope=scope, period=options.period)
    rows = list(workshops)
    for w in rows:
        sheet.row(
            [
                w.program.year,
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
    sums = selectors.additive_totals(rows, ["offline", "attended", "online_hours", "tasks_done"])
    members = selectors.workshop_distinct_members(workshops=workshops)
    sheet.row(
        [
            TOTAL,
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
