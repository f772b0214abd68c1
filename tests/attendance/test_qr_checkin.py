"""QR check-in 扫码签到: signed per-session codes, the window, identity, once per trainee, rate limits."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from attendance.models import AttendanceChange, AttendanceRecord
from attendance.selectors import checkin_session, grid_rows, typed_session
from attendance.services import (
    ERR_QR_ALREADY,
    ERR_QR_CLOSED,
    ERR_QR_CODE,
    ERR_QR_NEUTRAL,
    ERR_QR_RATE_LIMITED,
    RowInput,
    attendance_grid_save,
    attendance_qr_check_in,
    qr_code_for,
    qr_open,
    qr_reopen,
    session_window,
    typed_code_for,
)
from programs.models import Enrolment
from tests.factories.attendance import enrol, trainees


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


@pytest.mark.parametrize("mark", ["absent", "late", "leave"])
def test_a_scan_never_overwrites_a_mark_a_person_made_it_is_kept_beside_it(world, roster, mark):
    note = "病假" if mark == "leave" else ""
    attendance_grid_save(
        session=roster.session, user=world.coord_a, rows=[RowInput(roster.enrol_a.pk, mark, note)], version=0
    )
    record = _check_in(roster.session, "张三", _tail(world.teacher_a))
    assert (record.status, record.source, record.note) == (mark, "grid", note)
    assert record.scanned_at is not None
    assert [c.source for c in AttendanceChange.objects.all()] == ["grid"]  # the mark's change only
    # The coordinator's grid shows the scan beside the mark, to decide.
    rows = {r.enrolment_id: r for r in grid_rows(user=world.coord_a, session=roster.session)}
    assert rows[roster.enrol_a.pk].scanned_at == record.scanned_at
    assert _message(lambda: _check_in(roster.session, "张三", _tail(world.teacher_a))) == ERR_QR_ALREADY


def test_a_scan_without_a_mark_records_present_with_its_time(world, roster):
    record = _check_in(roster.session, "张三", _tail(world.teacher_a))
    assert (record.status, record.source) == ("present", "qr")
    assert record.scanned_at is not None


def test_failures_are_rate_limited_per_address(world, roster, settings):
    settings.ATTENDANCE_QR_IP_FAILURES = 3
    for name in ("甲", "乙", "丙"):
        assert _message(lambda name=name: _check_in(roster.session, name, "000000")) == ERR_QR_NEUTRAL
    # Even the right answer is refused from that address now; another address still works.
    right = _tail(world.teacher_a)
    assert _message(lambda: _check_in(roster.session, "张三", right)) == ERR_QR_RATE_LIMITED
    assert _check_in(roster.session, "张三", right, ip="10.0.0.2").status == "present"


def test_one_persons_wrong_answers_do_not_lock_out_a_hall_behind_one_wifi_address(world, roster, settings):
    settings.ATTENDANCE_QR_IDENTITY_FAILURES = 5
    settings.ATTENDANCE_QR_IP_FAILURES = 60
    for _ in range(12):
        _message(lambda: _check_in(roster.session, "张三", "000000", ip="10.1.1.1"))
    # That name is locked for this session (someone guessing 张三's ID tail) …
    assert _message(lambda: _check_in(roster.session, "张三", _tail(world.teacher_a), ip="10.1.1.1")) == (
        ERR_QR_RATE_LIMITED
    )
    # … but everyone else behind the same address checks in.
    assert _check_in(roster.session, "李四", _tail(world.teacher_b), ip="10.1.1.1").status == "present"


def test_there_is_no_limit_on_a_session_as_a_whole(world, roster, settings):
    for i in range(200):
        _message(lambda i=i: _check_in(roster.session, f"冒名{i % 40}", "000000", ip=f"10.0.{i % 20}.1"))
    assert _check_in(roster.session, "张三", _tail(world.teacher_a), ip="10.0.99.1").status == "present"


def test_the_coordinator_reopens_a_locked_check_in(world, roster, settings):
    settings.ATTENDANCE_QR_IDENTITY_FAILURES = 2
    qr_open(session=roster.session, actor=world.coord_a)
    for _ in range(2):
        _message(lambda: _check_in(roster.session, "张三", "000000"))
    right = _tail(world.teacher_a)
    assert _message(lambda: _check_in(roster.session, "张三", right)) == ERR_QR_RATE_LIMITED
    qr_reopen(session=roster.session, actor=world.coord_a)
    assert _check_in(roster.session, "张三", right).status == "present"


# Codes: rotating, signed, time-limited


def test_the_qr_code_rotates_and_a_rotated_out_code_is_refused(world, roster, settings):
    settings.ATTENDANCE_QR_ROTATE_SECONDS = 30
    sheet = qr_open(session=roster.session, actor=world.staff_x)
    now = timezone.now()
    assert qr_code_for(sheet, now=now) != qr_code_for(sheet, now=now - dt.timedelta(seconds=30))
    assert checkin_session(code=qr_code_for(sheet, now=now), now=now) == roster.session
    # The one shown just before is still accepted (someone scanning as it changed) …
    assert checkin_session(code=qr_code_for(sheet, now=now - dt.timedelta(seconds=30)), now=now) == roster.session
    # … an older one, as in a photo sent from the hall, is not.
    assert checkin_session(code=qr_code_for(sheet, now=now - dt.timedelta(seconds=61)), now=now) is None


def test_the_typed_code_rotates_too(world, roster, settings, open_all_day):
    sheet = qr_open(session=roster.session, actor=world.staff_x)
    now = timezone.now()
    code = typed_code_for(sheet, now=now)
    assert len(code) == 6 and code.isdigit()
    assert typed_session(code=code, now=now) == roster.session
    assert typed_session(code=typed_code_for(sheet, now=now - dt.timedelta(seconds=61)), now=now) in (None,)
    qr_open(session=roster.session, actor=world.staff_x, rotate=True)  # a new key: every code shown before dies
    assert typed_session(code=code, now=now) is None


# Through the pages


@pytest.fixture
def open_all_day(settings):
    settings.ATTENDANCE_QR_MARGIN_MINUTES = 24 * 60


def _screen_url(name, roster):
    return reverse(name, args=[roster.session.pk])


def test_coordinators_open_check_in_for_sessions_their_trainees_attend(client_for, world, roster, open_all_day):
    client = client_for(world.coord_a)
    screen = _screen_url("attendance_checkin_screen", roster)
    assert client.get(screen).status_code == 200
    assert client.post(_screen_url("attendance_checkin_open", roster)).status_code == 302
    page = client.get(screen)
    assert page.context["codes"]["qr"].startswith("data:image/svg+xml")
    assert "/attendance/checkin/" in page.context["codes"]["url"]
    assert 'src="data:image/svg+xml' in page.content.decode()
    assert page.context["codes"]["code"] in page.content.decode()


@pytest.mark.parametrize("name", ["attendance_checkin_screen", "attendance_checkin_status"])
def test_a_coordinator_of_another_school_gets_404(client_for, world, roster, name):
    roster.enrol_b.delete()  # school B has no trainee in the session now
    qr_open(session=roster.session, actor=world.staff_x)
    assert client_for(world.coord_b).get(_screen_url(name, roster)).status_code == 404
    assert client_for(world.staff_y).get(_screen_url(name, roster)).status_code == 404
    assert client_for(world.teacher_user_a).get(_screen_url(name, roster)).status_code == 403


def test_coordinators_of_other_schools_cannot_open_or_reopen(client_for, world, roster):
    roster.enrol_b.delete()
    for name in ("attendance_checkin_open", "attendance_checkin_reopen"):
        assert client_for(world.coord_b).post(_screen_url(name, roster)).status_code == 404
        assert client_for(world.staff_y).post(_screen_url(name, roster)).status_code == 404


def _ticketed(client, url):
    page = client.get(url)
    assert page.status_code == 200
    return page.context["form"].initial["ticket"]


def test_the_phone_page_needs_no_login_and_marks_present(client, world, roster, open_all_day):
    sheet = qr_open(session=roster.session, actor=world.staff_x)
    url = reverse("attendance_checkin", args=[qr_code_for(sheet)])
    ticket = _ticketed(client, url)
    response = client.post(url, {"ticket": ticket, "name": "张三", "id_tail": _tail(world.teacher_a)})
    assert response.context["done"]
    assert AttendanceRecord.objects.get(enrolment=roster.enrol_a).source == "qr"


def test_a_replayed_form_is_refused_with_the_neutral_message(client, world, roster, open_all_day):
    sheet = qr_open(session=roster.session, actor=world.staff_x)
    url = reverse("attendance_checkin", args=[qr_code_for(sheet)])
    ticket = _ticketed(client, url)
    client.post(url, {"ticket": ticket, "name": "张三", "id_tail": _tail(world.teacher_a)})
    # The same ticket, sent on to a friend at home: refused, and nothing says why.
    again = client.post(url, {"ticket": ticket, "name": "李四", "id_tail": _tail(world.teacher_b)})
    assert again.context["error"] == ERR_QR_CODE
    assert not AttendanceRecord.objects.filter(enrolment=roster.enrol_b).exists()


def test_another_sessions_ticket_is_refused_with_the_neutral_message(client, world, roster, open_all_day):
    ours = qr_open(session=roster.session, actor=world.staff_x)
    theirs = qr_open(session=roster.other_session, actor=world.staff_y)
    foreign = _ticketed(client, reverse("attendance_checkin", args=[qr_code_for(theirs)]))
    url = reverse("attendance_checkin", args=[qr_code_for(ours)])
    response = client.post(url, {"ticket": foreign, "name": "张三", "id_tail": _tail(world.teacher_a)})
    assert response.context["error"] == ERR_QR_CODE
    assert not AttendanceRecord.objects.exists()


def test_a_rotated_out_code_gets_the_neutral_page(client, world, roster, open_all_day):
    sheet = qr_open(session=roster.session, actor=world.staff_x)
    old = reverse("attendance_checkin", args=[qr_code_for(sheet, now=timezone.now() - dt.timedelta(minutes=2))])
    response = client.get(old)
    assert response.status_code == 404
    assert response.context["error"] == ERR_QR_CODE
    assert ERR_QR_CODE in response.content.decode()


def test_the_phone_page_gives_the_neutral_message(client, world, roster, open_all_day):
    sheet = qr_open(session=roster.session, actor=world.staff_x)
    url = reverse("attendance_checkin", args=[qr_code_for(sheet)])
    response = client.post(url, {"ticket": _ticketed(client, url), "name": "王五", "id_tail": _tail(world.teacher_c)})
    assert response.context["error"] == ERR_QR_NEUTRAL
    assert ERR_QR_NEUTRAL in response.content.decode()


def test_a_tampered_or_revoked_code_gets_the_neutral_page(client, world, roster, open_all_day):
    sheet = qr_open(session=roster.session, actor=world.staff_x)
    old_code = qr_code_for(sheet)
    assert client.get(reverse("attendance_checkin", args=[old_code[:-2] + "xx"])).status_code == 404
    qr_open(session=roster.session, actor=world.staff_x, rotate=True)
    assert client.get(reverse("attendance_checkin", args=[old_code])).status_code == 404


def test_a_trainee_checks_in_with_the_typed_code(client, world, roster, open_all_day):
    sheet = qr_open(session=roster.session, actor=world.staff_x)
    url = reverse("attendance_checkin_typed")
    form = {"code": typed_code_for(sheet), "name": "张三", "id_tail": _tail(world.teacher_a)}
    assert client.post(url, form).context["done"]
    wrong = client.post(url, {**form, "code": "000000" if form["code"] != "000000" else "111111"})
    assert wrong.context["error"] == ERR_QR_CODE


def test_the_status_json_counts_only_the_users_trainees(client_for, world, roster, open_all_day):
    qr_open(session=roster.session, actor=world.staff_x)
    _check_in(roster.session, "张三", _tail(world.teacher_a), now=timezone.now())
    _check_in(roster.session, "李四", _tail(world.teacher_b), now=timezone.now())
    mine = client_for(world.coord_a).get(_screen_url("attendance_checkin_status", roster)).json()
    assert (mine["checked_in"], mine["expected"], [p["name"] for p in mine["people"]]) == (1, 1, ["张三"])
    assert mine["code"].isdigit() and mine["qr"].startswith("data:image/svg+xml")
    staff = client_for(world.staff_x).get(_screen_url("attendance_checkin_status", roster)).json()
    assert (staff["checked_in"], staff["expected"]) == (2, 2)


def _phone_post(client, url, *, remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
    ticket = client.get(url, **extra).context["form"].initial["ticket"]
    return client.post(url, {"ticket": ticket, "name": f"张{remote}{forwarded}", "id_tail": "000000"}, **extra).context[
        "error"
    ]


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
