"""Browser fixtures for the end-to-end tests: Debian's chromium driven by Playwright's sync API.

Never a Playwright browser download: the tests launch /usr/bin/chromium, which
`scripts/install-chromium.sh` installs (CI runs it). A failing test leaves a screenshot of the page
in `test-artifacts/` (or $E2E_ARTIFACTS). Loaded by tests/e2e/conftest.py, and usable as a plugin
(`-p tests.e2e.browser`) so the screenshot hook itself can be tested.
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_MS = 10_000


def artifacts_dir() -> Path:
    return Path(os.environ.get("E2E_ARTIFACTS", ROOT / "test-artifacts"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def watch_csp(page) -> list[str]:
    """The console reports of everything the content security policy blocked on `page`."""
    blocked: list[str] = []
    page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None)
    return blocked


@pytest.fixture(scope="module")
def browser():
    """One chromium per test module. Not per session: while Playwright's sync API is open, its event
    loop counts as running in this thread, and Django refuses ORM calls from a thread with a running
    loop; so the loop lives only as long as the browser tests, and only they get
    DJANGO_ALLOW_ASYNC_UNSAFE (the ORM calls are synchronous code; the loop only drives the browser).
    It must never leak into other tests: `check --deploy` rightly refuses it."""
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-chromium.sh (CI does)", pytrace=False)
    with pytest.MonkeyPatch.context() as env, sync_playwright() as playwright:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context (no cookies) per test; a screenshot is kept if the test fails."""
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    # The browser itself reports what the content security policy blocked: any such report fails the test.
    blocked = watch_csp(page)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        target = artifacts_dir()
        target.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        page.screenshot(path=str(target / f"{name}.png"), full_page=True)
    context.close()
    if blocked and report is not None and report.passed:
        pytest.fail("the page broke the content security policy:\n" + "\n".join(blocked))


def pick(page, name: str, query: str, label: str) -> None:
    """Choose `label` in the searchable picker of field `name` (core/pickers.py), typing `query`."""
    wrapper = page.locator(f"input[name={name}] ~ .ts-wrapper").first
    wrapper.locator(".ts-control").click()
    wrapper.locator(".ts-control input").fill(query)
    wrapper.locator(".ts-dropdown .option", has_text=label).first.click()
