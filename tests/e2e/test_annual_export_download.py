"""An administrator exports the annual summary in a real browser, through a real Celery worker and
Redis broker: the progress bar follows the job to 100 %, the file is downloaded and opens with openpyxl.

(tests/reports/test_export_page_browser.py moves the bar with a job updated by hand and checks the
link's address; this one runs the whole path a person takes, up to the file on disk.)"""

import json
import re

import openpyxl
import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import expect

from programs.models import Level
from reports.models import ExportJob
from tests.factories.programs import CategoryFactory, EnrolmentFactory, ProgramFactory, SubProjectFactory

pytestmark = [pytest.mark.e2e, pytest.mark.celery_worker]


def test_administrator_exports_the_annual_summary_and_opens_the_file(world, login, page, site, celery_broker, tmp_path):
    program = ProgramFactory(county=world.county_x, year=2026, level=Level.COUNTY, category=CategoryFactory())
    sub = SubProjectFactory(program=program)
    EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    EnrolmentFactory(subproject=sub, teacher=world.teacher_b)
    celery_broker.control.purge()  # only this test's job may be waiting for the worker started below
    statuses: list[dict] = []

    def watch_status(route):
        # Read each status answer before the page gets it: the last one makes the page reload at once.
        response = route.fetch()
        statuses.append(json.loads(response.body()))
        route.fulfill(response=response)

    page.route(re.compile(r"/reports/exports/\d+/status/"), watch_status)
    login(world.admin_x)

    page.goto(site("reports:export_list"))
    page.fill("input[name=year_from]", "2026")
    page.fill("input[name=year_to]", "2026")
    page.get_by_role("button", name="开始导出").click()
    expect(page.locator(".alert-success")).to_contain_text("已提交导出请求")
    # No worker yet: the request is stored and queued, and its bar is on the page.
    bar = page.locator(".js-export-progress .progress-bar")
    expect(bar).to_have_text("0%")

    with start_worker(celery_broker, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        download_link = page.get_by_role("link", name="下载")
        expect(download_link).to_be_visible(timeout=60_000)  # the page reloads itself when the job is done

    assert statuses, "the page never polled the job's status"
    assert (statuses[-1]["status"], statuses[-1]["progress"]) == ("done", 100)
    job = ExportJob.objects.get()
    assert (job.status, job.requested_by, job.year_from, job.year_to) == ("done", world.admin_x, 2026, 2026)

    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = openpyxl.load_workbook(saved, read_only=True)
    assert workbook.sheetnames[0] == "年度汇总"
    rows = [row for row in workbook["年度汇总"].iter_rows(values_only=True) if any(row)]
    header = rows[1]
    assert header[:7] == ("年份", "级别", "类别", "子项目数", "参训人次", "参训人数", "备注")
    total = next(row for row in rows if row[0] == "合计")
    assert total[3:6] == (1, 2, 2)  # one sub-project, two confirmed trainees, two teachers
