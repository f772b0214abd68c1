"""周期核定 pages: the county confirms and queues a review, reads the result per teacher with filters,
reopens it with a reason (audited) and downloads the result per school; coordinators read their own
school's part only; teachers see theirs on the transcript."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessment.credits import cycle_save, tally_credits
from assessment.cycles import (
    ERR_ALREADY_REVIEWED,
    ERR_IN_PROGRESS,
    ERR_REOPEN_REASON,
    cycle_review_execute,
    cycle_review_request,
    cycle_review_run,
)
from assessment.models import AuditEntry, CreditEntry, CycleResult, CycleReview
from tests.factories import TeacherFactory
from tests.factories.assessment import earn_hours
from trainees.models import Teacher

D = Decimal
GRACE = dt.date(2027, 6, 30)


@pytest.fixture
def cycle(world):
    cycle_save(county=world.county_x, start_year=2022, years=5, total=D(360), actor=None)
    earn_hours(world.county_x, world.teacher_a, 450, 2023)  # 90 over
    earn_hours(world.county_x, world.teacher_b, 300, 2024)  # 60 short
    for year in (2023, 2024):
        tally_credits(year=year, county=world.county_x)


@pytest.fixture
def review(world, cycle):
    return cycle_review_run(county=world.county_x, year=2024, carry_cap=D(40), grace_until=GRACE, actor=world.staff_x)


def _rows(response):
    return [r.teacher.name for r in response.context["page"]]


def _sheets(response) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    return {ws.title: [row for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


# Running: a form, a confirmation saying what will happen, then a queued task


def test_the_form_shows_a_confirmation_with_the_counts_before_anything_is_done(client_for, world, cycle):
    response = client_for(world.staff_x).post(
        reverse("cycle_review_start"), {"start_year": 2022, "carry_cap": "40", "grace_until": "2027-06-30"}
    )
    assert response.status_code == 200
    preview = response.context["preview"]
    assert (preview.teachers, preview.met, preview.short, preview.carrying) == (2, 1, 1, 1)
    assert "确认核定 2022–2026 周期" in response.content.decode()
    assert not CycleReview.objects.exists()


def test_the_confirmed_form_queues_the_review_and_the_task_runs_it(
    client_for, world, cycle, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.staff_x).post(
            reverse("cycle_review_start"),
            {"start_year": 2022, "carry_cap": "40", "grace_until": "2027-06-30", "confirm": "1"},
        )
    review = CycleReview.objects.get()
    assert response.url == reverse("cycle_review_detail", args=[review.pk])
    assert (review.status, review.reviewed_by, review.carry_cap) == (CycleReview.Status.DONE, world.staff_x, 40)
    assert CycleResult.objects.filter(review=review).count() == 2
    actions = list(AuditEntry.objects.filter(object_type="CycleReview").values_list("action", flat=True))
    assert sorted(actions) == ["cycle_review_request", "cycle_review_run"]


def test_a_queued_review_cannot_be_requested_twice_and_a_done_one_not_at_all(world, cycle):
    review = cycle_review_request(county=world.county_x, year=2022, actor=world.staff_x)
    assert review.status == CycleReview.Status.QUEUED
    with pytest.raises(Exception) as exc:
        cycle_review_request(county=world.county_x, year=2022, actor=world.staff_x)
    assert exc.value.messages == [ERR_IN_PROGRESS]
    cycle_review_execute(review=review)
    with pytest.raises(Exception) as exc:
        cycle_review_request(county=world.county_x, year=2022, actor=world.staff_x)
    assert exc.value.messages == [ERR_ALREADY_REVIEWED]


def test_the_form_says_which_cycles_are_reviewed_and_refuses_them_again(client_for, world, review):
    client = client_for(world.staff_x)
    body = client.get(reverse("cycle_review_start")).content.decode()
    assert "2022–2026（5 年，要求 360.0 学时） · 已核定" in body
    response = client.post(reverse("cycle_review_start"), {"start_year": 2022, "carry_cap": "0", "confirm": "1"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [ERR_ALREADY_REVIEWED]


def test_a_queued_review_shows_it_is_running_and_refreshes_itself(client_for, world, cycle):
    review = cycle_review_request(county=world.county_x, year=2022, actor=world.staff_x)
    body = client_for(world.staff_x).get(reverse("cycle_review_detail", args=[review.pk])).content.decode()
    assert 'http-equiv="refresh"' in body and "正在核定" in body


def test_coordinators_and_offices_above_cannot_run_a_review(client_for, world, cycle):
    for user in (world.coord_a, world.city_staff):
        response = client_for(user).post(reverse("cycle_review_start"), {"start_year": 2022, "carry_cap": "0", "confirm": "1"})
        assert response.status_code == 403
    assert not CycleReview.objects.exists()


# The result page


def test_the_result_page_lists_each_teacher_with_required_earned_met_carry_and_grace(client_for, world, review):
    response = client_for(world.staff_x).get(reverse("cycle_review_detail", args=[review.pk]))
    rows = {r.teacher.name: r for r in response.context["page"]}
    a, b = rows["张三"], rows["李四"]
    assert (a.school, a.earned, a.met, a.carried, a.grace) == (world.school_a, 450, True, 40, False)
    assert (b.school, b.earned, b.met, b.grace, b.shortfall) == (world.school_b, 300, False, True, 60)
    summary = response.context["summary"]
    assert (summary["teachers"], summary["met"], summary["short"], summary["grace"], summary["carried"]) == (2, 1, 1, 1, 40)
    body = response.content.decode()
    assert "2027-06-30" in body and "360" in body


def test_the_result_page_filters_by_school_result_and_name(client_for, world, review):
    client = client_for(world.staff_x)
    url = reverse("cycle_review_detail", args=[review.pk])
    assert _rows(client.get(url, {"school": world.school_b.pk})) == ["李四"]
    assert _rows(client.get(url, {"status": "met"})) == ["张三"]
    assert _rows(client.get(url, {"status": "short"})) == ["李四"]
    assert _rows(client.get(url, {"status": "grace"})) == ["李四"]
    assert _rows(client.get(url, {"q": "张"})) == ["张三"]
    assert sorted(_rows(client.get(url, {"status": "bogus"}))) == ["张三", "李四"]


def test_a_coordinator_sees_only_their_schools_results(client_for, world, review):
    url = reverse("cycle_review_detail", args=[review.pk])
    response = client_for(world.coord_a).get(url)
    assert _rows(response) == ["张三"]
    assert response.context["summary"]["teachers"] == 1
    assert "重新开放" not in response.content.decode()
    # Asking for the other school's results gives nothing of it.
    assert _rows(client_for(world.coord_a).get(url, {"school": world.school_b.pk})) == ["张三"]
    assert _rows(client_for(world.coord_b).get(url)) == ["李四"]


def test_the_review_list_counts_only_what_the_user_may_see(client_for, world, review):
    staff = client_for(world.staff_x).get(reverse("cycle_review_list")).context["reviews"]
    assert [(r.teacher_count, r.met_count, r.grace_count) for r in staff] == [(2, 1, 1)]
    coord = client_for(world.coord_b).get(reverse("cycle_review_list")).context["reviews"]
    assert [(r.teacher_count, r.met_count, r.grace_count) for r in coord] == [(1, 0, 1)]
    assert not client_for(world.staff_y).get(reverse("cycle_review_list")).context["reviews"]


def test_another_countys_staff_gets_404_on_every_page_of_the_review(client_for, world, review):
    client = client_for(world.staff_y)
    for name, args in (
        ("cycle_review_detail", [review.pk]),
        ("cycle_review_reopen", [review.pk]),
        ("cycle_review_export", [review.pk]),
        ("cycle_review_school_export", [review.pk, world.school_a.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    assert client.post(reverse("cycle_review_reopen", args=[review.pk]), {"reason": "x"}).status_code == 404


# Reopening


def test_reopening_requires_a_reason(client_for, world, review):
    response = client_for(world.staff_x).post(reverse("cycle_review_reopen", args=[review.pk]), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [ERR_REOPEN_REASON]
    review.refresh_from_db()
    assert review.status == CycleReview.Status.DONE
    assert not AuditEntry.objects.filter(action="cycle_review_reopen").exists()


def test_reopening_with_a_reason_is_audited_unlocks_and_withdraws_the_carry(client_for, world, review):
    response = client_for(world.admin_x).post(
        reverse("cycle_review_reopen", args=[review.pk]), {"reason": "补录2024年送教学时"}
    )
    assert response.url == reverse("cycle_review_detail", args=[review.pk])
    review.refresh_from_db()
    assert (review.status, review.reopen_reason) == (CycleReview.Status.REOPENED, "补录2024年送教学时")
    entry = AuditEntry.objects.get(action="cycle_review_reopen")
    assert (entry.actor, entry.detail["reason"], entry.object_id) == (world.admin_x, "补录2024年送教学时", str(review.pk))
    assert not CreditEntry.objects.filter(source_kind="carry_over").exists()
    assert not CreditEntry.objects.filter(year__range=(2022, 2026), locked=True).exists()
    page = client_for(world.staff_x).get(reverse("cycle_review_detail", args=[review.pk])).content.decode()
    assert "补录2024年送教学时" in page and "已重新开放" in page
    # A reopened cycle is not a result that stands: the teacher's transcript no longer shows it.
    transcript = client_for(world.teacher_user_a).get(reverse("transcript", args=[world.teacher_a.pk]))
    assert not list(transcript.context["cycle_results"])


def test_a_coordinator_may_not_reopen(client_for, world, review):
    client = client_for(world.coord_a)
    assert client.get(reverse("cycle_review_reopen", args=[review.pk])).status_code == 403
    assert client.post(reverse("cycle_review_reopen", args=[review.pk]), {"reason": "x"}).status_code == 403
    review.refresh_from_db()
    assert review.status == CycleReview.Status.DONE


# The workbook per school


def test_the_county_workbook_has_a_sheet_per_school(client_for, world, review):
    response = client_for(world.staff_x).get(reverse("cycle_review_export", args=[review.pk]))
    sheets = _sheets(response)
    assert list(sheets) == ["甲县一小", "甲县二小"]
    a, b = sheets["甲县一小"][2], sheets["甲县二小"][2]
    assert (a[0], a[1], a[2], a[3], a[4], a[5]) == (world.teacher_a.masked_id_number, "张三", 450, 360, "是", 40)
    assert (b[1], b[4], b[6]) == ("李四", "否", "2027-06-30")
    assert len(sheets["甲县一小"]) == 3  # caption, header, one teacher


def test_a_school_workbook_holds_that_school_only(client_for, world, review):
    response = client_for(world.staff_x).get(reverse("cycle_review_school_export", args=[review.pk, world.school_b.pk]))
    sheets = _sheets(response)
    assert list(sheets) == ["甲县二小"]
    assert [row[1] for row in sheets["甲县二小"][2:]] == ["李四"]


def test_a_coordinator_downloads_their_own_school_only(client_for, world, review):
    client = client_for(world.coord_a)
    own = _sheets(client.get(reverse("cycle_review_school_export", args=[review.pk, world.school_a.pk])))
    assert [row[1] for row in own["甲县一小"][2:]] == ["张三"]
    assert client.get(reverse("cycle_review_school_export", args=[review.pk, world.school_b.pk])).status_code == 404
    # The county-wide download gives a coordinator their school's sheet and nothing else.
    assert list(_sheets(client.get(reverse("cycle_review_export", args=[review.pk])))) == ["甲县一小"]


def test_a_school_of_another_county_is_not_found_in_the_review(client_for, world, review):
    response = client_for(world.admin_x).get(reverse("cycle_review_school_export", args=[review.pk, world.school_c.pk]))
    assert response.status_code == 404


# The teacher's transcript


def test_the_teacher_sees_their_cycle_result_on_the_transcript(client_for, world, review):
    body = client_for(world.teacher_user_a).get(reverse("transcript", args=[world.teacher_a.pk])).content.decode()
    assert "2022–2026 继续教育周期核定" in body and "达标" in body and "40.0 学时结转到 2027 年度" in body
    teacher_b = client_for(world.coord_b).get(reverse("transcript", args=[world.teacher_b.pk])).content.decode()
    assert "未达标" in teacher_b and "宽限补修截止 2027-06-30" in teacher_b


# Query counts: the pages read the same number of queries for 5 and for 50 teachers


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def _review_with(world, teachers: int):
    CycleReview.objects.all().delete()
    CreditEntry.objects.filter(source_kind="carry_over").delete()
    existing = Teacher.objects.filter(school__county=world.county_x).count()
    for index in range(teachers - existing):
        teacher = TeacherFactory(school=world.school_a if index % 2 else world.school_b)
        CreditEntry.objects.create(
            teacher=teacher, year=2023, county=world.county_x, school=teacher.school,
            category=world.county_x.credit_categories.first(), source_kind="migrated", source_id=teacher.pk,
            hours=D(400 if index % 3 else 100), credits=D(40),
        )  # fmt: skip
    return cycle_review_run(county=world.county_x, year=2024, carry_cap=D(10), grace_until=GRACE, actor=world.staff_x)


def _counts_for_5_and_50(client, world, name: str, args) -> list[int]:
    """The queries of page `name` over a review of 5 teachers, then of 50 (`args(review)`: its URL args)."""
    counts = []
    for teachers in (5, 50):
        review = _review_with(world, teachers)
        counts.append(_count(client, reverse(name, args=args(review))))
    return counts


@pytest.mark.parametrize("name", ["cycle_review_detail", "cycle_review_list"])
def test_the_pages_query_count_does_not_grow_with_teachers(client_for, world, cycle, name):
    args = (lambda review: [review.pk]) if name == "cycle_review_detail" else (lambda review: [])
    counts = _counts_for_5_and_50(client_for(world.staff_x), world, name, args)
    # Detail (7): session, user, the review, the summary aggregate, the page's count and rows, the
    # history. List (3): session, user, the reviews with their counts. None per teacher.
    assert counts[0] == counts[1]


def test_the_result_page_with_a_school_chosen_reads_the_same_for_5_and_50(client_for, world, cycle):
    counts = _counts_for_5_and_50(client_for(world.coord_a), world, "cycle_review_detail", lambda r: [r.pk])
    assert counts[0] == counts[1]


def test_the_workbook_reads_the_same_number_of_queries_for_5_and_50(client_for, world, cycle):
    counts = _counts_for_5_and_50(client_for(world.staff_x), world, "cycle_review_export", lambda r: [r.pk])
    assert counts[0] == counts[1]


def test_the_cycles_offered_do_not_overlap(world, cycle):
    from assessment.selectors import cycle_choices

    offered = [(c.start_year, c.end_year) for c in cycle_choices(county=world.county_x, today=dt.date(2026, 12, 3))]
    assert offered == [(2022, 2026), (2016, 2020)]
