"""Excel exports of programs: the program list and a sub-project's printable sign-in sheet."""

from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from core.excel import BODY_FONT, BORDER, HEADER_FONT, TITLE_FONT, new_workbook, safe_cell, write_sheet

from .models import Enrolment, Program, Session, SubProject

PROGRAM_HEADERS = ["年度", "级别", "类别", "项目名称", "发文单位", "县区/主办", "状态", "子项目数", "参训人次"]
SIGNIN_FIXED = ["序号", "姓名", "性别", "学校", "学科", "手机号"]
SIGNIN_WIDTHS = [6, 10, 5, 22, 8, 13]
BLANK_SIGNIN_COLUMNS = 2  # a sub-project without sessions yet still prints two signature columns


def programs_workbook(*, programs: QuerySet[Program]) -> Any:
    def rows():
        for p in programs.iterator(chunk_size=2000):
            yield [
                p.year,
                p.get_level_display(),
                p.category.name,
                p.name,
                p.issuer,
                p.owner.name,
                p.get_status_display(),
                p.subproject_count,
                p.trainee_count,
            ]

    wb = new_workbook()
    write_sheet(wb, "培训项目", PROGRAM_HEADERS, rows(), widths=[8, 8, 16, 36, 20, 10, 8, 10, 10])
    return wb


def signin_workbook(*, subproject: SubProject, sessions: list[Session], enrolments: QuerySet[Enrolment]) -> Workbook:
    """签到表: one row per trainee, one signature column per session, landscape, fits the page width."""
    wb = Workbook()
    ws = wb.active
    ws.title = "签到表"
    session_headers = [f"{s.date:%m-%d} {s.start_time:%H:%M}" for s in sessions] or [
        "签到" for _ in range(BLANK_SIGNIN_COLUMNS)
    ]
    headers = [*SIGNIN_FIXED, *session_headers]
    last = get_column_letter(len(headers))
    program = subproject.program
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = safe_cell(f"{program.name} · {subproject.name} 签到表")
    ws["A1"].font = TITLE_FONT
    ws["A1"].alignment = Alignment(horizontal="center")
    dates = ""
    if subproject.start_date and subproject.end_date:
        dates = f"{subproject.start_date:%Y-%m-%d} 至 {subproject.end_date:%Y-%m-%d}"
    ws.merge_cells(f"A2:{last}2")
    ws["A2"] = safe_cell(
        f"承办机构：{subproject.institution or '—'}    日期：{dates or '—'}    学时：{subproject.hours}"
    )
    ws["A2"].font = BODY_FONT
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=3, column=col, value=header)
        cell.font = HEADER_FONT
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    row_number = 3
    for index, enrolment in enumerate(enrolments, start=1):
        row_number += 1
        teacher = enrolment.teacher
        values = [
            index,
            teacher.name,
            teacher.get_gender_display(),
            enrolment.school.name,
            teacher.subject,
            teacher.phone,
        ]
        for col, value in enumerate([*values, *[""] * len(session_headers)], start=1):
            cell = ws.cell(row=row_number, column=col, value=safe_cell(value))
            cell.font = BODY_FONT
            cell.border = BORDER
        ws.row_dimensions[row_number].height = 28  # room for a handwritten signature
    for col, width in enumerate([*SIGNIN_WIDTHS, *[12] * len(session_headers)], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.print_title_rows = "1:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.print_options.horizontalCentered = True
    return wb
