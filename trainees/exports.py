"""Excel exports of the registry. Cells go through core.excel, which neutralises formulas."""

from typing import Any

from django.db.models import QuerySet

from core.excel import new_workbook, write_sheet
from core.scoping import can_see_full_id_numbers

from .idcard import mask_id_number
from .models import Teacher

TEACHER_HEADERS = [
    "姓名",
    "身份证号",
    "性别",
    "手机号",
    "学校",
    "学段",
    "学科",
    "职称",
    "岗位",
    "乡村教师",
    "特岗教师",
    "入职年份",
    "学历",
]


def teachers_workbook(*, teachers: QuerySet[Teacher], user: Any) -> Any:
    full = can_see_full_id_numbers(user)

    def rows():
        for t in teachers.iterator(chunk_size=2000):
            yield [
                t.name,
                t.id_number if full else mask_id_number(t.id_number),
                t.get_gender_display(),
                t.phone,
                t.school.name,
                t.get_stage_display(),
                t.subject,
                t.title,
                t.get_post_display(),
                "是" if t.is_rural else "否",
                "是" if t.is_special_post else "否",
                t.entry_year,
                t.education,
            ]

    wb = new_workbook()
    write_sheet(wb, "教师名单", TEACHER_HEADERS, rows(), widths=[10, 22, 6, 14, 24, 8, 8, 12, 10, 8, 8, 8, 8])
    return wb
