"""Each demo login's 待办 home page in a real browser, desktop and phone: every figure is a link that
opens a page, and a screenshot per role is kept under test-artifacts/homes/ (docs/ holds copies)."""

import pytest
from django.core.management import call_command

from .browser import artifacts_dir, watch_csp

pytestmark = pytest.mark.e2e

ROLES = ("staff", "coord1", "teacher1", "city_admin")
SIZES = {"desktop": {"width": 1100, "height": 760}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.parametrize("username", ROLES)
def test_each_roles_home_page_shows_its_figures_as_links(demo, browser, live_server, settings, username):
    target = artifacts_dir() / "homes"
    target.mkdir(parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        context = browser.new_context(locale="zh-CN", viewport=viewport, is_mobile=size == "phone")
        page = context.new_page()
        blocked = watch_csp(page)
        try:
            page.goto(live_server.url + "/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", settings.DEMO_PASSWORD)
            page.click("form button[type=submit]")
            page.wait_for_url(live_server.url + "/")
            page.screenshot(path=str(target / f"home-{username}-{size}.png"), full_page=size == "phone")
            figures = page.eval_on_selector_all("a.desk-figure", "as => as.map(a => a.getAttribute('href'))")
            if username == "city_admin":
                assert page.locator("#desk-counties tbody tr").count() >= 1
            else:
                assert figures, "a home page without figures"
            for href in figures:
                if href.startswith("#"):
                    assert page.locator(href).count() == 1, href  # the list the figure points to is on the page
                else:
                    assert page.request.get(live_server.url + href).status == 200, href
        finally:
            context.close()
        assert not blocked, blocked
