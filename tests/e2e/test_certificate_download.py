"""A teacher downloads their 结业证书 from 我的培训 in a real browser; scanning is simulated by decoding
the QR code from the image in the PDF and opening its address, which must say 有效. Screenshots of
both pages at desktop and phone width are kept under test-artifacts/certificates/."""

import pytest
from playwright.sync_api import expect

from certificates import services
from tests.certificates.pdfcheck import qr_urls, text_of
from tests.factories.certificates import completed, make_course

from .browser import artifacts_dir

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}


def test_a_teacher_downloads_a_certificate_and_its_qr_code_verifies_it(
    world, login, page, browser, live_server, settings, tmp_path
):
    settings.PUBLIC_BASE_URL = live_server.url  # what the QR code prints
    sub = make_course(world.county_x)
    cert = services.certificate_issue(enrolment=completed(sub, world.teacher_a), actor=world.staff_x)
    shots = artifacts_dir() / "certificates"
    shots.mkdir(parents=True, exist_ok=True)

    login(world.teacher_user_a)
    page.get_by_role("link", name="我的培训", exact=True).click()
    link = page.get_by_role("link", name=f"下载 {cert.serial}")
    expect(link).to_be_visible()
    page.screenshot(path=str(shots / "my-enrolments-desktop.png"), full_page=True)
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / "certificate.pdf"
    info.value.save_as(saved)
    data = saved.read_bytes()
    assert "张三" in text_of(data) and cert.serial in text_of(data)

    (url,) = qr_urls(data)
    assert url.startswith(live_server.url + "/verify/")
    # The phone that scanned it is not signed in.
    phone = browser.new_context(**PHONE)
    try:
        scan = phone.new_page()
        scan.goto(url)
        expect(scan.locator("#cert-status")).to_have_text("有效")
        expect(scan.locator("#cert-holder")).to_have_text("张*")
        assert scan.evaluate("() => document.documentElement.scrollWidth") <= 390
        scan.screenshot(path=str(shots / "verify-phone.png"), full_page=True)
    finally:
        phone.close()
    page.goto(url)
    expect(page.locator("#cert-status")).to_have_text("有效")
    page.screenshot(path=str(shots / "verify-desktop.png"), full_page=True)


def test_the_teachers_certificate_list_fits_a_phone(world, browser, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    sub = make_course(world.county_x)
    cert = services.certificate_issue(enrolment=completed(sub, world.teacher_a), actor=world.staff_x)
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.fill("input[name=username]", world.teacher_user_a.username)
        page.fill("input[name=password]", settings.DEMO_PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(lambda u: "/accounts/login/" not in u)
        page.goto(live_server.url + "/certificates/")
        expect(page.get_by_text(cert.serial)).to_be_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        shots = artifacts_dir() / "certificates"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "my-certificates-phone.png"), full_page=True)
    finally:
        context.close()
