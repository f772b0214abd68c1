"""The import pages as a county clerk uses them, on a desktop and on a 390 px phone: a preview with
problems and its error workbook, and the progress page of a large file that turns into its preview."""

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from core import services
from core.models import ImportUpload
from tests.factories import make_id_number
from tests.xlsx import make_xlsx

from .browser import artifacts_dir, watch_csp

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def _shot(page, name: str) -> None:
    target = artifacts_dir()
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"import_{name}.png"), full_page=True)


def _phone(browser, live_server, user, settings):
    context = browser.new_context(locale="zh-CN", **PHONE)
    phone = context.new_page()
    phone.goto(live_server.url + "/accounts/login/")
    phone.fill("input[name=username]", user.username)
    phone.fill("input[name=password]", settings.DEMO_PASSWORD)
    phone.click("form button[type=submit]")
    phone.wait_for_url(lambda url: "/accounts/login/" not in url)
    return context, phone


def test_a_preview_with_problems_reads_well_and_offers_the_error_workbook(
    world, login, page, site, tmp_path, browser, live_server, settings
):
    path = tmp_path / "教师名单.xlsx"
    make_xlsx(
        [
            ["姓名", "身份证号", "性别", "手机号", "学校", "学段"],
            ["孙八", 3.699011987070724e17, "男", "1380000", world.school_a.code, "大学"],
            ["周九", make_id_number(), "女", "13907310001", "不存在的学校", "小学"],
            ["吴十", make_id_number(), "男", "0731-84123456", world.school_a.code, "初中"],
        ],
        path=path,
    )
    login(world.staff_x)
    page.goto(site("import_upload", "teachers"))
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator(".alert-danger")).to_contain_text("发现 5 个问题")
    expect(page.locator("main")).to_contain_text("身份证号被表格软件转成了数字")
    _shot(page, "preview_desktop")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载错误工作簿（标出每个问题）").click()
    assert download.value.suggested_filename == "教师名单-错误.xlsx"

    context, phone = _phone(browser, live_server, world.staff_x, settings)
    blocked = watch_csp(phone)
    try:
        phone.goto(page.url)
        expect(phone.locator(".alert-danger")).to_contain_text("发现 5 个问题")
        _no_horizontal_scroll(phone)
        _shot(phone, "preview_phone")
    finally:
        context.close()
    assert blocked == []


def test_the_progress_page_turns_into_the_preview_when_the_check_ends(
    world, login, page, site, browser, live_server, settings
):
    record = ImportUpload(
        kind="teachers",
        original_name="全县教师.xlsx",
        size=10,
        uploaded_by=world.staff_x,
        county=world.county_x,
        status=ImportUpload.Status.PARSING,
        progress=40,
    )
    rows = [["姓名", "身份证号", "学校"]] + [[f"教师{i}", make_id_number(), world.school_a.code] for i in range(3)]
    record.file.save("upload.bin", ContentFile(make_xlsx(rows)), save=True)
    login(world.staff_x)
    page.goto(site("import_preview", "teachers", record.pk))
    expect(page.get_by_role("progressbar")).to_contain_text("40%")
    _shot(page, "progress_desktop")

    context, phone = _phone(browser, live_server, world.staff_x, settings)
    try:
        phone.goto(page.url)
        expect(phone.get_by_role("progressbar")).to_be_visible()
        _no_horizontal_scroll(phone)
        _shot(phone, "progress_phone")
    finally:
        context.close()

    services.import_upload_check(record_id=record.pk)  # the worker finishes
    expect(page.locator("h1")).to_contain_text("预览", timeout=15_000)
    expect(page.locator("main")).to_contain_text("共 3 行：新增 3")
