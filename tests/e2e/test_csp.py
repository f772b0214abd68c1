"""The content security policy is enforced by a real browser, and its reports are caught (the `page`
fixture fails any browser test whose pages break it)."""

import pytest

from .browser import watch_csp

pytestmark = pytest.mark.e2e


def test_the_browser_blocks_an_inline_script_and_the_report_is_caught(browser, site, db):
    context = browser.new_context()
    page = context.new_page()
    blocked = watch_csp(page)

    page.goto(site("login"))
    with page.expect_console_message(lambda msg: "Content Security Policy" in msg.text):
        page.evaluate(
            """() => { const s = document.createElement("script"); s.textContent = "window.injected = 1";
                       document.body.appendChild(s); }"""
        )

    assert page.evaluate("() => window.injected") is None
    assert any("script-src" in text for text in blocked), blocked
    context.close()
