"""Writing xlsx: one helper neutralises formula injection for every export of the project, and
makes every sheet print-ready (A4, fit to width, landscape where wide, header rows repeated on each
page, 制表单位 and 制表日期 in the footer, an autofilter on lists).

The unit named in the footer is the workbook's (`new_workbook(unit=...)`), else the one the request
is made for (`ExportUnitMiddleware` sets it from the logged-in user), else left blank.
"""

import datetime as dt
import functools
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

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


# Print setup ---------------------------------------------------------------------------------------

# The unit (制表单位) of the request being served, asked for only when a workbook is made (most
# requests make none, and naming the unit may take a query): set by ExportUnitMiddleware.
export_unit: ContextVar[Callable[[], str]] = ContextVar("export_unit", default=lambda: "")
# Wider than this (in character widths) or with more columns, a sheet prints landscape.
PORTRAIT_MAX_WIDTH = 95
PORTRAIT_MAX_COLUMNS = 7


@contextmanager
def unit_of_export(unit: Callable[[], str]) -> Iterator[None]:
    token = export_unit.set(functools.cache(unit))
    try:
        yield
    finally:
        export_unit.reset(token)


def _footer_text(text: str) -> str:
    return text.replace("&", "&&")  # a lone & starts a header/footer code


def prepare_print(ws: Any, *, widths: Sequence[float], unit: str | None = None, stamp: dt.date | None = None) -> None:
    """A4, fit to one page wide (any number of pages tall), landscape where wide, the unit and date in
    the footer. Call before the first row of a write-only sheet: its sheet properties go out with it."""
    wide = len(widths) > PORTRAIT_MAX_COLUMNS or sum(widths) > PORTRAIT_MAX_WIDTH
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if wide else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    wb = ws.parent
    unit = unit if unit is not None else getattr(wb, "peixun_unit", None) or export_unit.get()()
    stamp = stamp or getattr(wb, "peixun_stamp", None) or timezone.localdate()
    ws.oddFooter.left.text = _footer_text(f"制表单位：{unit or '—'}")
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.right.text = f"制表日期：{stamp:%Y-%m-%d}"
    for part in (ws.oddFooter.left, ws.oddFooter.center, ws.oddFooter.right):
        part.size = 9


def _on_finish(wb: Workbook, step: Callable[[], None]) -> None:
    """Work that needs the sheet's last row (autofilter ranges): run by `finish` just before saving."""
    if not hasattr(wb, "peixun_finishers"):
        wb.peixun_finishers = []
    wb.peixun_finishers.append(step)


def finish(wb: Workbook) -> Workbook:
    """Complete every sheet's print setup; sheets not made here (a hand-laid form) get the A4 defaults."""
    for step in getattr(wb, "peixun_finishers", []):
        step()
    wb.peixun_finishers = []
    for ws in wb.worksheets:
        if not getattr(ws, "peixun_print_ready", False) and not getattr(wb, "write_only", False):
            widths = [d.width or 13 for d in ws.column_dimensions.values()] or [13] * ws.max_column
            if ws.page_setup.orientation is None:
                prepare_print(ws, widths=widths)
            ws.peixun_print_ready = True
    return wb


def save_workbook(wb: Workbook, path: Path | str) -> None:
    finish(wb).save(path)


def write_sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    caption: str | None = None,
    widths: Sequence[int] | None = None,
    notes: Sequence[str] = (),
) -> None:
    """Append a styled list sheet to a write-only workbook: optional merged caption, bold header,
    borders, an autofilter over the list, print-ready (header repeated on every page); `notes` are
    merged lines under the list (what a figure means)."""
    ws = wb.create_sheet(title=title[:31])
    widths = list(widths or [16] * len(headers))
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    prepare_print(ws, widths=widths)
    ws.peixun_print_ready = True
    header_row = 1
    last_column = get_column_letter(len(headers))
    if caption:
        ws.merged_cells.add(f"A1:{last_column}1")
        cell = WriteOnlyCell(ws, value=safe_cell(caption))
        cell.font = TITLE_FONT
        cell.alignment = Alignment(horizontal="center")
        ws.append([cell])
        header_row = 2
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.append([_styled(ws, h, HEADER_FONT, fill=HEADER_FILL) for h in headers])
    last_row = header_row
    for row in rows:
        ws.append([_styled(ws, safe_cell(v), BODY_FONT) for v in row])
        last_row += 1
    ws.auto_filter.ref = f"A{header_row}:{last_column}{last_row}"
    ws.print_options.gridLines = True
    for text in notes:
        last_row += 1
        ws.merged_cells.add(f"A{last_row}:{last_column}{last_row}")
        note = WriteOnlyCell(ws, value=safe_cell(text))
        note.font = BODY_FONT
        ws.append([note])


def _styled(ws: Any, value: Any, font: Font, fill: PatternFill | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = font
    cell.border = BORDER
    if fill is not None:
        cell.fill = fill
    return cell


def new_workbook(*, unit: str | None = None, stamp: dt.date | None = None) -> Workbook:
    """A write-only workbook; `unit` and `stamp` (制表单位, 制表日期) go in every sheet's footer."""
    wb = Workbook(write_only=True)
    wb.peixun_unit = unit
    wb.peixun_stamp = stamp
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    finish(wb).save(buffer)
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
        self._list_header: int | None = None
        self._list_last = 0
        self._list_header_done = False
        self.ws.freeze_panes = f"A{freeze_below + 1}"
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        prepare_print(self.ws, widths=widths)
        self.ws.peixun_print_ready = True
        _on_finish(wb, self._finish)
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

    def header(
        self, headers: Sequence[str], formats: Sequence[str | None] | None = None, *, is_list: bool = False
    ) -> None:
        """A table's header row. The first is repeated on every printed page; `is_list` puts an
        autofilter over the rows that follow it (a sheet holds at most one list)."""
        self.formats = list(formats or [None] * len(headers))
        self.row_count += 1
        if self.ws.print_title_rows is None:
            self.ws.print_title_rows = f"{self.row_count}:{self.row_count}"
        if is_list:
            self._list_header = self._list_last = self.row_count
            self.ws.print_options.gridLines = True
        cells = [_styled(self.ws, safe_cell(h), HEADER_FONT, fill=HEADER_FILL) for h in headers]
        for cell in cells:
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.ws.append(cells)

    def row(self, values: Sequence[Any], *, total: bool = False) -> None:
        self.row_count += 1
        in_list = self._list_header is not None and not self._list_header_done
        if in_list:
            self._list_last = self.row_count
        cells = []
        for index, value in enumerate(values):
            number_format = self.formats[index] if index < len(self.formats) else None
            if not isinstance(value, int | float | Decimal):
                number_format = None
            if in_list and number_format is None and not total:
                # A long list's plain cells go unstyled (it prints with grid lines): a styled cell
                # costs openpyxl several times a plain one, and a list may have 100,000 rows.
                cells.append(safe_cell(value))
                continue
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

    def end_list(self) -> None:
        """Rows after this (subtotals, totals) stay outside the list's autofilter."""
        self._list_header_done = True

    def merge_down(self, column: int, first_row: int, last_row: int) -> None:
        """One cell over several rows of a column (a year's total beside the year's rows)."""
        if last_row > first_row:
            letter = get_column_letter(column)
            self.ws.merged_cells.add(f"{letter}{first_row}:{letter}{last_row}")

    def blank(self) -> None:
        self.row_count += 1
        self.ws.append([])

    def _finish(self) -> None:
        if self._list_header is not None:
            self.ws.auto_filter.ref = f"A{self._list_header}:{get_column_letter(self.columns)}{self._list_last}"
