"""QR check-in 扫码签到: signed per-session codes, the window, identity, once per trainee, rate limits."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from attendance.models import AttendanceChange, AttendanceRecord
from attendance.services import (
    ERR_QR_ALREADY,
    ERR_QR_CLOSED,
    ERR_QR_NEUTRAL,
    ERR_QR_RATE_LIMITED,
    RowInput,
    attendance_grid_save,
    attendance_qr_check_in,
    qr_code_for,
    qr_open,
    session_window,
)
from programs.models import Enrolment
from tests.factories.attendance import enrol, session_for, trainees


def _during(session):
    start, end = session_window(session)
    return start + (end - start) / 2


def _check_in(session, name, tail, *, ip="10.0.0.1", now=None):
    return attendance_qr_check_in(session=session, name=name, id_tail=tail, ip=ip, now=now or _during(session))


def _tail(teacher):
    return teacher.id_number[-6:]


def _message(call):
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.messages[0]


def test_a_confirmed_trainee_is_marked_present_from_the_qr_page(world, roster):
    record = _check_in(roster.session, "张三", _tail(world.teacher_a))
    assert (record.enrolment_id, record.status, record.source) == (roster.enrol_a.pk, "present", "qr")
    change = AttendanceChange.objects.get()
    assert (change.source, change.new_status, change.changed_by) == ("qr", "present", None)


def test_the_id_tail_is_case_insensitive(world, roster):
    teacher = roster.enrol_a.teacher
    assert _check_in(roster.session, " 张三 ", _tail(teacher).lower()).status == "present"


def test_check_in_is_open_only_within_the_window_and_margin(world, roster, settings):
    settings.ATTENDANCE_QR_MARGIN_MINUTES = 20
    session = roster.session
    start = dt.datetime.combine(session.date, session.start_time, tzinfo=timezone.get_current_timezone())
    end = dt.datetime.combine(session.date, session.end_time, tzinfo=timezone.get_current_timezone())
    tail = _tail(world.teacher_a)
    too_early = start - dt.timedelta(minutes=21)
    too_late = end + dt.timedelta(minutes=21)
    assert _message(lambda: _check_in(session, "张三", tail, now=too_early)) == ERR_QR_CLOSED
    assert _message(lambda: _check_in(session, "张三", tail, now=too_late)) == ERR_QR_CLOSED
    assert not AttendanceRecord.objects.exists()
    assert _check_in(session, "张三", tail, now=start - dt.timedelta(minutes=19)).status == "present"


def test_wrong_answers_get_one_neutral_message_whoever_asks(world, roster):
    nominated = enrol(roster.session, trainees(roster.other_session, world.school_c, 1)[0].teacher)
    Enrolment.objects.filter(pk=nominated.pk).update(status=Enrolment.Status.NOMINATED)
    attempts = [
        ("张三", "000000"),  # enrolled, wrong ID tail
        ("张四", _tail(world.teacher_a)),  # right tail, wrong name
        ("不存在", "123456"),  # nobody
        ("王五", _tail(world.teacher_c)),  # exists, enrolled elsewhere only
        (nominated.teacher.name, _tail(nominated.teacher)),  # nominated, not confirmed
        ("张三", "12"),  # too short
    ]
    messages = {_message(lambda n=n, t=t: _check_in(roster.session, n, t)) for n, t in attempts}
    assert messages == {ERR_QR_NEUTRAL}
    assert not AttendanceRecord.objects.exists()


def test_a_trainee_checks_in_only_once(world, roster):
    _check_in(roster.session, "张三", _tail(world.teacher_a))
    assert _message(lambda: _check_in(roster.session, "张三", _tail(world.teacher_a))) == ERR_QR_ALREADY
    assert AttendanceChange.objects.count() == 1


def test_check_in_overrides_an_absence_recorded_before_and_keeps_the_audit(world, roster):
    attendance_grid_save(
        session=roster.session, user=world.coord_a, rows=[RowInput(roster.enrol_a.pk, "absent")], version=0
    )
    assert _check_in(roster.session, "张三", _tail(world.teacher_a)).status == "present"
    assert [c.source for c in AttendanceChange.objects.order_by("revision")] == ["grid", "qr"]


def test_failures_are_rate_limited_per_ip(world, roster, settings):
    settings.ATTENDANCE_QR_IP_FAILURES = 3
    for _ in range(3):
        assert _message(lambda: _check_in(roster.session, "张三", "000000")) == ERR_QR_NEUTRAL
    # Even the right answer is refused from that address now; another address still works.
    right = _tail(world.teacher_a)
    assert _message(lambda: _check_in(roster.session, "张三", right)) == ERR_QR_RATE_LIMITED
    assert _check_in(roster.session, "张三", right, ip="10.0.0.2").status == "present"


def test_failures_are_rate_limited_per_session(world, roster, settings):
    settings.ATTENDANCE_QR_SESSION_FAILURES = 4
    for i in range(4):
        _message(lambda i=i: _check_in(roster.session, "张三", "000000", ip=f"10.0.1.{i}"))
    right = _tail(world.teacher_a)
    assert _message(lambda: _check_in(roster.session, "张三", right, ip="10.0.2.1")) == ERR_QR_RATE_LIMITED
    # Another session's check-in is not affected.
    other = session_for(world.county_x)
    enrol(other, world.teacher_b)
    assert _check_in(other, "李四", _tail(world.teacher_b), ip="10.0.2.1").status == "present"


# Through the pages


@pytest.fixture
def open_all_day(settings):
    settings.ATTENDANCE_QR_MARGIN_MINUTES = 24 * 60


def test_county_staff_open_a_check_in_screen_with_a_local_qr_image(client_for, world, roster):
    client = client_for(world.staff_x)
    screen = reverse("attendance_checkin_screen", args=[roster.session.pk])
    assert "qr_data_uri" not in client.get(screen).context
    assert client.post(reverse("attendance_checkin_open", args=[roster.session.pk])).status_code == 302
    page = client.get(screen)
    assert page.context["qr_data_uri"].startswith("data:image/svg+xml")
    assert "/attendance/checkin/" in page.context["checkin_url"]
    assert 'src="data:image/svg+xml' in page.content.decode()


def test_coordinators_cannot_open_check_in(client_for, world, roster):
    assert (
        client_for(world.coord_a).post(reverse("attendance_checkin_open", args=[roster.session.pk])).status_code == 403
    )
    assert (
        client_for(world.staff_y).post(reverse("attendance_checkin_open", args=[roster.session.pk])).status_code == 404
    )


def test_the_phone_page_needs_no_login_and_marks_present(client, world, roster, open_all_day):
    sheet = qr_open(session=roster.session, actor=world.staff_x)
    url = reverse("attendance_checkin", args=[qr_code_for(sheet)])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "张三", "id_tail": _tail(world.teacher_a)})
    assert response.context["done"]
    assert AttendanceRecord.objects.get(enrolment=roster.enrol_a).source == "qr"


def test_the_phone_page_gives_the_neutral_message(client, world, roster, open_all_day):
    sheet = qr_open(session=roster.session, actor=world.staff_x)
    url = reverse("attendance_checkin", args=[qr_code_for(sheet)])
    response = client.post(url, {"name": "王五", "id_tail": _tail(world.teacher_c)})
    assert response.context["error"] == ERR_QR_NEUTRAL
    assert ERR_QR_NEUTRAL in response.content.decode()


def test_a_tampered_or_revoked_code_is_404(client, world, roster, open_all_day):
    sheet = qr_open(session=roster.session, actor=world.staff_x)
    old_code = qr_code_for(sheet)
    assert client.get(reverse("attendance_checkin", args=[old_code[:-2] + "xx"])).status_code == 404
    qr_open(session=roster.session, actor=world.staff_x, rotate=True)
    assert client.get(reverse("attendance_checkin", args=[old_code])).status_code == 404


def test_a_code_for_one_session_does_not_open_another(client, world, roster, open_all_day):
    sheet = qr_open(session=roster.session, actor=world.staff_x)
    other = qr_open(session=roster.other_session, actor=world.staff_y)
    url = reverse("attendance_checkin", args=[qr_code_for(other)])
    response = client.post(url, {"name": "张三", "id_tail": _tail(world.teacher_a)})
    assert response.context["error"] == ERR_QR_NEUTRAL
    assert sheet.qr_token != other.qr_token


def _phone_post(client, url, *, remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
    return client.post(url, {"name": "张三", "id_tail": "000000"}, **extra).context["error"]


def test_behind_a_proxy_each_phone_has_its_own_limit(client, world, roster, open_all_day, settings):
    settings.ATTENDANCE_QR_IP_FAILURES = 2
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("attendance_checkin", args=[qr_code_for(qr_open(session=roster.session, actor=world.staff_x))])
    for _ in range(2):
        assert _phone_post(client, url, remote="10.9.9.9", forwarded="172.16.0.5") == ERR_QR_NEUTRAL
    assert _phone_post(client, url, remote="10.9.9.9", forwarded="172.16.0.5") == ERR_QR_RATE_LIMITED
    # Another phone behind the same proxy is not throttled with it.
    assert _phone_post(client, url, remote="10.9.9.9", forwarded="172.16.0.6") == ERR_QR_NEUTRAL


def test_without_a_trusted_proxy_a_forged_forwarded_header_does_not_escape_the_limit(
    client, world, roster, open_all_day, settings
):
    settings.ATTENDANCE_QR_IP_FAILURES = 2
    url = reverse("attendance_checkin", args=[qr_code_for(qr_open(session=roster.session, actor=world.staff_x))])
    for n in range(2):
        _phone_post(client, url, remote="10.0.0.7", forwarded=f"192.0.2.{n}")
    assert _phone_post(client, url, remote="10.0.0.7", forwarded="192.0.2.99") == ERR_QR_RATE_LIMITED
