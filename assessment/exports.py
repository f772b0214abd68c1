"""Excel exports of the assessment app; every cell goes through core.excel's formula-safe writer."""

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import Workbook

from core.excel import new_workbook, write_sheet

from .models import AssessmentScheme, Unit


def excellent_workbook(*, scheme: AssessmentScheme, results: Any, full_ids: bool) -> Workbook:
    wb = new_workbook()
    sub = scheme.subproject
    rows = (
        [
            index,
            r.enrolment.teacher.name,
            r.enrolment.teacher.id_number if full_ids else r.enrolment.teacher.masked_id_number,
            r.enrolment.school.name,
            r.final_score,
        ]
        for index, r in enumerate(results, start=1)
    )
    write_sheet(
        wb,
        "优秀学员",
        ["序号", "姓名", "身份证号", "学校", "总评成绩"],
        rows,
        caption=f"{sub.program.year} {sub.program.name} {sub.name} 优秀学员名单",
        widths=[8, 12, 22, 24, 12],
    )
    return wb


def transcript_workbook(*, teacher: Any, years: Any, full_ids: bool) -> Workbook:
    """The transcript: each year's enrolments with the hours the ledger credits them, the year's other
    ledger rows (校本, claims, corrections…), and the year's total, which is the sum of those rows."""
    wb = new_workbook()
    rows = []
    for year, data in years.items():
        for e in data["enrolments"]:
            result = e.published_result
            rows.append(
                [
                    year,
                    e.subproject.program.name,
                    e.subproject.name,
                    e.get_status_display(),
                    f"{e.attendance_rate}%" if e.attendance_rate is not None else "",
                    result.final_score if result else "",
                    result.get_grade_display() if result else "",
                    e.subproject.get_credit_category_display(),
                    e.earned_hours or 0,
                ]
            )
        for entry in data["entries"]:
            rows.append(
                [year, entry.get_source_kind_display(), entry.title, "", "", "", "", entry.category.name, entry.hours]
            )
        tally = data["tally"]
        met = ("达标" if tally.met else "未达标") if tally is not None else ""
        rows.append([year, "年度合计", "", met, "", "", "", "", data["hours"]])
    ident = teacher.id_number if full_ids else teacher.masked_id_number
    write_sheet(
        wb,
        "培训档案",
        ["年度", "项目名称", "子项目名称", "状态", "出勤率", "成绩", "等第", "学分类别", "学时"],
        rows,
        caption=f"{teacher.name}（{ident}）培训档案",
        widths=[8, 28, 24, 10, 10, 8, 8, 12, 8],
    )
    return wb


def tally_workbook(*, sheets: list[Any], full_ids: bool) -> Workbook:
    """One sheet per county: a row per teacher with 身份证号, 姓名, 学校, one column per category, 合计,
    要求, 达标 and 差额, in the unit of the requirement that applied (学时 or 学分)."""
    wb = new_workbook()
    for sheet in sheets:
        names = [c.name for c in sheet.categories]
        headers = ["身份证号", "姓名", "学校", *names, "合计", "要求", "达标", "差额", "单位", "适用规则"]

        def rows(sheet: Any = sheet) -> Any:
            for t in sheet.tallies.iterator(chunk_size=2000):
                field = "credits" if t.unit == Unit.CREDITS else "hours"
                per = sheet.sums.get(t.teacher_id, {})
                values = [per.get(c.pk, {}).get(field, 0) for c in sheet.categories]
                yield [
                    t.teacher.id_number if full_ids else t.teacher.masked_id_number,
                    t.teacher.name,
                    t.school.name,
                    *values,
                    t.credits if t.unit == Unit.CREDITS else t.total_hours,
                    t.requirement_total if t.requirement_total is not None else "",
                    "是" if t.met else "否",
                    t.shortfall_hours,
                    t.get_unit_display(),
                    t.rule,
                ]

        write_sheet(
            wb,
            f"{sheet.county.name}{sheet.year}",
            headers,
            rows(),
            caption=f"{sheet.county.name} {sheet.year} 年度教师继续教育学时（学分）统计",
            widths=[22, 10, 24, *[10] * len(names), 10, 8, 6, 8, 6, 28],
        )
    return wb


# The national teacher system's codes (全国教师管理信息系统 国内培训).
NATIONAL_LEVEL_CODES = {"national": 10, "provincial": 20, "municipal": 30, "county": 40, "school": 60}
NATIONAL_OTHER = 99
LONG_RELEASE_DAYS = 30  # 长期脱产: full-time training of more than a month
NATIONAL_HEADERS = [
    "身份证件号",
    "姓名",
    "培训年度",
    "培训类别",
    "培训项目名称",
    "培训机构名称",
    "培训方式",
    "培训获得学时",
    "培训获得学分",
]


def national_mode(subproject: Any) -> int:
    """培训方式: 1 长期脱产 (face-to-face over a month), 2 短期面授, 3 网络研修, 4 面授+网络, 9 其他."""
    modality = subproject.modality
    if modality == "online":
        return 3
    if modality == "blended":
        return 4
    if modality in ("centralized", "shadowing"):
        days = (
            (subproject.end_date - subproject.start_date).days + 1
            if subproject.start_date and subproject.end_date
            else 0
        )
        return 1 if days > LONG_RELEASE_DAYS else 2
    if modality in ("outreach", "school_based"):
        return 2
    return 9


def national_hours(value: Any) -> int:
    """The national system takes whole 学时: rounded half up."""
    return int(Decimal(value or 0).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def national_training_workbook(*, enrolments: Any, year: int) -> Workbook:
    """The 国内培训 table: one row per teacher per completed training (full ID numbers: an administrator's
    export for upload), hours as integers."""
    wb = new_workbook()

    def rows() -> Any:
        for e in enrolments.iterator(chunk_size=2000):
            program = e.subproject.program
            yield [
                e.teacher.id_number,
                e.teacher.name,
                program.year,
                NATIONAL_LEVEL_CODES.get(program.level, NATIONAL_OTHER),
                f"{program.name} {e.subproject.name}".strip(),
                e.subproject.institution,
                national_mode(e.subproject),
                national_hours(e.ledger_hours),
                Decimal(e.ledger_credits or 0).quantize(Decimal("0.01")),
            ]

    write_sheet(wb, "国内培训", NATIONAL_HEADERS, rows(), widths=[22, 10, 10, 10, 36, 24, 10, 14, 14])
    return wb


# Characters Excel refuses in a sheet's name.
_SHEET_UNSAFE = re.compile(r"[\\/*?:\[\]]")


def cycle_review_workbook(*, review: Any, results: Any, full_ids: bool) -> Workbook:
    """周期核定 result: one sheet per school (达标, 结转, 宽限补修)."""
    wb = new_workbook()
    unit = review.get_unit_display()
    headers = ["身份证号", "姓名", f"周期累计（{unit}）", f"要求（{unit}）", "达标", f"结转（{unit}）", "宽限补修至"]
    by_school: dict[Any, list[Any]] = {}
    for r in results:
        by_school.setdefault(r.school, []).append(r)
    if not by_school:  # nobody in scope: still a workbook that says so
        write_sheet(wb, "核定结果", headers, [], caption=f"{review.start_year}–{review.end_year} 周期继续教育核定结果（无记录）")
    for school, rows in by_school.items():
        write_sheet(
            wb,
            _SHEET_UNSAFE.sub("_", school.name) or str(school.pk),
            headers,
            (
                [
                    r.teacher.id_number if full_ids else r.teacher.masked_id_number,
                    r.teacher.name,
                    r.earned,
                    review.total,
                    "是" if r.met else "否",
                    r.carried,
                    review.grace_until.isoformat() if r.grace and review.grace_until else "",
                ]
                for r in rows
            ),
            caption=f"{school.name} {review.start_year}–{review.end_year} 周期继续教育核定结果",
            widths=[22, 10, 14, 12, 6, 12, 14],
        )
    return wb
