"""The county's own figure, end to end: a cycle of four two-day visits and 30 trainees, recorded through
the visit import and `import_attendance`, gives 4 班次, 8 天 and its 人次 and 人数 in the annual summary."""

import datetime as dt
import io

from django.core.management import call_command
from openpyxl import load_workbook

from core.excel import workbook_bytes
from outreach import services
from programs.models import SubProject
from reports.selectors import Period, ReportScope
from reports.services import SummaryOptions, annual_summary_workbook
from tests.factories.programs import EnrolmentFactory, ProgramFactory, SubProjectFactory
from tests.factories.registry import TeacherFactory
from tests.xlsx import make_xlsx

VISIT_HEADER = ["年度", "项目名称", "子项目名称", "学科", "学段", "阶段", "送教次序", "日期", "送教学校",
                "活动类型", "活动主题", "主讲人身份证号", "学时"]  # fmt: skip
ATTENDANCE_HEADER = ["年度", "项目名称", "子项目名称", "日期", "身份证号", "姓名", "出勤状态", "备注"]
VISITS = [  # (phase, first day): each visit is that day and the next
    ("诊断示范", dt.date(2026, 4, 16)),
    ("研课磨课", dt.date(2026, 6, 11)),
    ("成果展示", dt.date(2026, 9, 24)),
    ("总结提升", dt.date(2026, 11, 5)),
]


def test_four_two_day_visits_of_30_trainees_give_4_visits_8_days_and_their_person_times(world, tmp_path):
    program = ProgramFactory(county=world.county_x, year=2026, name="2026年国培送教下乡")
    sub = SubProjectFactory(
        program=program,
        name="小学数学送教下乡",
        kind=SubProject.Kind.OUTREACH,
        modality=SubProject.Modality.OUTREACH,
        start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 12, 31),
    )
    expert = TeacherFactory(name="首席专家", school=world.school_b)
    services.pool_member_create(county=world.county_x, name="", teacher=expert, member_type="researcher")
    trainees = [TeacherFactory(name=f"学员{i:02d}", school=world.school_a) for i in range(30)]
    for teacher in trainees:
        EnrolmentFactory(subproject=sub, teacher=teacher)

    visit_rows = []
    for number, (phase, first) in enumerate(VISITS, 1):
        for offset, (kind, title) in enumerate([("示范课", f"第{number}次示范课"), ("专题讲座", f"第{number}次讲座")]):
            day = first + dt.timedelta(days=offset)
            visit_rows.append([2026, program.name, sub.name, "数学", "小学", phase, number, day, "甲县一小", kind,
                               title, expert.id_number, 3])  # fmt: skip
    visits_file = tmp_path / "送教记录.xlsx"
    make_xlsx([VISIT_HEADER, *visit_rows], path=visits_file)
    call_command("import_outreach_visits", str(visits_file), "--county", "甲县")

    # Visit v, day d: trainee i comes when (i + v + d) % 5 != 0, so 24 of 30 each day; a trainee misses
    # a whole visit only when absent on both its days, which never happens (the two days differ by one).
    # Trainees 0–3 never come to visit 4: its figures below count them out.
    attendance_rows = []
    for number, (_phase, first) in enumerate(VISITS, 1):
        for offset in (0, 1):
            day = first + dt.timedelta(days=offset)
            for i, teacher in enumerate(trainees):
                away = (i + number + offset) % 5 == 0 or (number == 4 and i < 4)
                attendance_rows.append(
                    [2026, program.name, sub.name, day, teacher.id_number, teacher.name, "缺勤" if away else "出勤", ""]
                )
    attendance_file = tmp_path / "考勤.xlsx"
    make_xlsx([ATTENDANCE_HEADER, *attendance_rows], path=attendance_file)
    call_command("import_attendance", str(attendance_file), "--county", "甲县")

    wb = annual_summary_workbook(
        scope=ReportScope(user=world.admin_x, county_id=world.county_x.pk),
        options=SummaryOptions(period=Period(2026, 2026), county_name="甲县", stamp=dt.date(2026, 12, 31)),
    )
    sheet = load_workbook(io.BytesIO(workbook_bytes(wb)))["送教下乡"]
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] in (2026, "合计")]
    cycle_row, year_row, total_row = rows
    # 人次: visits 1–3 reach all 30 trainees, visit 4 reaches 26 (0–3 never came): 30 × 3 + 26 = 116.
    # 人数: every trainee came at least once, 30.
    for r in rows:
        assert r[4:8] == (4, 8, 116, 30), r
    assert cycle_row[3] == sub.name and year_row[3] == "1个周期小计" and total_row[0] == "合计"
    # Activities by kind: one 示范课 and one 专题讲座 on each visit.
    assert cycle_row[14:16] == (4, 4)
