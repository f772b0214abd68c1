"""The city-level annual summary over two counties, from records imported the way counties load them.

County X (甲县) and county Z (丙县) lie in the same city (测试市). Teacher p is trained in X's
program at school A, then moves to Z and is trained in Z's program: two counties' person, one person
of the city. The city itself runs a 市级 program with places allotted to both counties.

X 县培甲: 数学 (a, b, p), 语文 (a)      → 2 sub-projects, 4 人次, 3 人数
Z 县培丙: 英语 (z, p)                  → 1, 2, 2
测试市本级 市培: 骨干 (a, z)             → 1, 2, 2
测试市合计                              → 4, 8, 4 (a, b, p, z; the blocks' 人数 add up to 7)
"""

import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from programs import services as programs
from programs.models import Program
from tests.factories import CategoryFactory, CountyFactory, SchoolFactory, TeacherFactory
from tests.xlsx import make_xlsx
from trainees import services as registry

PROGRAM_HEADERS = ["年度", "级别", "类别", "项目名称", "子项目名称", "学时", "名额", "县区"]
ENROLMENT_HEADERS = ["年度", "项目名称", "子项目名称", "身份证号", "姓名", "状态"]


@pytest.fixture
def city(world, tmp_path):
    county_z = CountyFactory(name="丙县", city=world.city_x.name, province=world.province.name)
    school_z = SchoolFactory(name="丙县一小", county=county_z)
    a, b = world.teacher_a, world.teacher_b
    z = TeacherFactory(name="孙八", school=school_z)
    p = TeacherFactory(name="周九", school=world.school_a)
    CategoryFactory(name="示范性项目", sort_order=10)

    def run(command, rows, name, *args):
        path = tmp_path / name
        make_xlsx(rows, path=path)
        call_command(command, str(path), *args, stdout=io.StringIO())

    run(
        "import_programs",
        [
            PROGRAM_HEADERS,
            [2025, "县级", "示范性项目", "县培甲", "数学", 24, 10, "甲县"],
            [2025, "县级", "示范性项目", "县培甲", "语文", 24, 10, "甲县"],
            [2025, "县级", "示范性项目", "县培丙", "英语", 24, 10, "丙县"],
        ],
        "programs.xlsx",
    )
    run(
        "import_enrolments",
        [ENROLMENT_HEADERS]
        + [[2025, "县培甲", "数学", t.id_number, t.name, "已完成"] for t in (a, b, p)]
        + [[2025, "县培甲", "语文", a.id_number, a.name, "已完成"]],
        "enrolments_x.xlsx",
    )
    registry.teacher_transfer(teacher=p, to_school=school_z, note="调入丙县", actor=world.admin_x)
    run(
        "import_enrolments",
        [ENROLMENT_HEADERS] + [[2025, "县培丙", "英语", t.id_number, t.name, "已完成"] for t in (z, p)],
        "enrolments_z.xlsx",
    )
    municipal = programs.program_create(
        region=world.city_x, year=2025, level="municipal", category=CategoryFactory(name="骨干培训"), name="市培"
    )
    sub = programs.subproject_create(program=municipal, name="骨干", quota=10)
    for county, teacher in ((world.county_x, a), (county_z, z)):
        programs.county_quota_set(subproject=sub, county=county, quota=2)
        staff = world.admin_x if county == world.county_x else None
        enrolment = programs.enrolment_nominate(subproject=sub, teacher=teacher, actor=staff or _staff(county))
        programs.enrolment_confirm(enrolment=enrolment, actor=staff or _staff(county))
    out = tmp_path / "city.xlsx"
    call_command(
        "annual_summary", "--from", "2025", "--to", "2025", "--city", world.city_x.name, "--out", str(out),
        stdout=io.StringIO(),
    )  # fmt: skip
    assert Program.objects.filter(county__isnull=False).count() == 2
    return load_workbook(out)


def _staff(county):
    from accounts.models import Role
    from tests.factories import UserFactory

    return UserFactory(role=Role.COUNTY_STAFF, county=county)


def _rows(ws):
    return [r for r in ws.iter_rows(min_row=3, values_only=True) if any(v is not None for v in r)]


def test_the_city_summary_has_one_block_per_county_and_the_citys_own_programs(city):
    totals = {r[0]: r[4:7] for r in _rows(city["年度汇总"]) if r[1] == "合计"}
    assert totals == {
        "甲县": (2, 4, 3),
        "丙县": (1, 2, 2),
        "测试市本级": (1, 2, 2),
        "测试市合计": (4, 8, 4),
    }


def test_the_blocks_add_up_to_the_city_total_and_a_person_trained_in_both_counties_is_one_person(city):
    totals = {r[0]: r[4:7] for r in _rows(city["年度汇总"]) if r[1] == "合计"}
    city_total = totals.pop("测试市合计")
    blocks = list(totals.values())
    assert sum(b[0] for b in blocks) == city_total[0]  # sub-projects
    assert sum(b[1] for b in blocks) == city_total[1]  # person-times
    # persons: p is counted by X and by Z, once by the city
    assert sum(b[2] for b in blocks) == city_total[2] + 3  # p twice, a and z in the city's program too
    assert city_total[2] == 4


def test_the_report_sheet_gives_each_county_and_the_city_a_block_that_adds_up(city):
    rows = list(city["上报汇总"].iter_rows(min_row=3, values_only=True))
    sections = [r[0] for r in rows if r[0] and all(v is None for v in r[1:]) and len(r[0]) < 10]
    # counties by name, then the city's own programs, then the city
    assert sections == ["丙县", "甲县", "测试市本级", "测试市合计"]
    block_totals = [r[2:4] for r in rows if r[0] == "合计"]
    *per_block, city_total = block_totals
    assert city_total == (4, 8)
    assert tuple(map(sum, zip(*per_block, strict=True))) == city_total


def test_the_school_sheet_counts_trained_teachers_distinctly_across_counties(city):
    county_rows = {r[0]: r[5:8] for r in _rows(city["学校参训"]) if r[3] == "县区小计"}
    # teachers now, teachers trained (distinct), person-times: p moved from X to Z
    assert county_rows == {"丙县": (2, 2, 3), "甲县": (2, 3, 5)}
    total = next(r for r in _rows(city["学校参训"]) if r[0] == "测试市合计")
    assert total[5:8] == (4, 4, 8)


def test_every_sheet_is_print_ready(city):
    for ws in city.worksheets:
        assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows, ws.title
        assert ws.oddFooter.left.text == "制表单位：测试市" and ws.oddFooter.right.text.startswith("制表日期："), (
            ws.title
        )
    assert city["学校参训"].page_setup.orientation == "landscape"
    assert city["学校参训"].auto_filter.ref  # the school list
