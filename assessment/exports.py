"""Excel exports of the assessment app; every cell goes through core.excel's formula-safe writer."""

from typing import Any

from openpyxl import Workbook

from core.excel import new_workbook, write_sheet

from .models import AssessmentScheme


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
