"""Reviewing many task submissions at once: done or redo, one comment for all or one each, all or
nothing, every row scoped, a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outreach import services
from outreach.models import TaskSubmission
from tests.factories import TeacherFactory
from tests.factories.outreach import enrol, make_cycle, make_task, make_team_member


def _submitted(cycle, task, teachers):
    for teacher in teachers:
        enrol(cycle, teacher)
    return [services.submission_submit(task=task, teacher=t, text=f"{t.name}的反思") for t in teachers]


@pytest.fixture
def setting(world):
    cycle = make_cycle(county=world.county_x)
    task = make_task(cycle, due_date=dt.date(2026, 9, 20))
    return cycle, task, _submitted(cycle, task, [world.teacher_a, world.teacher_b])


def _url(task):
    return reverse("outreach_task_review_many", args=[task.pk])


def test_staff_mark_many_done_with_one_comment(world, client_for, setting):
    _cycle, task, rows = setting
    data = {"ids": [s.pk for s in rows], "status": "done", "comment": "认真完成"}
    assert client_for(world.staff_x).post(_url(task), data).status_code == 302
    assert set(TaskSubmission.objects.values_list("status", "comment", "reviewed_by")) == {
        ("done", "认真完成", world.staff_x.pk)
    }


def test_a_rows_own_comment_wins_over_the_shared_one(world, client_for, setting):
    _cycle, task, (first, second) = setting
    data = {"ids": [first.pk, second.pk], "status": "redo", "comment": "请补充课例", f"comment_{second.pk}": "缺少反思"}
    assert client_for(world.staff_x).post(_url(task), data).status_code == 302
    assert TaskSubmission.objects.get(pk=first.pk).comment == "请补充课例"
    assert TaskSubmission.objects.get(pk=second.pk).comment == "缺少反思"


def test_redo_without_a_comment_on_one_row_saves_nothing_and_names_the_row(world, client_for, setting):
    _cycle, task, (first, second) = setting
    data = {"ids": [first.pk, second.pk], "status": "redo", f"comment_{first.pk}": "再改改"}
    response = client_for(world.staff_x).post(_url(task), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert services.ERR_REVIEW_ROW.format(name=world.teacher_b.name, message=services.ERR_COMMENT_REQUIRED) in page
    assert 'value="再改改"' in page  # what the reviewer typed is kept
    assert set(TaskSubmission.objects.values_list("status", flat=True)) == {"submitted"}


def test_a_submission_of_another_task_among_them_writes_nothing_and_answers_404(world, client_for, setting):
    cycle, task, rows = setting
    other_task = make_task(cycle, order=2, due_date=dt.date(2026, 10, 20), title="课例")
    foreign = services.submission_submit(task=other_task, teacher=world.teacher_a, text="另一任务")
    data = {"ids": [rows[0].pk, foreign.pk], "status": "done"}
    assert client_for(world.staff_x).post(_url(task), data).status_code == 404
    assert set(TaskSubmission.objects.values_list("status", flat=True)) == {"submitted"}


def test_another_countys_staff_get_404(world, client_for, setting):
    _cycle, task, rows = setting
    assert client_for(world.staff_y).post(_url(task), {"ids": [rows[0].pk], "status": "done"}).status_code == 404
    assert set(TaskSubmission.objects.values_list("status", flat=True)) == {"submitted"}


def test_a_coordinator_may_not_review(world, client_for, setting):
    _cycle, task, rows = setting
    assert client_for(world.coord_a).post(_url(task), {"ids": [rows[0].pk], "status": "done"}).status_code == 403


def test_a_visiting_team_member_reviews_their_cycle_in_bulk(world, client_for, setting):
    from accounts.models import Role
    from tests.factories import UserFactory

    cycle, task, rows = setting
    expert = TeacherFactory(school=world.school_b)
    make_team_member(cycle, teacher=expert)
    login = UserFactory(username="expert", role=Role.TEACHER, teacher=expert)
    assert client_for(login).post(_url(task), {"ids": [s.pk for s in rows], "status": "done"}).status_code == 302
    assert set(TaskSubmission.objects.values_list("reviewed_by", flat=True)) == {login.pk}


def test_bulk_review_queries_do_not_grow_with_rows(world, client_for):
    client = client_for(world.staff_x)
    counts = []
    for n in (5, 50):
        cycle = make_cycle(county=world.county_x)
        task = make_task(cycle)
        rows = _submitted(cycle, task, [TeacherFactory(school=world.school_a) for _ in range(n)])
        data = {"ids": [s.pk for s in rows], "status": "redo", "comment": "统一意见"}
        data.update({f"comment_{s.pk}": f"第{i}份" for i, s in enumerate(rows) if i % 2})
        with CaptureQueriesContext(connection) as ctx:
            assert client.post(_url(task), data).status_code == 302
        counts.append(len(ctx.captured_queries))
        assert TaskSubmission.objects.filter(task=task, status="redo").count() == n
    assert counts[0] == counts[1]
