import pytest
from django.urls import reverse

from . import browser as _browser

# The browser fixtures and the screenshot hook live in a plugin module so a child pytest can load them.
browser = _browser.browser
page = _browser.page
pytest_runtest_makereport = _browser.pytest_runtest_makereport


@pytest.fixture
def site(live_server):
    """`site("teacher_list")` → the live server's absolute URL for a named route."""

    def url(name, *args, query=""):
        return live_server.url + reverse(name, args=args) + (f"?{query}" if query else "")

    return url


def _log_in(page, url: str, username: str, password: str):
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


@pytest.fixture
def login(page, site, settings):
    """Log in through the real login form, as a person would."""

    def as_user(user, password=None):
        return _log_in(page, site("login"), user.username, password or settings.DEMO_PASSWORD)

    return as_user


@pytest.fixture
def phone_login(browser, site, settings):
    """A page in a 390 px touch phone's browser, logged in as `user` through the real form; the
    contexts close at teardown."""
    contexts = []

    def as_user(user, password=None):
        context = browser.new_context(
            locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        contexts.append(context)
        return _log_in(context.new_page(), site("login"), user.username, password or settings.DEMO_PASSWORD)

    yield as_user
    for context in contexts:
        context.close()
