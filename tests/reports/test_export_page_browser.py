"""In a real browser: the export page's progress bar follows the job, and the file appears when done.

Self-contained (Debian's /usr/bin/chromium through Playwright's sync API), so it runs on this branch
alone; see the note on DJANGO_ALLOW_ASYNC_UNSAFE below.
"""

import os

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from reports import services
from reports.models import ExportJob
from tests.factories.reports import ExportJobFactory

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-chromium.sh", pytrace=False)
    # While Playwright's loop is open Django refuses ORM calls from this thread; the calls are plain
    # synchronous code, so allow them for this test only.
    with pytest.MonkeyPatch.context() as env, sync_playwright() as playwright:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        context = browser.new_context(locale="zh-CN")
        context.set_default_timeout(15_000)
        yield context
        context.close()
        browser.close()
        # ORM calls made while the loop ran used their own connection (Django keys connections by
        # context there); close it, or the test database cannot be dropped at the end.
        connections.close_all()


def _logged_in(context, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context.new_page()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_progress_bar_moves_and_the_finished_export_is_listed(page, live_server, world, records):
    from playwright.sync_api import expect

    job = ExportJobFactory(county=world.county_x, requested_by=world.admin_x, status="running", progress=15)
    tab = _logged_in(page, live_server, world.admin_x)
    tab.goto(live_server.url + reverse("reports:export_list"))
    bar = tab.locator(".js-export-progress .progress-bar")
    expect(bar).to_have_text("15%")
    ExportJob.objects.filter(pk=job.pk).update(progress=60)
    expect(bar).to_have_text("60%")  # the script polled the status view and moved the bar
    if os.environ.get("REPORTS_SCREENSHOT"):
        tab.screenshot(path=os.environ["REPORTS_SCREENSHOT"] + ".export.png", full_page=True)
    services.export_run(job_id=job.pk)
    download = tab.get_by_role("link", name="下载")
    expect(download).to_be_visible()  # the page reloaded itself when the job finished
    assert download.get_attribute("href") == reverse("reports:export_download", args=[job.pk])


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_dashboard_draws_every_chart_with_the_local_library(page, live_server, world, records):
    from playwright.sync_api import expect

    tab = _logged_in(page, live_server, world.staff_x)
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    tab.on("response", lambda r: errors.append(r.url) if r.status >= 400 and "favicon" not in r.url else None)
    tab.goto(live_server.url + reverse("reports:dashboard") + "?year=2024")
    # 2024 has no credit tallies: that chart says so instead of drawing empty axes
    expect(tab.get_by_text("本年度暂无数据")).to_have_count(1)
    expect(tab.locator("canvas.js-chart")).to_have_count(5)
    drawn = tab.evaluate("() => [...document.querySelectorAll('canvas.js-chart')].map(c => !!Chart.getChart(c))")
    assert drawn == [True] * 5
    assert errors == []  # no script error, no CSP violation, no missing asset
    if os.environ.get("REPORTS_SCREENSHOT"):
        tab.screenshot(path=os.environ["REPORTS_SCREENSHOT"], full_page=True)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_report_pages_read_at_desktop_and_phone_width_and_sort_their_tables(page, live_server, world, records):
    """Dashboard, ranking and builder: no horizontal scrolling at 390 px, a click on a header sorts."""
    from playwright.sync_api import expect

    tab = _logged_in(page, live_server, world.city_staff)
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    pages = {
        "dashboard": reverse("reports:dashboard") + "?year=2024",
        "rates": reverse("reports:rates") + "?year=2024&by=school",
        "statistics": reverse("reports:statistics") + "?row_1=school&row_2=gender&columns=person_times&columns=persons"
        "&columns=participation",
    }
    shots = os.environ.get("REPORTS_SCREENSHOT")
    for width in (1280, 390):
        tab.set_viewport_size({"width": width, "height": 900})
        for name, url in pages.items():
            tab.goto(live_server.url + url)
            scroll = tab.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert scroll <= 0, (name, width, scroll)
            if shots:
                tab.screenshot(path=f"{shots}.{name}.{width}.png", full_page=True)
    tab.set_viewport_size({"width": 1280, "height": 900})
    tab.goto(live_server.url + pages["statistics"])
    header = tab.locator("table.js-sortable thead button").nth(2)  # 参训人次
    header.click()
    expect(tab.locator("table.js-sortable th").nth(2)).to_have_attribute("aria-sort", "descending")
    assert errors == []
