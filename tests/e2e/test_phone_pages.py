"""Phone first: every page a teacher and a coordinator reach from their home page and the menu fits
a 390 × 844 phone without horizontal scrolling, and no table cell is squeezed below two
characters. The pages are found by following links, so pages added later are covered too; a
screenshot of each is kept under test-artifacts/phone/."""

import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve
from playwright.sync_api import expect

from .browser import artifacts_dir, watch_csp

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
# Links are followed this deep from the home page (its figures, lists and the menu are depth 1).
DEPTH = 2
# One page per view is enough to judge its layout; the cap keeps the run short.
PER_VIEW = 1
MAX_PAGES = 70

MEASURE = """() => {
  const doc = document.documentElement;
  const narrow = [];
  for (const cell of document.querySelectorAll("main td, main th")) {
    const head = cell.closest("thead");
    if (head && head.getBoundingClientRect().width <= 1) continue;  // visually hidden on phones
    const box = cell.getBoundingClientRect();
    if (!box.width && !box.height) continue;  // not displayed
    const size = parseFloat(getComputedStyle(cell).fontSize);
    if (box.width < 2 * size) narrow.push(`${cell.tagName} ${Math.round(box.width)}px: ${cell.textContent.trim().slice(0, 20)}`);
  }
  return {scroll: doc.scrollWidth, client: doc.clientWidth, narrow};
}"""


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process


def _login(page, base, username, password):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _links(page, base) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if not href.startswith(base) or parts.path.startswith(("/django-admin/", "/i18n/")):
            continue
        found.append(base + parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _view(url: str, base: str) -> str:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return url


def _crawl(page, base, role) -> list[str]:
    """Visit what the home page and the menu lead to, checking each page; returns what was seen."""
    target = artifacts_dir() / "phone" / role
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.png"):
        old.unlink()
    queue, queued, per_view, seen, problems = deque([(base + "/", 0)]), {base + "/"}, {}, [], []
    while queue and len(seen) < MAX_PAGES:
        url, depth = queue.popleft()
        view = _view(url, base)
        if per_view.get(view, 0) >= PER_VIEW:
            continue
        # Downloads (Excel, calendar files, uploads) are not pages: ask first, then open.
        head = page.request.get(url)
        if head.status != 200 or not head.headers.get("content-type", "").startswith("text/html"):
            continue
        page.goto(url)
        view = _view(page.url, base)  # after any redirect
        if per_view.get(view, 0) >= PER_VIEW:
            continue
        per_view[view] = per_view.get(view, 0) + 1
        measured = page.evaluate(MEASURE)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{len(seen):02d}-{view}")[:80]
        page.screenshot(path=str(target / f"{name}.png"), full_page=True)
        seen.append(view)
        if measured["client"] != PHONE["viewport"]["width"]:  # a page without a phone viewport
            problems.append(f"{url}: laid out {measured['client']} px wide, not for the phone")
        if measured["scroll"] > measured["client"]:
            problems.append(f"{url}: scrolls sideways ({measured['scroll']} > {measured['client']} px)")
        if measured["narrow"]:
            problems.append(f"{url}: cells narrower than two characters: {measured['narrow'][:5]}")
        if depth < DEPTH:
            for link in _links(page, base):
                if link not in queued:
                    queued.add(link)
                    queue.append((link, depth + 1))
    (target / "pages.txt").write_text("\n".join(seen) + "\n")
    assert not problems, "\n".join(problems)
    return seen


@pytest.mark.parametrize("username", ["teacher1", "coord1"])
def test_every_page_a_teacher_or_coordinator_reaches_fits_a_phone(demo, browser, live_server, settings, username):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    blocked = watch_csp(page)
    try:
        _login(page, live_server.url, username, settings.DEMO_PASSWORD)
        assert page.evaluate("() => window.innerWidth") == 390
        seen = _crawl(page, live_server.url, username)
    finally:
        context.close()
    assert not blocked, blocked
    # The crawl really went somewhere: the home page, the calendar and the role's own lists.
    expected = {"home", "desk_calendar"} | (
        {"my_enrolments", "transcript"}
        if username == "teacher1"
        else {"teacher_list", "attendance_sessions", "attendance_grid"}
    )
    assert expected <= set(seen), seen


def test_the_attendance_grid_keeps_each_trainees_buttons_on_one_line(demo, browser, live_server, settings):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        _login(page, live_server.url, "coord1", settings.DEMO_PASSWORD)
        page.goto(live_server.url + "/attendance/?when=today")
        page.get_by_role("link", name="考勤表").first.click()
        groups = page.locator(".grid-statuses")
        expect(groups.first).to_be_visible()
        tops = page.eval_on_selector_all(
            ".grid-statuses",
            "gs => gs.map(g => new Set(Array.from(g.querySelectorAll('label')).map(l => Math.round(l.getBoundingClientRect().top))).size)",
        )
        assert tops and set(tops) == {1}, tops  # five buttons, one line, for every trainee
        labels = page.eval_on_selector_all(".grid-statuses label", "ls => ls.map(l => l.scrollWidth <= l.clientWidth)")
        assert all(labels)  # no button's text is cut
        assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        page.screenshot(path=str(artifacts_dir() / "phone" / "coord1-grid.png"), full_page=False)
    finally:
        context.close()
