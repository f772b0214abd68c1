"""Every sheet of every export is print-ready: A4, fit to width, landscape where wide, the header
repeated on each page, 制表单位 and date in the footer, an autofilter on lists."""

import datetime as dt
import io

from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.excel import OfficialSheet, new_workbook, workbook_bytes, write_sheet


def _reload(wb):
    return load_workbook(io.BytesIO(workbook_bytes(wb)))


def test_a_list_sheet_prints_on_a4_with_its_header_repeated_and_an_autofilter():
    wb = new_workbook(unit="甲县&教育局", stamp=dt.date(2026, 11, 23))
    write_sheet(wb, "名单", ["姓名", "学校"], [["张三", "一小"], ["李四", "二小"]], caption="名单", notes=["说明"])
    ws = _reload(wb)["名单"]
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "portrait"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$2:$2"
    assert ws.auto_filter.ref == "A2:B4"  # the list, not the note under it
    assert ws.oddFooter.left.text == "制表单位：甲县&&教育局"  # a lone & would start a footer code
    assert ws.oddFooter.right.text == "制表日期：2026-11-23"
    assert ws["A5"].value == "说明"


def test_a_wide_official_table_prints_landscape_and_filters_only_its_list():
    wb = new_workbook(unit="甲县")
    sheet = OfficialSheet(wb, "汇总", caption="汇总表", widths=[12] * 9)
    sheet.header(["列"] * 9)
    sheet.row([1] * 9)
    sheet.header(["名单"] * 9, is_list=True)
    sheet.row([2] * 9)
    sheet.row([3] * 9)
    sheet.end_list()
    sheet.row([4] * 9, total=True)
    sheet.note("注")
    ws = _reload(wb)["汇总"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$2:$2"  # the first header
    assert ws.auto_filter.ref == "A4:I6"


def test_a_hand_laid_workbook_gets_the_a4_defaults():
    wb = Workbook()
    wb.active.append(["a", "b"])
    ws = _reload(wb).active
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToWidth == 1


def test_an_export_names_the_users_unit_in_its_footer(world, client_for):
    response = client_for(world.staff_x).get(reverse("teacher_list"), {"format": "xlsx"})
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert ws.oddFooter.left.text == "制表单位：甲县"
    assert ws.auto_filter.ref.startswith("A1:M")
    response = client_for(world.city_staff).get(reverse("teacher_list"), {"format": "xlsx"})
    assert load_workbook(io.BytesIO(response.content)).worksheets[0].oddFooter.left.text == "制表单位：测试市"
