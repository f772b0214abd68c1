"""The session attendance sheet as xlsx, written through core.excel (formula-injection safe)."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.excel import new_workbook, write_sheet
from programs.models import Session
from trainees.idcard import mask_id_number

from .models import AttendanceRecord, Status
from .selectors import GridRow

HEADERS = ("学校", "姓名", "身份证号", "出勤状态", "备注", "来源", "登记人", "登记时间")


def session_sheet_workbook(*, session: Session, rows: list[GridRow], full_ids: bool) -> Any:
    wb = new_workbook()
    caption = _("{date} {subproject} {title} 考勤表").format(
        date=f"{session.date:%Y-%m-%d}", subproject=session.subproject.name, title=session.title
    )
    statuses = {value: str(label) for value, label in Status.choices}
    sources = {value: str(label) for value, label in AttendanceRecord.Source.choices}
    unrecorded = _("未登记")

    def lines():
        for row in rows:
            yield [
                row.school_name,
                row.name,
                row.id_number if full_ids else mask_id_number(row.id_number),
                statuses.get(row.status, unrecorded),
                row.note,
                sources.get(row.source, ""),
                row.updated_by,
                timezone.localtime(row.updated_at).strftime("%Y-%m-%d %H:%M") if row.updated_at else "",
            ]

    write_sheet(
        wb, _("考勤表"), [_(h) for h in HEADERS], lines(), caption=caption, widths=[20, 10, 22, 10, 24, 10, 12, 18]
    )
    return wb
