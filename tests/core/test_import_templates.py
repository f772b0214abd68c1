"""Each import's template: an example row, a 填写说明 sheet for every column, dropdowns for
enumerated columns and text format on ID, phone and code columns."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.import_files import template_workbook
from core.importing import REGISTRY, run_import
from trainees.importers import TeacherImporter


def _load(importer_cls):
    buffer = io.BytesIO()
    template_workbook(importer_cls).save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()))


def test_the_teacher_template_has_an_example_row_dropdowns_and_text_columns(db):
    wb = _load(TeacherImporter)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["姓名*", "身份证号*", "性别", "手机号", "学校*"]
    column = {name.rstrip("*"): index + 1 for index, name in enumerate(header)}
    example = {name.rstrip("*"): ws.cell(row=2, column=index + 1).value for index, name in enumerate(header)}
    assert (example["姓名"], example["学段"]) == ("张三", "小学")
    assert isinstance(example["身份证号"], str)
    for name in ("身份证号", "手机号", "学校"):
        letter = ws.cell(row=1, column=column[name]).column_letter
        assert ws[f"{letter}2"].number_format == "@" and ws[f"{letter}500"].number_format == "@"
    rules = {str(dv.sqref).split(":")[0][:-1]: dv.formula1 for dv in ws.data_validations.dataValidation}
    letter = {name: ws.cell(row=1, column=index).column_letter for name, index in column.items()}
    assert rules[letter["学段"]] == '"幼儿园,小学,初中,高中,中职,特教"'
    assert rules[letter["性别"]] == '"男,女"'
    assert rules[letter["乡村教师"]] == '"是,否"'
    assert rules[letter["特教专业方向"]] == '"盲,聋,培智,孤独症,其他"'
    assert letter["姓名"] not in rules
    notes = {row[0].value: row for row in wb["填写说明"].iter_rows(min_row=2) if row[0].value}
    assert notes["身份证号"][1].value == "必填" and "文本" in notes["身份证号"][3].value
    assert notes["学段"][2].value == "幼儿园、小学、初中、高中、中职、特教"
    assert notes["姓名"][3].value == "最多 64 个字符"
    assert {c.header for c in TeacherImporter.columns} <= set(notes)


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_template_lists_every_column_in_its_instructions(db, kind):
    wb = _load(REGISTRY[kind])
    header = [c.value.rstrip("*") for c in wb.worksheets[0][1]]
    listed = [row[0].value for row in wb["填写说明"].iter_rows(min_row=2, max_row=len(header) + 1)]
    assert listed == header


def test_the_filled_example_row_of_the_teacher_template_is_checked_like_any_row(world):
    buffer = io.BytesIO()
    template_workbook(TeacherImporter).save(buffer)
    result = run_import(TeacherImporter(), io.BytesIO(buffer.getvalue()), dry_run=True)
    # The example school code is not a real school of this database; every other cell is valid.
    assert [(e.column) for e in result.errors] == ["学校"]


def test_the_template_download_is_an_xlsx(world, client):
    client.force_login(world.staff_x)
    response = client.get(reverse("import_template", args=["teachers"]))
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["教师导入", "填写说明"]
