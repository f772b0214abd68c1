import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from core.importing import ERR_MISSING_COLUMN, ERR_REQUIRED, run_import
from programs.importers import (
    ERR_CATEGORY_UNKNOWN,
    ERR_COUNTY_OUT_OF_SCOPE,
    ERR_DATES_ORDER,
    ERR_PROGRAM_CONFLICT,
    ProgramImporter,
)
from programs.models import Category, Program, SubProject
from tests.factories import CategoryFactory
from tests.xlsx import make_xlsx

HEADER = [
    "年度",
    "级别",
    "类别",
    "项目名称",
    "子项目名称",
    "子项目类型",
    "承办机构",
    "形式",
    "开始日期",
    "结束日期",
    "学时",
    "学分类别",
    "名额",
    "县区",
]


def row(sub="送教下乡数学班", *, program="2026年国培计划", category="示范性项目", county="甲县", **over):
    values = {
        "年度": 2026,
        "级别": "国家级",
        "类别": category,
        "项目名称": program,
        "子项目名称": sub,
        "子项目类型": "送教下乡",
        "承办机构": "某师范大学",
        "形式": "集中",
        "开始日期": "2026-09-01",
        "结束日期": dt.date(2026, 9, 3),
        "学时": 24,
        "学分类别": "集中培训",
        "名额": 50,
        "县区": county,
    }
    values.update(over)
    return [values[h] for h in HEADER]


def run(rows, **options):
    return run_import(ProgramImporter(**options), io.BytesIO(make_xlsx([HEADER, *rows])))


@pytest.fixture
def category(world):
    return CategoryFactory(name="示范性项目")


def test_a_good_file_creates_programs_and_sub_projects(world, category):
    result = run([row("送教下乡数学班"), row("工作坊", 子项目类型="教师工作坊研修", 形式="网络")])
    assert result.errors == []
    assert (result.created, result.updated) == (2, 0)
    program = Program.objects.get()
    assert (program.county, program.level, program.category) == (world.county_x, "national", category)
    sub = SubProject.objects.get(name="工作坊")
    assert (sub.kind, sub.modality, sub.quota, sub.start_date) == ("workshop", "online", 50, dt.date(2026, 9, 1))


def test_reimporting_updates_instead_of_duplicating(world, category):
    run([row(名额=50)])
    result = run([row(名额=80, 承办机构="另一所大学")])
    assert (result.created, result.updated) == (1 - 1, 1)
    sub = SubProject.objects.get()
    assert (sub.quota, sub.institution) == (80, "另一所大学")
    assert Program.objects.count() == 1


def test_programs_are_matched_by_year_name_and_county(world, category):
    run([row(county="甲县"), row(county="乙县")])
    assert sorted(Program.objects.values_list("county__name", flat=True)) == ["乙县", "甲县"]


def test_an_unknown_category_is_an_error_without_the_option(world):
    result = run([row(category="新类别")])
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "类别", ERR_CATEGORY_UNKNOWN.format(value="新类别"))
    ]
    assert not Program.objects.exists()


def test_create_categories_adds_the_unknown_category(world):
    result = run([row(category="新类别")], create_categories=True)
    assert result.ok
    assert Category.objects.get().name == "新类别"


@pytest.mark.parametrize(
    ("over", "column", "message"),
    [
        ({"年度": None}, "年度", ERR_REQUIRED),
        ({"年度": 1990}, "年度", None),
        ({"级别": "乡级"}, "级别", None),
        ({"形式": "空中"}, "形式", None),
        ({"开始日期": "九月"}, "开始日期", None),
        ({"开始日期": "2026-09-05"}, "结束日期", ERR_DATES_ORDER),
        ({"学时": -3}, "学时", None),
        ({"名额": "很多"}, "名额", None),
        ({"县区": "丙县"}, "县区", None),
        ({"子项目名称": ""}, "子项目名称", ERR_REQUIRED),
    ],
)
def test_each_kind_of_bad_row_is_reported_and_nothing_is_written(world, category, over, column, message):
    result = run([row("好的一行"), row("坏的一行", **over)])
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    if message:
        assert result.errors[0].message == message
    assert not Program.objects.exists()


def test_conflicting_program_fields_across_rows_are_reported(world, category):
    result = run([row("一班"), row("二班", 级别="省级")])
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "级别", ERR_PROGRAM_CONFLICT.format(field="级别", row=2))
    ]


def test_a_sub_project_twice_in_one_file_is_an_error(world, category):
    result = run([row("一班"), row("一班")])
    assert [(e.row, e.column) for e in result.errors] == [(3, "子项目名称")]


def test_a_missing_required_column_is_reported(world):
    result = run_import(ProgramImporter(), io.BytesIO(make_xlsx([["年度", "项目名称"], [2026, "x"]])))
    assert {(e.column, e.message) for e in result.errors} == {
        ("级别", ERR_MISSING_COLUMN),
        ("类别", ERR_MISSING_COLUMN),
        ("子项目名称", ERR_MISSING_COLUMN),
    }


def test_the_browser_import_is_limited_to_the_users_county(world, category):
    importer = ProgramImporter.for_user(world.staff_x)
    result = run_import(importer, io.BytesIO(make_xlsx([HEADER, row(county="乙县"), row("二班", county=None)])))
    assert [(e.row, e.column, e.message) for e in result.errors] == [(2, "县区", ERR_COUNTY_OUT_OF_SCOPE)]


def test_a_blank_county_means_the_users_county_in_the_browser(world, category):
    importer = ProgramImporter.for_user(world.staff_x)
    result = run_import(importer, io.BytesIO(make_xlsx([HEADER, row(county=None)])))
    assert result.ok
    assert Program.objects.get().county == world.county_x


def test_the_command_imports_and_exits_zero(world, category, tmp_path, capsys):
    path = tmp_path / "programs.xlsx"
    make_xlsx([HEADER, row(category="新类别")], path=path)
    call_command("import_programs", str(path), "--create-categories")
    assert "导入完成" in capsys.readouterr().out
    assert SubProject.objects.count() == 1


def test_the_command_exits_non_zero_with_one_line_per_problem(world, tmp_path, capsys):
    path = tmp_path / "programs.xlsx"
    make_xlsx([HEADER, row(category="新类别"), row("二班", 级别="乡级", category="新类别")], path=path)
    with pytest.raises(CommandError):
        call_command("import_programs", str(path))
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split("：")[0] for line in lines] == ["第 2 行 [类别]", "第 3 行 [级别]"]
    assert not Program.objects.exists()
