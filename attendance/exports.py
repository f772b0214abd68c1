"""The session attendance sheet as xlsx, written through core.excel (formula-injection safe)."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.excel import new_workbook
from core.excel import write_sheet as core_write_sheet
from programs.models import Session

from .selectors import GridRow

HEADERS = ("学校", "姓名", "身份证号", "出勤状态", "备注", "来源", "登记人", "登记时间")


def session_sheet_workbook(*, session: Session, rows: list[GridRow], full_ids: bool) -> Any:
    wb = new_workbook()
    caption = _("{date} {subproject} {title} 考勤表").format(
        date=f"{session.date:%Y-%m-%d}", subproject=session.subproject.name, title=session.title
    )

    def lines():
        for row in rows:
            teacher, record = row.enrolment.teacher, row.record
            yield [
                row.enrolment.school.name,
                teacher.name,
                teacher.id_number if full_ids else teacher.masked_id_number,
                record.get_status_display() if record else _("未登记"),
                record.note if record else "",
                record.get_source_display() if record else "",
                str(record.updated_by or "") if record else "",
                timezone.localtime(record.updated_at).strftime("%Y-%m-%d %H:%M") if record else "",
            ]

    core_write_sheet(
        wb, _("考勤表"), [_(h) for h in HEADERS], lines(), caption=caption, widths=[20, 10, 22, 10, 24, 10, 12, 18]
    )
    return wb
