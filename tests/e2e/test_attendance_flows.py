"""Attendance as people use it in a real browser: a coordinator fills the grid, a teacher checks in
by QR on a phone."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from attendance import services as attendance_services
from attendance.models import AttendanceRecord, Status
from tests.factories.attendance import enrol, session_for
from tests.factories.registry import TeacherFactory

from .browser import watch_csp

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_coordinator_records_a_sessions_attendance_in_the_grid(world, login, page, site):
    session = session_for(world.county_x, title="开班讲座")
    zhang = enrol(session, world.teacher_a)
    zhao = enrol(session, TeacherFactory(name="赵六", school=world.school_a))
    enrol(session, world.teacher_b)  # school B: not the coordinator's trainee
    login(world.coord_a)

    page.goto(site("attendance_sessions"))
    page.get_by_role("row", name="开班讲座").get_by_role("link", name="考勤表").click()
    grid = page.locator("form.attendance-grid tbody")
    expect(grid).to_contain_text("张三")
    expect(grid).to_contain_text("赵六")
    expect(grid).not_to_contain_text("李四")  # another school's trainee is not in this grid
    expect(grid.locator("tr")).to_have_count(2)

    page.get_by_role("radiogroup", name="张三").get_by_text("迟到").click()
    page.get_by_role("radiogroup", name="赵六").get_by_text("请假").click()
    page.get_by_role("textbox", name="赵六 备注").fill("病假")
    page.get_by_role("button", name="保存考勤").click()

    expect(page.locator(".alert-success")).to_contain_text("考勤已保存（2 处修改）")
    page.reload()  # what is shown now comes from the stored records, not from the form just typed
    expect(page.locator(f"#s{zhang.pk}-late")).to_be_checked()
    expect(page.locator(f"#s{zhao.pk}-leave")).to_be_checked()
    expect(page.get_by_role("textbox", name="赵六 备注")).to_have_value("病假")
    expect(page.get_by_role("row", name="赵六")).to_contain_text(world.coord_a.display_name or world.coord_a.username)
    stored = dict(AttendanceRecord.objects.filter(session=session).values_list("enrolment__teacher__name", "status"))
    assert stored == {"张三": Status.LATE, "赵六": Status.LEAVE}


def test_teacher_checks_in_by_qr_on_a_phone_once(world, browser, live_server, settings):
    # Held today around now (the whole day, so the test never straddles the window's edge).
    settings.ATTENDANCE_QR_MARGIN_MINUTES = 24 * 60
    session = session_for(
        world.county_x,
        title="扫码签到活动",
        date=timezone.localdate(),
        start_time=dt.time(0, 0),
        end_time=dt.time(23, 59),
    )
    enrol(session, world.teacher_a)
    sheet = attendance_services.qr_open(session=session, actor=world.staff_x)
    url = live_server.url + reverse("attendance_checkin", args=[attendance_services.qr_code_for(sheet)])
    context = browser.new_context(locale="zh-CN", **PHONE)
    phone = context.new_page()
    blocked = watch_csp(phone)  # its own context, so the `page` fixture's CSP check is repeated here
    try:
        phone.goto(url)
        assert phone.evaluate("() => window.innerWidth") == 390
        expect(phone.get_by_role("heading", name="扫码签到")).to_be_visible()
        phone.get_by_label("姓名").fill("张三")
        phone.get_by_label("身份证号后六位").fill(world.teacher_a.id_number[-6:].lower())
        phone.get_by_role("button", name="签到").tap()
        expect(phone.get_by_role("status")).to_have_text("签到成功")

        phone.goto(url)  # the same person scans again
        phone.get_by_label("姓名").fill("张三")
        phone.get_by_label("身份证号后六位").fill(world.teacher_a.id_number[-6:])
        phone.get_by_role("button", name="签到").tap()
        expect(phone.get_by_role("alert")).to_have_text("已签到，无需重复签到")
    finally:
        context.close()
    assert blocked == []
    record = AttendanceRecord.objects.get(session=session)
    assert (record.status, record.source) == (Status.PRESENT, AttendanceRecord.Source.QR)


def test_a_coordinator_runs_the_check_in_screen_and_sees_trainees_arrive(world, login, page, site, browser, settings):
    settings.ATTENDANCE_QR_MARGIN_MINUTES = 24 * 60
    session = session_for(
        world.county_x, title="现场签到", date=timezone.localdate(), start_time=dt.time(0, 0), end_time=dt.time(23, 59)
    )
    enrol(session, world.teacher_a)
    enrol(session, TeacherFactory(name="赵六", school=world.school_a))
    login(world.coord_a)
    page.goto(site("attendance_checkin_screen", session.pk))
    page.get_by_role("button", name="开启扫码签到").click()
    expect(page.locator(".js-count")).to_have_text("0")
    expect(page.locator(".js-expected")).to_have_text("2")
    typed = page.locator(".js-code").inner_text().strip()
    assert len(typed) == 6 and typed.isdigit()

    # A trainee whose phone cannot scan types the code shown on the screen.
    context = browser.new_context(locale="zh-CN", **PHONE)
    phone = context.new_page()
    blocked = watch_csp(phone)
    try:
        phone.goto(site("attendance_checkin_typed"))
        phone.get_by_label("签到码（屏幕上的 6 位数字）").fill(typed)
        phone.get_by_label("姓名").fill("张三")
        phone.get_by_label("身份证号后六位").fill(world.teacher_a.id_number[-6:])
        phone.get_by_role("button", name="签到").tap()
        expect(phone.get_by_role("status")).to_have_text("签到成功")
    finally:
        context.close()
    assert blocked == []
    # The screen polls its status (static JS, no reload) and shows who arrived.
    expect(page.locator(".js-count")).to_have_text("1", timeout=15_000)
    expect(page.locator(".js-people")).to_contain_text("张三")
