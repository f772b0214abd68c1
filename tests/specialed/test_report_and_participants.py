"""The special-education teachers report, and parents and rehabilitation staff counted apart."""

import datetime as dt
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.excel import workbook_bytes
from programs.models import Enrolment
from reports.selectors import Period, ReportScope
from reports.services import SummaryOptions, annual_summary_workbook
from specialed import selectors, services
from tests.factories.programs import EnrolmentFactory, ProgramFactory, SubProjectFactory
from tests.factories.registry import SchoolFactory, TeacherFactory

COMPLETED = Enrolment.Status.COMPLETED


def _special_school(world, name="甲县特殊教育学校"):
    return SchoolFactory(name=name, county=world.county_x, kind="special", has_resource_room=True)


def _trained(teacher, year=2026):
    sub = SubProjectFactory(program=ProgramFactory(county=teacher.school.county, year=year))
    return EnrolmentFactory(subproject=sub, teacher=teacher, status=COMPLETED)


def test_the_report_counts_trained_resource_and_inclusive_teachers_and_flags_backbone(world):
    special = _special_school(world)
    resource_room = SchoolFactory(name="甲县三小", county=world.county_x, has_resource_room=True)
    SchoolFactory(name="甲县四小", county=world.county_x)  # neither: not in the report
    r1 = TeacherFactory(school=special, is_resource_teacher=True)
    TeacherFactory(school=special, is_resource_teacher=True)
    backbone = TeacherFactory(school=special, is_backbone=True, is_inclusive_teacher=True)
    i1 = TeacherFactory(school=resource_room, is_inclusive_teacher=True)
    _trained(r1)
    _trained(i1)
    _trained(backbone, year=2025)  # trained, but not this year
    EnrolmentFactory(subproject=SubProjectFactory(program=ProgramFactory(county=world.county_x)), teacher=i1)

    rows = {r.school.name: r for r in selectors.special_ed_report(user=world.staff_x, year=2026)}
    assert set(rows) == {"甲县特殊教育学校", "甲县三小"}
    s = rows["甲县特殊教育学校"]
    assert (s.resource_teachers, s.trained_resource, s.inclusive_teachers, s.trained_inclusive) == (2, 1, 1, 0)
    assert (s.backbone, s.trained_backbone, s.no_trained_backbone) == (1, 0, True)
    r = rows["甲县三小"]
    assert (r.inclusive_teachers, r.trained_inclusive, r.no_trained_backbone) == (1, 1, False)  # not a special school
    _trained(backbone)
    (flagged,) = [r for r in selectors.special_ed_report(user=world.staff_x, year=2026) if r.school == special]
    assert not flagged.no_trained_backbone


def test_the_report_page_and_its_workbook(world, client_for):
    special = _special_school(world)
    TeacherFactory(school=special, is_backbone=True)
    client = client_for(world.staff_x)
    html = client.get(reverse("specialed_report"), {"year": 2026}).content.decode()
    assert "特殊教育学校本年无参训骨干教师" in html
    response = client.get(reverse("specialed_report"), {"year": 2026, "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[2][0] == "甲县特殊教育学校" and rows[2][-1] == "特殊教育学校本年无参训骨干教师"
    assert client_for(world.coord_a).get(reverse("specialed_report")).status_code == 403


def test_the_report_runs_a_fixed_number_of_queries(world, client_for):
    client = client_for(world.staff_x)
    _special_school(world)
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("specialed_report"))
    base = len(ctx.captured_queries)
    for i in range(5):
        school = SchoolFactory(name=f"资源校{i}", county=world.county_x, has_resource_room=True)
        _trained(TeacherFactory(school=school, is_resource_teacher=True))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("specialed_report"))
    # session, user, schools with their six counts
    assert len(ctx.captured_queries) == base <= 4


def test_parents_and_rehabilitation_staff_are_counted_apart_in_the_annual_summary(world, client_for):
    sub = SubProjectFactory(program=ProgramFactory(county=world.county_x, year=2026))
    EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    services.participant_enrol(subproject=sub, name="王家长", kind="parent")
    services.participant_enrol(subproject=sub, name="李康复", kind="rehab", organisation="县康复中心")
    other = SubProjectFactory(program=ProgramFactory(county=world.county_x, year=2026))
    services.participant_enrol(subproject=other, name="王家长", kind="parent")  # the same parent again
    services.participant_enrol(subproject=other, name="缺席", kind="parent", attended=False)
    far = SubProjectFactory(program=ProgramFactory(county=world.county_y, year=2026))
    services.participant_enrol(subproject=far, name="外县家长", kind="parent")

    wb = annual_summary_workbook(
        scope=ReportScope(user=world.admin_x, county_id=world.county_x.pk),
        options=SummaryOptions(period=Period(2026, 2026), county_name="甲县", stamp=dt.date(2026, 12, 31)),
    )
    book = load_workbook(io.BytesIO(workbook_bytes(wb)))
    rows = [r for r in book["非教师学员"].iter_rows(min_row=3, values_only=True) if r[0] in (2026, "合计")]
    assert [r[2:4] for r in rows] == [(3, 2), (3, 2)]  # 3 人次, 2 人数
    summary_total = [r for r in book["年度汇总"].iter_rows(values_only=True) if r[0] == "合计"][0]
    assert summary_total[4:6] == (1, 1)  # the teachers' table counts teacher A only

    client = client_for(world.staff_x)
    listed = client.get(reverse("specialed_participants"), {"year": 2026}).context["page"]
    assert len(listed) == 4
    response = client.post(
        reverse("specialed_participants"), {"subproject": sub.pk, "name": "赵家长", "kind": "parent"}
    )
    assert response.status_code == 302
    assert (
        client_for(world.city_staff)
        .post(reverse("specialed_participants"), {"subproject": sub.pk, "name": "x", "kind": "parent"})
        .status_code
        == 403
    )
