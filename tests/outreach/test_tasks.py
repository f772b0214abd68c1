"""Back-at-school tasks: trainees hand in, the team or county staff mark done or redo, overdue
tasks are listed per school."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from outreach import selectors, services
from outreach.models import TaskSubmission
from tests.factories import TeacherFactory, UserFactory
from tests.factories.outreach import EXE_BYTES, enrol, make_cycle, make_task, make_team_member, upload


@pytest.fixture
def setting(world):
    cycle = make_cycle(county=world.county_x)
    enrol(cycle, world.teacher_a)
    enrol(cycle, world.teacher_b)
    return cycle, make_task(cycle, due_date=dt.date(2026, 9, 20))


def test_a_trainee_submits_text_and_files_through_their_own_login(world, client_for, setting):
    _cycle, task = setting
    response = client_for(world.teacher_user_a).post(
        reverse("outreach_task_submit", args=[task.pk]), {"text": "我的反思", "files": [upload("反思.pdf")]}
    )
    assert response.status_code == 302
    submission = TaskSubmission.objects.get(task=task)
    assert submission.enrolment.teacher == world.teacher_a and submission.text == "我的反思"
    stored = submission.files.get()
    assert stored.original_name == "反思.pdf" and "反思" not in stored.file.name


def test_a_teacher_outside_the_roster_cannot_submit(world, setting):
    _cycle, task = setting
    with pytest.raises(ValidationError) as exc:
        services.submission_submit(task=task, teacher=TeacherFactory(school=world.school_a), text="x")
    assert services.ERR_NOT_IN_ROSTER in str(exc.value)


def test_an_empty_submission_is_refused(world, setting):
    _cycle, task = setting
    with pytest.raises(ValidationError):
        services.submission_submit(task=task, teacher=world.teacher_a, text="  ")


def test_redo_needs_a_comment_and_reopens_the_task(world, setting):
    _cycle, task = setting
    submission = services.submission_submit(task=task, teacher=world.teacher_a, text="初稿")
    with pytest.raises(ValidationError):
        services.submission_review(submission=submission, status="redo", comment="", actor=world.staff_x)
    services.submission_review(submission=submission, status="redo", comment="请补充课例", actor=world.staff_x)
    again = services.submission_submit(task=task, teacher=world.teacher_a, text="修改稿")
    assert again.pk == submission.pk and again.status == TaskSubmission.Status.SUBMITTED
    services.submission_review(submission=again, status="done", actor=world.staff_x)
    again.refresh_from_db()
    assert again.status == TaskSubmission.Status.DONE and again.reviewed_by == world.staff_x
    with pytest.raises(ValidationError) as exc:
        services.submission_submit(task=task, teacher=world.teacher_a, text="再交")
    assert services.ERR_ALREADY_DONE in str(exc.value)


def test_a_team_member_marks_a_submission_through_the_page(world, client_for, setting):
    cycle, task = setting
    expert_teacher = TeacherFactory(school=world.school_b)
    make_team_member(cycle, teacher=expert_teacher, name="")
    expert = UserFactory(role=Role.TEACHER, teacher=expert_teacher)
    submission = services.submission_submit(task=task, teacher=world.teacher_a, text="反思")
    client = client_for(expert)
    assert client.get(reverse("outreach_task_detail", args=[task.pk])).status_code == 200
    response = client.post(
        reverse("outreach_submission_review", args=[submission.pk]), {"status": "redo", "comment": "再想想"}
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == "redo" and submission.comment == "再想想"


def test_a_coordinator_cannot_mark_submissions(world, client_for, setting):
    _cycle, task = setting
    submission = services.submission_submit(task=task, teacher=world.teacher_a, text="反思")
    response = client_for(world.coord_a).post(
        reverse("outreach_submission_review", args=[submission.pk]), {"status": "done"}
    )
    assert response.status_code == 403


def test_another_trainee_cannot_see_a_submission_file(world, client_for, setting):
    _cycle, task = setting
    services.submission_submit(task=task, teacher=world.teacher_a, files=[upload()])
    stored = TaskSubmission.objects.get(task=task).files.get()
    other = UserFactory(role=Role.TEACHER, teacher=world.teacher_b)
    assert client_for(other).get(reverse("outreach_submission_file", args=[stored.pk])).status_code == 404
    response = client_for(world.teacher_user_a).get(reverse("outreach_submission_file", args=[stored.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_overdue_tasks_are_listed_per_school_for_the_coordinator(world, setting):
    _cycle, task = setting
    after_due = dt.date(2026, 9, 21)
    rows = list(selectors.overdue(user=world.coord_a, today=after_due))
    assert [(r.teacher, r.task_title) for r in rows] == [(world.teacher_a, task.title)]
    county_rows = selectors.overdue(user=world.staff_x, today=after_due)
    assert {r.teacher for r in county_rows} == {world.teacher_a, world.teacher_b}
    assert list(selectors.overdue(user=world.coord_a, today=task.due_date)) == []
    assert list(selectors.overdue(user=world.staff_y, today=after_due)) == []


def test_handing_in_clears_an_overdue_row_and_redo_brings_it_back(world, setting):
    _cycle, task = setting
    after_due = dt.date(2026, 9, 21)
    submission = services.submission_submit(task=task, teacher=world.teacher_a, text="反思")
    assert list(selectors.overdue(user=world.coord_a, today=after_due)) == []
    services.submission_review(submission=submission, status="redo", comment="补充", actor=world.staff_x)
    assert len(selectors.overdue(user=world.coord_a, today=after_due)) == 1


def test_the_overdue_page_shows_the_coordinators_school_only(world, client_for):
    cycle = make_cycle(county=world.county_x)
    enrol(cycle, world.teacher_a)
    enrol(cycle, world.teacher_b)
    make_task(cycle, due_date=timezone.localdate() - dt.timedelta(days=1))
    response = client_for(world.coord_a).get(reverse("outreach_overdue_list"))
    assert response.status_code == 200
    assert world.teacher_a.name in response.text and world.teacher_b.name not in response.text


def test_more_files_than_allowed_are_refused_before_anything_is_stored(world, setting):
    _cycle, task = setting
    files = [upload(f"{i}.pdf") for i in range(services.MAX_FILES_PER_SUBMISSION + 1)]
    with pytest.raises(ValidationError):
        services.submission_submit(task=task, teacher=world.teacher_a, text="x", files=files)
    assert not TaskSubmission.objects.exists()


def test_a_bad_file_among_good_ones_stores_nothing(world, setting):
    _cycle, task = setting
    with pytest.raises(ValidationError):
        services.submission_submit(task=task, teacher=world.teacher_a, files=[upload(), upload("x.pdf", EXE_BYTES)])
    assert not TaskSubmission.objects.exists()
