import pytest

from core.excel import new_workbook, safe_cell, workbook_bytes, write_sheet
from tests.xlsx import read_xlsx


@pytest.mark.parametrize("payload", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", "\nx"])
def test_formula_like_text_is_neutralised(payload):
    assert not safe_cell(payload).startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
    assert safe_cell(payload).endswith(payload)


def test_numbers_and_plain_text_pass_unchanged():
    assert safe_cell(-5) == -5
    assert safe_cell("张三") == "张三"


def test_written_sheets_carry_no_formula_cells():
    wb = new_workbook()
    write_sheet(wb, "名单", ["姓名"], [['=HYPERLINK("http://x")'], ["李四"]], caption="=标题")
    rows = read_xlsx(workbook_bytes(wb))
    texts = [cell for row in rows for cell in row if isinstance(cell, str)]
    assert all(not t.startswith("=") for t in texts)
    assert "李四" in texts
