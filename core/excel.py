"""Writing xlsx: one helper neutralises formula injection for every export of the project."""

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

# A spreadsheet treats a cell starting with these as a formula (or a DDE payload).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT_NAME = "宋体"

_thin = Side(style="thin", color="999999")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
HEADER_FONT = Font(name=FONT_NAME, bold=True)
BODY_FONT = Font(name=FONT_NAME)
TITLE_FONT = Font(name=FONT_NAME, bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def safe_cell(value: Any) -> Any:
    """Return a value that no spreadsheet will evaluate: text starting like a formula gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    caption: str | None = None,
    widths: Sequence[int] | None = None,
) -> None:
    """Append a styled sheet to a write-only workbook: optional merged caption, bold header, borders."""
    ws = wb.create_sheet(title=title[:31])
    for index, width in enumerate(widths or [16] * len(headers), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    header_row = 1
    if caption:
        ws.merged_cells.add(f"A1:{get_column_letter(len(headers))}1")
        cell = WriteOnlyCell(ws, value=safe_cell(caption))
        cell.font = TITLE_FONT
        cell.alignment = Alignment(horizontal="center")
        ws.append([cell])
        header_row = 2
    ws.freeze_panes = f"A{header_row + 1}"
    ws.append([_styled(ws, h, HEADER_FONT, fill=HEADER_FILL) for h in headers])
    for row in rows:
        ws.append([_styled(ws, safe_cell(v), BODY_FONT) for v in row])


def _styled(ws: Any, value: Any, font: Font, fill: PatternFill | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = font
    cell.border = BORDER
    if fill is not None:
        cell.fill = fill
    return cell


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(wb: Workbook, filename: str) -> HttpResponse:
    response = HttpResponse(workbook_bytes(wb), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(filename)
    return response


def _attachment(filename: str) -> str:
    return f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}"


# Number formats of the official tables (counts with thousands separators, rates as percentages).
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0"
PERCENT_FORMAT = "0.0%"
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")


class OfficialSheet:
    """A write-only sheet laid out like an official table: merged title, bold headers, borders,
    a Chinese font, per-column number formats, frozen panes under row `freeze_below`.

    Several tables may follow each other on one sheet (`section` + `header`); every value goes
    through `safe_cell`. A write-only sheet writes its panes and widths with the first row, so both
    are fixed here, before anything is appended.
    """

    def __init__(self, wb: Workbook, title: str, *, caption: str, widths: Sequence[int], freeze_below: int = 2) -> None:
        self.ws = wb.create_sheet(title=title[:31])
        self.columns = len(widths)
        self.formats: Sequence[str | None] = [None] * self.columns
        self.row_count = 0
        self._styles: dict[tuple[bool, str | None], StyleArray] = {}
        self.ws.freeze_panes = f"A{freeze_below + 1}"
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        cell = WriteOnlyCell(self.ws, value=safe_cell(caption))
        cell.font = TITLE_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center")
        self._merged_row([cell])

    def _merged_row(self, cells: list[WriteOnlyCell]) -> None:
        self.row_count += 1
        self.ws.merged_cells.add(f"A{self.row_count}:{get_column_letter(self.columns)}{self.row_count}")
        self.ws.append(cells)

    def note(self, text: str) -> None:
        """A merged line of explanation (which count is 人次, which is 人数)."""
        cell = WriteOnlyCell(self.ws, value=safe_cell(text))
        cell.font = BODY_FONT
        cell.alignment = Alignment(wrap_text=False)
        self._merged_row([cell])

    def section(self, text: str) -> None:
        cell = WriteOnlyCell(self.ws, value=safe_cell(text))
        cell.font = HEADER_FONT
        self._merged_row([cell])

    def header(self, headers: Sequence[str], formats: Sequence[str | None] | None = None) -> None:
        self.formats = list(formats or [None] * len(headers))
        self.row_count += 1
        cells = [_styled(self.ws, safe_cell(h), HEADER_FONT, fill=HEADER_FILL) for h in headers]
        for cell in cells:
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.ws.append(cells)

    def row(self, values: Sequence[Any], *, total: bool = False) -> None:
        self.row_count += 1
        cells = []
        for index, value in enumerate(values):
            number_format = self.formats[index] if index < len(self.formats) else None
            if not isinstance(value, int | float | Decimal):
                number_format = None
            cells.append(
                Cell(self.ws, row=1, column=1, value=safe_cell(value), style_array=self._style(total, number_format))
            )
        self.ws.append(cells)

    def _style(self, total: bool, number_format: str | None) -> StyleArray:
        """The style of a body cell, registered once per kind: assigning font, border and fill objects
        to every cell costs more than the rest of a 100,000-row export together."""
        key = (total, number_format)
        if key not in self._styles:
            cell = _styled(self.ws, None, HEADER_FONT if total else BODY_FONT, fill=TOTAL_FILL if total else None)
            if number_format:
                cell.number_format = number_format
            self._styles[key] = cell._style
        return self._styles[key]

    def blank(self) -> None:
        self.row_count += 1
        self.ws.append([])
