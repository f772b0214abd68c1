"""Report tables as print-ready workbooks: one sheet per table, numbers formatted by kind."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from core.excel import DECIMAL_FORMAT, INTEGER_FORMAT, PERCENT_FORMAT, OfficialSheet, new_workbook

FORMATS = {"int": INTEGER_FORMAT, "decimal": DECIMAL_FORMAT, "rate": PERCENT_FORMAT, "text": None}


def _width(header: str, kind: str) -> int:
    return max(10, min(28, len(str(header)) * 2 + 4)) if kind == "text" else max(10, len(str(header)) * 2 + 2)


def add_table(
    wb: Workbook,
    *,
    sheet: str,
    caption: str,
    headers: Sequence[Any],
    kinds: Sequence[str],
    rows: Sequence[Sequence[Any]],
    notes: Sequence[Any] = (),
) -> None:
    widths = [_width(h, k) for h, k in zip(headers, kinds, strict=True)]
    out = OfficialSheet(wb, sheet, caption=caption, widths=widths)
    out.header([str(h) for h in headers], [FORMATS.get(k) for k in kinds], is_list=True)
    for row in rows:
        out.row([_plain(v) for v in row])
    out.end_list()
    if not rows:
        out.row(["本表暂无数据"])
    for note in notes:
        if note:
            out.note(str(note))


def _plain(value: Any) -> Any:
    """Numbers stay numbers (the sheet formats them); anything else, lazy translations too, is text."""
    return value if value is None or isinstance(value, int | float | str | Decimal) else str(value)


def table_workbook(*, sheet: str, caption: str, headers: Any, kinds: Any, rows: Any, notes: Any = ()) -> Workbook:
    wb = new_workbook()
    add_table(wb, sheet=sheet, caption=caption, headers=headers, kinds=kinds, rows=rows, notes=notes)
    return wb


def tables_workbook(tables: Sequence[dict[str, Any]]) -> Workbook:
    wb = new_workbook()
    for table in tables:
        add_table(wb, **table)
    return wb
