"""Files around an import: the template people fill, the error workbook they fix, and the parsed
rows kept between a preview and its confirmation (so the upload is read once)."""

import datetime as dt
import gzip
import io
import json
from collections import defaultdict
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .excel import BODY_FONT, BORDER, HEADER_FILL, HEADER_FONT, safe_cell
from .importing import Column, Importer, RowError, Table
from .spreadsheet import cell_text

TEXT_FORMAT = "@"
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_FONT = Font(name=BODY_FONT.name, color="9C0006")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
TEMPLATE_ROWS = 1000  # rows the dropdowns and text formats cover below the header


# -- the template ---------------------------------------------------------------------------------


def template_workbook(importer_cls: type[Importer], example_rows: list[list[Any]] | None = None) -> Workbook:
    """A header row (required columns marked *), an example row, dropdowns for enumerated columns,
    text format on ID, phone and code columns, and a 填写说明 sheet describing every column."""
    columns = _template_columns(importer_cls)
    wb = Workbook()
    ws = wb.active
    ws.title = str(importer_cls.title or "导入模板")[:31]
    examples = example_rows or [list(row) for row in importer_cls.examples] or [[c.example for c in columns]]
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index, value=column.header + ("*" if column.required else ""))
        cell.font = HEADER_FONT
        cell.border = BORDER
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[letter].width = max(12, 2 * len(column.header) + 4)
        if column.text:
            ws.column_dimensions[letter].width = 22
            for row in range(2, TEMPLATE_ROWS + 2):
                ws.cell(row=row, column=index).number_format = TEXT_FORMAT
        allowed = column.allowed_values()
        if allowed:
            formula = '"' + ",".join(allowed) + '"'
            if len(formula) <= 255:  # Excel's limit for a list typed into the rule
                rule = DataValidation(type="list", formula1=formula, allow_blank=not column.required)
                rule.error = "请从下拉列表中选择"
                rule.errorTitle = column.header
                rule.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
                ws.add_data_validation(rule)
    for row_index, example in enumerate(examples, start=2):
        for index, value in enumerate(example, start=1):
            if value is None:
                continue
            cell = ws.cell(
                row=row_index, column=index, value=safe_cell(str(value) if columns[index - 1].text else value)
            )
            cell.font = BODY_FONT
    ws.freeze_panes = "A2"
    _instructions(wb, importer_cls, columns)
    return wb


def _template_columns(importer_cls: type[Importer]) -> tuple[Column, ...]:
    columns = getattr(importer_cls, "template_columns", None)
    return tuple(columns) if columns else tuple(importer_cls.columns)


def _instructions(wb: Workbook, importer_cls: type[Importer], columns: tuple[Column, ...]) -> None:
    ws = wb.create_sheet("填写说明")
    ws.append(["列名", "是否必填", "可填写的值", "说明"])
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = BORDER
    for column in columns:
        allowed = "、".join(column.allowed_values())
        notes = [column.help] if column.help else []
        limit = getattr(column.model_field, "max_length", None) if column.field is not None else None
        if limit and not allowed:
            notes.append(f"最多 {limit} 个字符")
        if column.aliases:
            notes.append("也可用列名：" + "、".join(column.aliases))
        if column.text:
            notes.append("请保持为文本格式，不要让表格软件转成数字")
        ws.append([column.header, "必填" if column.required else "选填", allowed, "；".join(notes)])
    ws.append([])
    for line in (
        "第一行是表头：列的顺序不限，带 * 的列必须有；多余的列会被忽略。",
        "第二行是示例，导入前请删除或改成真实数据。",
        "文件可以是 .xlsx、.xls 或 .ods；含公式的单元格请先“选择性粘贴为数值”。",
        "只要有一行有问题，整个文件都不会导入；预览页可下载标出问题的错误工作簿，改好后重新上传。",
    ):
        ws.append([line])
    for letter, width in zip("ABCD", (18, 10, 40, 60), strict=True):
        ws.column_dimensions[letter].width = width


# -- the error workbook ---------------------------------------------------------------------------


def error_workbook(
    *, header: list[Any], header_row: int, rows: list[tuple[int, list[Any]]], errors: list[RowError]
) -> Workbook:
    """The uploaded rows with an 错误 column; every cell with a problem is highlighted."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误")
    by_row: dict[int, list[RowError]] = defaultdict(list)
    for error in errors:
        by_row[error.row].append(error)
    columns = {str(h).strip().rstrip("*"): i for i, h in enumerate(header) if h not in (None, "")}
    width = max([len(header), *(len(r) for _n, r in rows)]) if rows else len(header)
    for index in range(width + 1):
        ws.column_dimensions[get_column_letter(index + 1)].width = 18
    ws.column_dimensions[get_column_letter(width + 1)].width = 60
    ws.freeze_panes = "A2"
    cells = [_cell(ws, cell_text(h), HEADER_FONT, HEADER_FILL) for h in header]
    cells += [_cell(ws, "", HEADER_FONT, HEADER_FILL)] * (width - len(header))
    ws.append([*cells, _cell(ws, "错误", HEADER_FONT, ERROR_FILL)])
    general = by_row.get(0, []) + by_row.get(header_row, [])
    if general:
        ws.append([*([_cell(ws, "", BODY_FONT)] * width), _cell(ws, _messages(general), ERROR_FONT, ERROR_FILL)])
    for number, raw in rows:
        problems = by_row.get(number, [])
        bad = {columns.get(e.column) for e in problems}
        line = []
        for index in range(width):
            value = raw[index] if index < len(raw) else ""
            marked = index in bad
            line.append(
                _cell(ws, cell_text(value), ERROR_FONT if marked else BODY_FONT, ERROR_FILL if marked else None)
            )
        line.append(_cell(ws, _messages(problems), ERROR_FONT, ERROR_FILL if problems else None))
        ws.append(line)
    return wb


def _messages(errors: list[RowError]) -> str:
    return "；".join(f"{e.column}：{e.message}" if e.column else e.message for e in errors)


def _cell(ws: Any, value: Any, font: Font, fill: PatternFill | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=safe_cell(value))
    cell.font = font
    cell.border = BORDER
    cell.number_format = TEXT_FORMAT
    if fill is not None:
        cell.fill = fill
    return cell


# -- the parsed rows, stored between preview and confirm ------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, dt.time):
        return {"t": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"td": value.total_seconds()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return dt.datetime.fromisoformat(value["dt"])
        if "d" in value:
            return dt.date.fromisoformat(value["d"])
        if "t" in value:
            return dt.time.fromisoformat(value["t"])
        if "td" in value:
            return dt.timedelta(seconds=value["td"])
    return value


def table_dump(table: Table) -> bytes:
    """The table as gzipped JSON lines: one header line, then one line per row."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=3) as out:
        head = {"sheet": table.sheet, "sheets": table.sheets, "first_row": table.first_row}
        out.write(json.dumps(head, ensure_ascii=False).encode() + b"\n")
        simple = (str, int, float, bool)
        for row in table.rows:
            if all(v.__class__ in simple for v in row):
                out.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
            else:
                out.write(json.dumps([_encode(v) for v in row], ensure_ascii=False).encode() + b"\n")
    return buffer.getvalue()


def table_load(data: bytes) -> Table:
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as src:
        lines = src.read().split(b"\n")
    head = json.loads(lines[0])
    rows = []
    for line in lines[1:]:
        if not line:
            continue
        row = json.loads(line)
        if b"{" in line:
            row = [_decode(v) for v in row]
        rows.append(row)
    return Table(sheet=head["sheet"], sheets=head["sheets"], first_row=head["first_row"], rows=rows)


def header_and_rows(table: Table, importer: Importer) -> tuple[list[Any], int, list[tuple[int, list[Any]]]]:
    """The header row the import found and every non-blank row below it, with row numbers."""
    from .importing import _is_blank, _map_headers

    header: list[Any] = []
    header_row = 0
    rows: list[tuple[int, list[Any]]] = []
    for offset, raw in enumerate(table.rows):
        number = table.first_row + offset
        if all(_is_blank(v) for v in raw):
            continue
        if not header:
            mapping, _missing = _map_headers(importer, raw)
            if mapping:
                header, header_row = list(raw), number
            continue
        rows.append((number, list(raw)))
    return header, header_row, rows
