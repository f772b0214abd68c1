"""The rates the reports publish (参训率, 到训率, 学习率, 合格率), their rankings, and satisfaction shares
that add up to 100.0 %."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessment.surveys import survey_answer
from attendance.models import Status as Att
from reports import rates
from reports.selectors import Period, ReportScope
from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    ProgramFactory,
    SchoolFactory,
    SessionFactory,
    SubProjectFactory,
    TeacherFactory,
)
from tests.factories.reports import OnlineStudyFactory

YEAR = Period(2025, 2025)


@pytest.fixture
def rated(world):
    """School A: four places in a face-to-face sub-project with two sessions held (a present twice,
    b once, c absent, d completed without records); school B: three places online (two started)."""
    program = ProgramFactory(county=world.county_x, year=2025)
    face = SubProjectFactory(program=program, name="集中研修")
    online = SubProjectFactory(program=program, name="网络研修", modality="online")
    s1 = SessionFactory(subproject=face, date=dt.date(2025, 3, 1))
    s2 = SessionFactory(subproject=face, date=dt.date(2025, 3, 2))
    SessionFactory(subproject=face, date=dt.date(2099, 1, 1))  # not held yet: not expected
    a, b, c, d = (TeacherFactory(school=world.school_a) for _ in range(4))
    ea, eb, ec = (EnrolmentFactory(subproject=face, teacher=t) for t in (a, b, c))
    EnrolmentFactory(subproject=face, teacher=d, status="completed")
    for session, enrolment, status in ((s1, ea, Att.PRESENT), (s2, ea, Att.LATE), (s1, eb, Att.PRESENT),
                                       (s2, eb, Att.ABSENT), (s1, ec, Att.ABSENT)):  # fmt: skip
        AttendanceFactory(session=session, enrolment=enrolment, status=status)
    x, y, z = (TeacherFactory(school=world.school_b) for _ in range(3))
    ex, ey, _ez = (EnrolmentFactory(subproject=online, teacher=t, status="completed") for t in (x, y, z))
    OnlineStudyFactory(enrolment=ex, online_hours=5, tasks_done=0)
    OnlineStudyFactory(enrolment=ey, online_hours=0, tasks_done=2)
    return {"face": face, "online": online}


def test_rates_per_sub_project(world, rated):
    rows = {r.name: r for r in rates.rate_rows(scope=ReportScope(user=world.staff_x), period=YEAR, unit="subproject")}
    face, online = rows["集中研修"], rows["网络研修"]
    # 参训率: a, b attended, d completed, c never came → 3 of 4
    assert (face.places, face.attended, face.participation) == (4, 3, 0.75)
    # 到训率: 3 attended sessions of 4 places × 2 sessions held
    assert (face.sessions_attended, face.sessions_expected, face.attendance) == (3, 8, 0.375)
    assert face.study is None and online.study == round(2 / 3, 4)  # 学习率 only for online places
    # 合格率: completed places pass when the sub-project has no assessment scheme
    assert (face.pass_rate, online.pass_rate) == (1.0, 1.0)


def test_schools_are_ranked_and_equal_rates_share_a_rank(world, rated):
    rows = rates.rate_rows(scope=ReportScope(user=world.staff_x), period=YEAR, unit="school", rank_by="participation")
    assert [(r.name, r.rank, r.participation) for r in rows] == [("甲县二小", 1, 1.0), ("甲县一小", 2, 0.75)]
    third = TeacherFactory(school=SchoolFactory(county=world.county_x, name="甲县三小"))
    EnrolmentFactory(subproject=rated["online"], teacher=third, status="completed")
    rows = rates.rate_rows(scope=ReportScope(user=world.staff_x), period=YEAR, unit="school")
    assert [(r.name, r.rank) for r in rows] == [("甲县三小", 1), ("甲县二小", 1), ("甲县一小", 3)]


def test_a_city_ranks_its_counties_and_the_other_city_sees_none(world, rated):
    EnrolmentFactory(subproject=SubProjectFactory(program__county=world.county_y, program__year=2025),
                     teacher=world.teacher_c)  # fmt: skip
    city = rates.rate_rows(scope=ReportScope(user=world.city_admin), period=YEAR, unit="county")
    assert [(r.name, r.rank, r.places) for r in city] == [("甲县", 1, 7)]
    province = rates.rate_rows(scope=ReportScope(user=world.province_admin), period=YEAR, unit="county")
    assert [(r.name, r.rank) for r in province] == [("甲县", 1), ("乙县", 2)]  # Y's one place never attended
    other = rates.rate_rows(scope=ReportScope(user=world.city_other), period=YEAR, unit="county")
    assert [r.name for r in other] == ["乙县"]


def test_rates_are_one_grouped_query(world, rated):
    with CaptureQueriesContext(connection) as ctx:
        rates.rate_rows(scope=ReportScope(user=world.staff_x), period=YEAR, unit="school")
    assert len(ctx.captured_queries) == 1


@pytest.mark.parametrize(
    ("counts", "shares"),
    [
        ([1, 1, 1, 0], ["33.4", "33.3", "33.3", "0.0"]),
        ([7, 5, 3, 1], ["43.8", "31.3", "18.7", "6.2"]),
        ([2, 1, 0, 0], ["66.7", "33.3", "0.0", "0.0"]),
        ([0, 0, 0, 0], ["0", "0", "0", "0"]),
    ],
)
def test_largest_remainder_shares_add_up_to_100(counts, shares):
    result = rates.largest_remainder(counts)
    assert result == [Decimal(s) for s in shares]
    if any(counts):
        assert sum(result) == Decimal("100.0")


def _answer(subproject, teacher, rating):
    enrolment = EnrolmentFactory(subproject=subproject, teacher=teacher)
    survey_answer(
        enrolment=enrolment,
        ratings={"q_content": rating, "q_teaching": rating, "q_organisation": 5, "q_usefulness": rating},
    )


def test_satisfaction_shares_per_level_add_up_and_few_answers_stay_hidden(world):
    sub = SubProjectFactory(program__county=world.county_x, program__year=2025, name="满意度研修")
    for rating in (5, 4, 2):
        _answer(sub, TeacherFactory(school=world.school_a), rating)
    few = SubProjectFactory(program__county=world.county_x, program__year=2025, name="两人研修")
    for rating in (5, 1):
        _answer(few, TeacherFactory(school=world.school_a), rating)
    found = {s.subproject.name: s for s in rates.satisfaction(scope=ReportScope(user=world.staff_x), period=YEAR)}
    content = found["满意度研修"].questions[0]
    assert content[0] == "培训内容符合需求" and content[1] == Decimal("3.67")
    assert [(label, n, str(share)) for label, n, share in content[2]] == [
        ("非常满意", 1, "33.4"),
        ("满意", 1, "33.3"),
        ("基本满意", 0, "0.0"),
        ("不满意", 1, "33.3"),
    ]
    overall = found["满意度研修"].questions[-1]
    assert overall[0] == "总体" and sum(share for _l, _n, share in overall[2]) == Decimal("100.0")
    assert not found["两人研修"].shown
    assert rates.satisfaction(scope=ReportScope(user=world.staff_y), period=YEAR) == []


def test_the_rates_page_exports_its_ranking(world, rated, client_for):
    client = client_for(world.staff_x)
    page = client.get(reverse("reports:rates"), {"year": 2025, "by": "school", "rank": "attendance"})
    assert page.status_code == 200 and "按到训率排名" in page.content.decode()
    response = client.get(reverse("reports:rates"), {"year": 2025, "by": "school", "format": "xlsx"})
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in ws[2]][:4] == ["排名", "学校", "报名人次", "实际参训"]
    assert [c.value for c in ws[3]][:2] == [1, "甲县二小"]
    # a bad parameter falls back to the defaults, never a crash
    assert client.get(reverse("reports:rates"), {"year": "x", "by": "nope", "rank": "1;--"}).status_code == 200
    assert client.get(reverse("reports:rates"), {"county": world.county_y.pk}).status_code == 404


def test_the_satisfaction_and_structure_pages_export(world, rated, client_for):
    client = client_for(world.city_staff)
    for name in ("reports:satisfaction", "reports:structure"):
        assert client.get(reverse(name), {"year": 2025}).status_code == 200
        response = client.get(reverse(name), {"year": 2025, "format": "xlsx"})
        assert load_workbook(io.BytesIO(response.content)).worksheets[0].oddFooter.left.text == "制表单位：测试市"
    assert (
        client_for(world.city_other).get(reverse("reports:structure"), {"county": world.county_x.pk}).status_code == 404
    )
