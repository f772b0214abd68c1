"""Every number of every sheet of the annual summary, against the records of tests/reports/conftest.py."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from core.excel import workbook_bytes
from reports import services
from reports.selectors import Period, ReportScope
from reports.services import SummaryOptions, annual_summary_workbook

from .conftest import INJECTION

SHEETS = [
    "年度汇总",
    "上报汇总",
    "学校参训",
    "培训覆盖",
    "未参训教师名单",
    "多次参训教师名单",
    "学分达标",
    "未达标教师名单",
    "送教下乡",
    "工作坊",
    "非教师学员",
]


def build(world, *, user=None, county=None, years=(2024, 2026), n=2, m=2):
    county = world.county_x if county is None else county
    wb = annual_summary_workbook(
        scope=ReportScope(user=user or world.admin_x, county_id=county.pk),
        options=SummaryOptions(
            period=Period(*years),
            not_trained_years=n,
            many_times=m,
            county_name=county.name,
            stamp=dt.date(2026, 11, 23),
        ),
    )
    return load_workbook(io.BytesIO(workbook_bytes(wb)))


def values(ws, first=1):
    return [tuple(c for c in row) for row in ws.iter_rows(min_row=first, values_only=True)]


def table(ws, first, width):
    """Rows from `first` down to the first blank or note row (a note fills only its first, merged cell)."""
    out = []
    for row in ws.iter_rows(min_row=first, values_only=True):
        if all(v is None for v in row[1:width]):
            break
        out.append(tuple(row[:width]))
    return out


@pytest.fixture
def wb(world, records):
    return build(world)


def test_sheets_come_in_the_official_order(wb):
    assert wb.sheetnames == SHEETS


def test_summary_rows_subtotals_and_total_count_persons_distinctly(wb):
    ws = wb["年度汇总"]
    assert ws["A1"].value == "甲县2024—2026年教师培训年度汇总表"
    assert values(ws)[1] == ("年份", "级别", "类别", "子项目数", "参训人次", "参训人数", "备注")
    assert table(ws, 3, 7) == [
        (2024, "国家级", "示范性项目", 2, 3, 2, None),
        (2024, "县级", "示范性项目", 1, 1, 1, None),
        (2024, "县级", "'" + INJECTION, 1, 1, 1, None),
        # distinct over the year: a and b, although the rows above add up to 4
        (2024, None, "小计", 4, 5, 2, None),
        (2025, None, "小计", 0, 0, 0, "本年度无培训项目"),
        (2026, "县级", "示范性项目", 1, 2, 2, None),
        (2026, None, "小计", 1, 2, 2, None),
        # distinct over the range: a, b and d, although the subtotals add up to 4
        ("合计", None, None, 5, 7, 3, None),
    ]


def test_summary_looks_like_an_official_table(wb):
    ws = wb["年度汇总"]
    assert "A1:G1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "A3"
    assert ws["A2"].font.b and ws["A2"].font.name == "宋体"
    assert ws["D3"].number_format == "#,##0"
    assert ws["D3"].border.left.style == "thin"
    assert ws.column_dimensions["C"].width == 26
    assert ws["A1"].font.sz == 14


def test_an_empty_range_still_lists_every_year_and_a_zero_total(world, records):
    ws = build(world, years=(2020, 2021))["年度汇总"]
    assert table(ws, 3, 7) == [
        (2020, None, "小计", 0, 0, 0, "本年度无培训项目"),
        (2021, None, "小计", 0, 0, 0, "本年度无培训项目"),
        ("合计", None, None, 0, 0, 0, None),
    ]


def test_school_sheet_counts_teachers_trained_person_times_rates_and_hours(wb):
    ws = wb["学校参训"]
    assert values(ws)[1] == (
        "乡镇",
        "学校代码",
        "学校",
        "城乡",
        "教师数",
        "参训教师数",
        "参训人次",
        "参训率",
        "到训学时",
        "人均学时",
    )
    rows = [r[2:] for r in table(ws, 3, 10)]
    assert rows == [
        ("甲县一小", "乡村", 2, 2, 5, 1, 6, 3),
        ("甲县二小", "城区", 2, 1, 2, 0.5, 8, 4),
        ("乡镇小计", None, 4, 3, 7, 0.75, 14, 3.5),
        ("城区小计", "城区", 2, 1, 2, 0.5, 8, 4),
        ("乡村小计", "乡村", 2, 2, 5, 1, 6, 3),
        (None, None, 4, 3, 7, 0.75, 14, 3.5),
    ]
    assert ws.cell(row=5, column=1).value == "甲镇"
    assert ws.cell(row=8, column=1).value == "合计"
    assert ws["H3"].number_format == "0.0%"


def test_coverage_sheet_counts_the_untrained_and_the_often_trained(wb):
    rows = values(wb["培训覆盖"])
    assert rows[1] == (
        "范围",
        "教师总数",
        "近2年（2025—2026）未参训",
        "占教师比例",
        "2024—2026年参训超过2次",
        "占教师比例",
    )
    assert rows[2] == ("甲县", 4, 2, 0.5, 1, 0.25)


def test_the_teachers_behind_the_coverage_figures_are_listed_on_sheets_of_their_own(wb):
    untrained = values(wb["未参训教师名单"])
    assert untrained[1] == ("乡镇", "学校", "姓名", "身份证号", "学段", "学科", "最近参训年度")
    # school B, by name: e (no record; the formula-like name is quoted) and b (last 2024)
    assert [(r[2], r[6]) for r in untrained[2:4]] == [("'@钱七", "无记录"), ("李四", 2024)]
    often = values(wb["多次参训教师名单"])
    assert [(r[2], r[6]) for r in often[2:3]] == [("张三", 4)]  # a, trained 4 times
    assert "*" in untrained[3][3] and "*" in often[2][3]
    assert wb["未参训教师名单"].auto_filter.ref == "A2:G4"


def test_credit_sheet_counts_compliance_per_school_and_lists_shortfalls(wb, records):
    rows = values(wb["学分达标"])
    assert rows[2] == (2026, records.a.school.code, "甲县一小", 1 + 1, 1, 1, 0.5, 20)
    assert rows[3] == (2026, records.b.school.code, "甲县二小", 1, 0, 1, 0, 40)
    # the years without tallies are shown as such, not left out
    assert rows[4][:3] == (2024, None, "本年度无学时统计") and rows[5][:3] == (2025, None, "本年度无学时统计")
    shortfalls = [(r[0], r[1], r[2], r[4], r[5], r[6]) for r in values(wb["未达标教师名单"])[2:4]]
    assert shortfalls == [(2026, "甲县一小", "赵六", 30, 50, 20), (2026, "甲县二小", "李四", 10, 50, 40)]
    assert not any("王五" in str(r) for r in rows)  # county Y's teacher


def test_outreach_sheet_counts_visits_trainees_and_tasks(wb, records):
    rows = values(wb["送教下乡"])
    # 2 one-day visits, b present at both: 班次 2, 天数 2, 人次 2, 人数 1; 1 enrolled; 2 host schools;
    # tasks 2, submitted 2, done 1, 50 %; no activities (six kinds), no resources
    no_activities = (0,) * 6
    assert rows[2] == (2024, "数学", "小学", records.s4.name, 2, 2, 2, 1, 1, 2, 2, 2, 1, 0.5, *no_activities, 0, 0)
    assert rows[3][:8] == (2024, None, None, "1个周期小计", 2, 2, 2, 1)
    assert rows[4] == ("合计", None, None, "1个周期", 2, 2, 2, 1, 1, 2, 2, 2, 1, 0.5, *no_activities, 0, 0)


def test_outreach_sheet_counts_generated_resources_and_the_approved_ones(world, records):
    from tests.factories.outreach import make_resource

    make_resource(records.cycle, actor=world.staff_x, title="教学设计", approve=True)
    make_resource(records.cycle, actor=world.staff_x, title="课件")
    rows = values(build(world)["送教下乡"])
    assert rows[2][-2:] == (2, 1)
    assert rows[4][-2:] == (2, 1)


def test_workshop_sheet_counts_members_activities_and_online_study(wb):
    rows = values(wb["工作坊"])
    assert rows[2] == (2024, "小学数学工作坊", "师范大学", 1, 1, 1, 12.5, 12.5, 3)
    assert rows[3][:2] == (2025, "本年度无工作坊") and rows[4][:2] == (2026, "本年度无工作坊")
    assert rows[5] == ("合计", "1个工作坊", None, 1, 1, 1, 12.5, 12.5, 3)


def test_no_cell_of_any_sheet_starts_like_a_formula(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and v.startswith(("=", "+", "-", "@"))), (ws.title, v)


def test_another_county_sees_only_its_own_records(world, records):
    ws = build(world, user=world.staff_y, county=world.county_y)["年度汇总"]
    assert table(ws, 3, 7)[0] == (2024, "国家级", "示范性项目", 1, 1, 1, None)
    assert table(ws, 3, 7)[-1] == ("合计", None, None, 1, 1, 1, None)


def test_a_user_outside_the_county_gets_an_empty_workbook_not_its_numbers(world, records):
    ws = build(world, user=world.staff_y, county=world.county_x)["年度汇总"]
    assert table(ws, 3, 7)[-1] == ("合计", None, None, 0, 0, 0, None)


def test_the_workbook_runs_a_fixed_number_of_queries_however_many_rows(world, records):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import EnrolmentFactory, SchoolFactory, SessionFactory, SubProjectFactory, TeacherFactory
    from tests.factories.outreach import visit_of
    from tests.factories.reports import CreditTallyFactory, CycleFactory, OnlineStudyFactory, PhaseTaskFactory

    def count():
        with CaptureQueriesContext(connection) as ctx:
            build(world)
        return len(ctx.captured_queries)

    baseline = count()
    for i in range(4):
        teacher = TeacherFactory(school=SchoolFactory(county=world.county_x))
        cycle = CycleFactory(subproject__program__county=world.county_x, subproject__program__year=2024 + i % 3)
        task = PhaseTaskFactory(phase__cycle=cycle)
        visit_of(cycle, SessionFactory(subproject=cycle.subproject, kind="outreach_visit"), phase_obj=task.phase)
        workshop = SubProjectFactory(program__county=world.county_x, program__year=2026, kind="workshop")
        OnlineStudyFactory(enrolment=EnrolmentFactory(subproject=workshop, teacher=teacher))
        EnrolmentFactory(subproject=cycle.subproject, teacher=teacher)
        CreditTallyFactory(teacher=teacher, met=False, shortfall_hours=5)
    # Per sheet: summary 3; 上报汇总 3; schools 1 + 4 levels × 3 + the township names; coverage 3 counts
    # + 2 lists; credits 2 (+ the requirement as a subquery); outreach 1 + 2 distinct totals + figures
    # (cycle years, days, attendance, activities, resources, persons per year and in total); workshops
    # 1 + 1 distinct total; non-teacher participants per year and in total.
    assert count() == baseline
    assert baseline <= 43


def test_a_deployment_wide_run_counts_every_county_once(world, records):
    wb = annual_summary_workbook(
        scope=ReportScope(user=None), options=SummaryOptions(period=Period(2024, 2026), county_name="全部县区")
    )
    ws = load_workbook(io.BytesIO(workbook_bytes(wb)))["年度汇总"]
    assert ws["A1"].value == "全部县区2024—2026年教师培训年度汇总表"
    # county Y adds one sub-project with teacher c: 6 sub-projects, 8 人次, 4 人数
    assert table(ws, 3, 8)[-1] == ("全部县区合计", "合计", None, None, 6, 8, 4, None)


def test_outreach_and_workshop_totals_count_teachers_and_host_schools_once(world, records):
    from programs.models import Level
    from tests.factories import EnrolmentFactory, ProgramFactory, SessionFactory, SubProjectFactory
    from tests.factories.outreach import visit_of
    from tests.factories.reports import CycleFactory, OnlineStudyFactory, PhaseFactory

    program = ProgramFactory(county=world.county_x, year=2024, level=Level.COUNTY)
    second = CycleFactory(subproject=SubProjectFactory(program=program, kind="outreach"), subject="语文")
    day = SessionFactory(subproject=second.subproject, kind="outreach_visit", host_school=world.school_a)
    visit_of(second, day, phase_obj=PhaseFactory(cycle=second, order=1))
    EnrolmentFactory(subproject=second.subproject, teacher=records.b)
    workshop = SubProjectFactory(program=program, name="初中英语工作坊", kind="workshop")
    OnlineStudyFactory(enrolment=EnrolmentFactory(subproject=workshop, teacher=records.a), online_hours=2)

    wb = build(world)
    outreach = values(wb["送教下乡"])
    # rows: 1 + 1 trainee, 2 + 1 host schools; totals: b once, schools A and B once
    # (学科, 学员人数, 承办学校数) per cycle, then the 2024 subtotal and the total
    assert [(r[1], *r[8:10]) for r in outreach[2:4]] == [("数学", 1, 2), ("语文", 1, 1)]
    assert outreach[5][:10] == ("合计", None, None, "2个周期", 3, 3, 2, 1, 1, 2)
    workshops = values(wb["工作坊"])
    assert workshops[6][:4] == ("合计", "2个工作坊", None, 1)  # a is in both workshops
    assert workshops[6][6:8] == (14.5, 14.5)


def test_a_list_longer_than_a_sheet_goes_on_in_continuation_sheets(world, records, monkeypatch):
    # Excel stops at 1,048,576 rows; a province's five-year shortfall list is longer than that.
    monkeypatch.setattr(services, "LIST_ROWS_PER_SHEET", 1)
    wb = build(world)
    assert wb.sheetnames[wb.sheetnames.index("未达标教师名单") + 1] == "未达标教师名单（续1）"
    first, second = values(wb["未达标教师名单"]), values(wb["未达标教师名单（续1）"])
    assert first[1] == second[1] == ("年度", "学校", "姓名", "身份证号", "总学时", "要求学时", "差额学时")
    assert (first[2][2], second[2][2]) == ("赵六", "李四")  # every row once, in order, header repeated
    assert wb["未达标教师名单（续1）"].auto_filter.ref == "A2:G3"
    assert "未参训教师名单（续1）" in wb.sheetnames
