"""Build real spreadsheet files in tests: xlsx (openpyxl), xls (xlwt), ods (odfpy), encrypted xlsx."""

import datetime as dt
import io

from openpyxl import Workbook, load_workbook


def make_xlsx(rows: list[list[object]], *, path=None, sheets: dict[str, list[list[object]]] | None = None) -> bytes:
    """One sheet of `rows`; or several named `sheets` (the first one active)."""
    wb = Workbook()
    ws = wb.active
    if sheets:
        ws.title, first = next(iter(sheets.items()))
        for row in first:
            ws.append(row)
        for title, sheet_rows in list(sheets.items())[1:]:
            extra = wb.create_sheet(title)
            for row in sheet_rows:
                extra.append(row)
    else:
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data


def read_xlsx(data: bytes, sheet: int = 0) -> list[tuple]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(row) for row in wb.worksheets[sheet].iter_rows(values_only=True)]


def make_xls(rows: list[list[object]], *, sheets: dict[str, list[list[object]]] | None = None) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for title, sheet_rows in (sheets or {"Sheet1": rows}).items():
        sheet = book.add_sheet(title)
        for r, row in enumerate(sheet_rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write(r, c, value, date_style)
                elif isinstance(value, str) and value.startswith("="):
                    sheet.write(r, c, xlwt.Formula(value[1:]))
                else:
                    sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def make_ods(rows: list[list[object]], *, sheets: dict[str, list[list[object]]] | None = None) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for title, sheet_rows in (sheets or {"Sheet1": rows}).items():
        table = Table(name=title)
        for row in sheet_rows:
            tr = TableRow()
            for value in row:
                if value is None or value == "":
                    tr.addElement(TableCell())
                elif isinstance(value, bool):
                    cell = TableCell(valuetype="boolean", booleanvalue=str(value).lower())
                    cell.addElement(P(text="是" if value else "否"))
                    tr.addElement(cell)
                elif isinstance(value, int | float):
                    cell = TableCell(valuetype="float", value=value)
                    cell.addElement(P(text=str(value)))
                    tr.addElement(cell)
                elif isinstance(value, dt.date):
                    cell = TableCell(valuetype="date", datevalue=value.isoformat())
                    cell.addElement(P(text=value.isoformat()))
                    tr.addElement(cell)
                elif isinstance(value, str) and value.startswith("="):
                    cell = TableCell(valuetype="float", value=0, formula="of:" + value)
                    tr.addElement(cell)
                else:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=str(value)))
                    tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def encrypt_xlsx(data: bytes, password: str = "secret") -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()
