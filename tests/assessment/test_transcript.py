"""The transcript 培训档案: year by year, every enrolment with attendance, score, grade and hours."""

import pytest
from django.urls import reverse

from assessment.credits import tally_credits
from assessment.scoring import ComponentSpec, ScoreRow, scheme_publish, scores_save
from attendance.models import Status
from programs.models import Enrolment
from tests.factories import AttendanceFactory, EnrolmentFactory, ProgramFactory, SessionFactory, SubProjectFactory
from tests.factories.assessment import MANUAL, make_scheme
from tests.xlsx import read_xlsx


@pytest.fixture
def history(world):
    sub26 = SubProjectFactory(
        program=ProgramFactory(county=world.county_x, year=2026, name="县培2026"), name="骨干研修", hours=24
    )
    scheme = make_scheme(sub26, components=[ComponentSpec("考试", 100, MANUAL)], threshold=90)
    e26 = EnrolmentFactory(subproject=sub26, teacher=world.teacher_a, status=Enrolment.Status.COMPLETED)
    sessions = [SessionFactory(subproject=sub26) for _ in range(4)]
    for session, status in zip(sessions, [Status.PRESENT, Status.PRESENT, Status.LATE, Status.ABSENT], strict=True):
        AttendanceFactory(session=session, enrolment=e26, status=status)
    scores_save(scheme=scheme, rows=[ScoreRow(e26.pk, {scheme.components.get().pk: 95})], actor=None)
    scheme_publish(scheme=scheme, actor=world.staff_x)
    sub25 = SubProjectFactory(
        program=ProgramFactory(county=world.county_x, year=2025, name="县培2025"), name="新教师培训", hours=12
    )
    EnrolmentFactory(subproject=sub25, teacher=world.teacher_a, status=Enrolment.Status.COMPLETED)
    tally_credits(year=2026, county=world.county_x)
    tally_credits(year=2025, county=world.county_x)
    return e26


def test_transcript_lists_years_enrolments_attendance_scores_and_hours(client_for, world, history):
    page = client_for(world.staff_x).get(reverse("transcript", args=[world.teacher_a.pk])).content.decode()
    assert page.index("2026") < page.index("2025")
    for text in ("骨干研修", "75.0%", "95.0", "优秀", "新教师培训", "24.0", "12.0", "达标"):
        assert text in page


def test_unpublished_scores_are_not_shown(client_for, world):
    sub = SubProjectFactory(program=ProgramFactory(county=world.county_x, year=2026), name="未发布项目")
    scheme = make_scheme(sub, components=[ComponentSpec("考试", 100, MANUAL)])
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=Enrolment.Status.COMPLETED)
    scores_save(scheme=scheme, rows=[ScoreRow(e.pk, {scheme.components.get().pk: 37})], actor=None)
    page = client_for(world.teacher_user_a).get(reverse("transcript", args=[world.teacher_a.pk])).content.decode()
    assert "未发布项目" in page and "37.0" not in page and "不合格" not in page


def test_teacher_reaches_own_transcript_and_survey_link(client_for, world, history):
    client = client_for(world.teacher_user_a)
    response = client.get(reverse("transcript_me"))
    assert response.url == reverse("transcript", args=[world.teacher_a.pk])
    page = client.get(response.url).content.decode()
    assert reverse("survey_answer", args=[history.pk]) in page


def test_transcript_of_another_teacher_is_404(client_for, world, history):
    assert client_for(world.teacher_user_a).get(reverse("transcript", args=[world.teacher_b.pk])).status_code == 404
    assert client_for(world.coord_b).get(reverse("transcript", args=[world.teacher_a.pk])).status_code == 404
    assert client_for(world.staff_y).get(reverse("transcript_print", args=[world.teacher_a.pk])).status_code == 404


def test_transcript_xlsx(client_for, world, history):
    response = client_for(world.staff_x).get(reverse("transcript", args=[world.teacher_a.pk]), {"format": "xlsx"})
    rows = read_xlsx(response.content)
    assert rows[1][:3] == ("年度", "项目名称", "子项目名称")
    body = [r for r in rows[2:] if r[1] != "年度合计"]
    assert [(r[0], r[2], r[4], r[5], r[6], r[8]) for r in body] == [
        (2026, "骨干研修", "75.0%", 95, "优秀", 24),
        (2025, "新教师培训", None, None, None, 12),
    ]
    assert world.teacher_a.masked_id_number in rows[0][0]


def test_printable_transcript_is_standalone(client_for, world, history):
    page = client_for(world.staff_x).get(reverse("transcript_print", args=[world.teacher_a.pk])).content.decode()
    assert "骨干研修" in page and "navbar" not in page


def test_transcript_queries_do_not_grow_with_enrolments(client_for, world, history):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.staff_x)
    url = reverse("transcript", args=[world.teacher_a.pk])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(5):
        sub = SubProjectFactory(program=ProgramFactory(county=world.county_x, year=2024))
        EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=Enrolment.Status.COMPLETED)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    # session, user, teacher, enrolments (all figures as subqueries), tallies
    assert len(after.captured_queries) == len(before.captured_queries)


def test_transcript_shows_five_year_cycle_total(client_for, world, history):
    from decimal import Decimal

    from assessment.credits import cycle_save

    cycle_save(county=world.county_x, start_year=2025, years=5, total=Decimal(360), actor=None)
    page = client_for(world.staff_x).get(reverse("transcript", args=[world.teacher_a.pk])).content.decode()
    assert "周期 2025–2029 累计 36.0 / 360.0" in page  # 24 (2026) + 12 (2025)


def test_without_a_defined_cycle_the_five_year_plan_cycles_apply(client_for, world, history):
    page = client_for(world.staff_x).get(reverse("transcript", args=[world.teacher_a.pk])).content.decode()
    assert "周期 2026–2030 累计 24.0 / 360" in page and "周期 2021–2025 累计 12.0 / 360" in page
