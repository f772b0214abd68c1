"""Build real xlsx files in tests."""

import io

from openpyxl import Workbook, load_workbook


def make_xlsx(rows: list[list[object]], *, path=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data


def read_xlsx(data: bytes) -> list[tuple]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(row) for row in wb.worksheets[0].iter_rows(values_only=True)]
