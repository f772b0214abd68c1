"""Notices that close the loop: the first session in the notice, the teacher's answer, the 换人
request a refusal makes, the list of who has not answered, and the text message after commit."""

import datetime as dt

import pytest
from django.urls import reverse

from core import sms
from programs import notices, services
from programs.models import Notice, SubstitutionRequest


@pytest.fixture
def session(subproject):
    return services.session_create(
        subproject=subproject,
        date=dt.date(2026, 9, 1),
        start_time=dt.time(8, 30),
        end_time=dt.time(11, 45),
        place="县教师发展中心三楼报告厅",
    )


def _nominate(world, subproject, teacher=None):
    actor = world.coord_a if teacher is None else world.staff_x
    return services.enrolment_nominate(subproject=subproject, teacher=teacher or world.teacher_a, actor=actor)


def test_the_enrolment_notice_carries_the_first_sessions_date_time_and_place(world, subproject, session):
    services.session_create(
        subproject=subproject, date=dt.date(2026, 9, 2), start_time=dt.time(8), end_time=dt.time(9), place="别处"
    )
    notice = _nominate(world, subproject).notices.get()
    assert "2026-09-01 08:30–11:45" in notice.body
    assert "县教师发展中心三楼报告厅" in notice.body
    assert "别处" not in notice.body
    assert notice.needs_response


def test_without_sessions_the_notice_says_the_time_and_place_follow(world, subproject):
    notice = _nominate(world, subproject).notices.get()
    assert "另行通知" in notice.body


def test_acknowledging_records_the_answer_and_clears_the_pending_list(world, subproject, session, client_for):
    enrolment = _nominate(world, subproject)
    notice = enrolment.notices.get()
    trainees = reverse("school_trainees") + "?ack=pending"
    assert [e.pk for e in client_for(world.coord_a).get(trainees).context["page"]] == [enrolment.pk]

    response = client_for(world.teacher_user_a).post(
        reverse("notice_answer", args=[notice.pk]), {"response": "acknowledged"}
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.response, notice.responded_at is not None) == ("acknowledged", True)
    assert list(client_for(world.coord_a).get(trainees).context["page"]) == []
    assert not SubstitutionRequest.objects.exists()


def test_declining_without_a_reason_shows_the_error_on_the_reason_field(world, subproject, client_for):
    notice = _nominate(world, subproject).notices.get()
    response = client_for(world.teacher_user_a).post(
        reverse("notice_answer", args=[notice.pk]), {"response": "declined", "reason": "  "}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": [notices.ERR_DECLINE_REASON]}
    notice.refresh_from_db()
    assert notice.response == ""


def test_declining_with_a_reason_asks_for_a_substitution_seen_by_the_coordinator(world, subproject, client_for):
    enrolment = _nominate(world, subproject)
    notice = enrolment.notices.get()
    client_for(world.teacher_user_a).post(
        reverse("notice_answer", args=[notice.pk]), {"response": "declined", "reason": "九月初需带毕业班"}
    )
    request = SubstitutionRequest.objects.get()
    assert (request.enrolment, request.source, request.reason, request.requested_by) == (
        enrolment,
        SubstitutionRequest.Source.TEACHER,
        "九月初需带毕业班",
        world.teacher_user_a,
    )
    page = client_for(world.coord_a).get(reverse("school_trainees")).content.decode()
    assert "无法参加" in page and "九月初需带毕业班" in page


def test_answering_twice_is_refused_and_the_first_answer_stands(world, subproject):
    notice = _nominate(world, subproject).notices.get()
    notices.notice_answer(notice=notice, response="acknowledged", actor=world.teacher_user_a)
    with pytest.raises(Exception, match=notices.ERR_ALREADY_ANSWERED):
        notices.notice_answer(notice=notice, response="declined", reason="x", actor=world.teacher_user_a)
    notice.refresh_from_db()
    assert notice.response == "acknowledged"
    assert not SubstitutionRequest.objects.exists()


def test_once_acknowledged_the_confirmation_does_not_ask_again(world, subproject):
    enrolment = _nominate(world, subproject)
    notices.notice_answer(notice=enrolment.notices.get(), response="acknowledged", actor=world.teacher_user_a)
    services.enrolment_confirm(enrolment=enrolment, actor=world.staff_x)
    latest = enrolment.notices.order_by("-pk").first()
    assert latest.subject.startswith("培训报名确认") and not latest.needs_response


def test_an_unanswered_question_is_replaced_by_the_confirmation(world, subproject):
    enrolment = _nominate(world, subproject)
    services.enrolment_confirm(enrolment=enrolment, actor=world.staff_x)
    asking = list(enrolment.notices.filter(needs_response=True).values_list("subject", flat=True))
    assert len(asking) == 1 and asking[0].startswith("培训报名确认")


def test_another_teachers_notice_answers_404(world, subproject, client_for):
    notice = _nominate(world, subproject, world.teacher_b).notices.get()
    client = client_for(world.teacher_user_a)
    assert client.get(reverse("notice_answer", args=[notice.pk])).status_code == 404
    assert client.post(reverse("notice_answer", args=[notice.pk]), {"response": "acknowledged"}).status_code == 404
    notice.refresh_from_db()
    assert notice.response == ""


def test_a_withdrawn_place_no_longer_asks(world, subproject, client_for):
    enrolment = _nominate(world, subproject)
    notice = enrolment.notices.get()
    services.enrolment_withdraw(enrolment=enrolment, actor=world.staff_x, reason="学校另有安排")
    page = client_for(world.teacher_user_a).get(reverse("my_enrolments"))
    assert reverse("notice_answer", args=[notice.pk]) not in page.content.decode()
    with pytest.raises(Exception, match=notices.ERR_PLACE_CLOSED):
        notices.notice_answer(notice=notice, response="acknowledged", actor=world.teacher_user_a)


def test_the_staff_list_of_unacknowledged_trainees_is_scoped(world, subproject, client_for):
    _nominate(world, subproject)
    services.quota_set(subproject=subproject, school=world.school_b, quota=1)
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_b, actor=world.coord_b)
    url = reverse("school_trainees") + "?ack=pending"
    assert {e.teacher for e in client_for(world.staff_x).get(url).context["page"]} == {world.teacher_a, world.teacher_b}
    assert {e.teacher for e in client_for(world.coord_a).get(url).context["page"]} == {world.teacher_a}
    assert list(client_for(world.staff_y).get(url).context["page"]) == []


def test_the_text_message_goes_after_commit_to_the_teachers_phone(
    world, subproject, session, django_capture_on_commit_callbacks
):
    world.teacher_a.phone = "13800138000"
    world.teacher_a.save(update_fields=["phone"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _nominate(world, subproject)
    assert sms.outbox == []
    for callback in callbacks:
        callback()
    notice = Notice.objects.get()
    assert [m.phone for m in sms.outbox] == ["13800138000"]
    assert "2026-09-01 08:30" in sms.outbox[0].text and "回复确认参训" in sms.outbox[0].text
    assert notice.sms_sent_at is not None
    # A retry of the task sends nothing twice.
    assert notices.notices_sms(notice_ids=[notice.pk]) == 0
    assert len(sms.outbox) == 1


def test_no_phone_no_text(world, subproject, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _nominate(world, subproject, world.teacher_b)
    assert sms.outbox == []
    assert Notice.objects.get().sms_sent_at is None


def test_the_sms_task_runs_on_the_notices_queue():
    from config.queues import NOTICES, TASK_QUEUES

    assert TASK_QUEUES["programs.tasks.send_notice_sms"] == NOTICES


def test_the_teachers_page_offers_both_answers(world, subproject, client_for):
    notice = _nominate(world, subproject).notices.get()
    page = client_for(world.teacher_user_a).get(reverse("my_enrolments")).content.decode()
    assert "确认参训" in page and reverse("notice_answer", args=[notice.pk]) in page
