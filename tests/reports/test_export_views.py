"""The export page: administrators start jobs, county staff look, other counties see nothing."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.models import ExportJob
from reports.services import export_run
from tests.factories.reports import ExportJobFactory

POST = {"year_from": 2024, "year_to": 2026, "not_trained_years": 2, "many_times": 2}


def test_an_administrator_starts_an_export_and_it_is_listed_when_ready(
    world, records, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.admin_x)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:export_list"), POST)
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert (job.requested_by, job.county, job.status) == (world.admin_x, world.county_x, ExportJob.Status.DONE)
    page = client.get(reverse("reports:export_list")).content.decode()
    assert reverse("reports:export_download", args=[job.pk]) in page
    assert "2024—2026" in page and str(world.admin_x) in page


def test_county_staff_may_look_but_not_start_an_export(world, client_for):
    client = client_for(world.staff_x)
    assert client.get(reverse("reports:export_list")).status_code == 200
    assert client.post(reverse("reports:export_list"), POST).status_code == 403
    assert not ExportJob.objects.exists()


def test_a_bad_range_is_shown_on_the_form(world, client_for):
    response = client_for(world.admin_x).post(reverse("reports:export_list"), {**POST, "year_from": 2027})
    assert response.status_code == 200
    assert "起始年度不能晚于截止年度" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_the_status_view_reports_progress_for_the_bar(world, client_for):
    job = ExportJobFactory(county=world.county_x, requested_by=world.admin_x, status="running", progress=40)
    data = client_for(world.staff_x).get(reverse("reports:export_status", args=[job.pk])).json()
    assert data == {"status": "running", "label": "生成中", "progress": 40, "download": None, "error": ""}


def test_running_jobs_carry_the_status_url_the_script_polls(world, client_for):
    job = ExportJobFactory(county=world.county_x, requested_by=world.admin_x)
    page = client_for(world.admin_x).get(reverse("reports:export_list")).content.decode()
    assert f'data-status-url="{reverse("reports:export_status", args=[job.pk])}"' in page
    assert "reports/exports.js" in page
    assert "<script>" not in page  # the CSP forbids inline scripts


def test_download_serves_the_workbook_in_scope_only(world, records, client_for):
    job = export_run(job_id=ExportJobFactory(county=world.county_x, requested_by=world.admin_x).pk)
    response = client_for(world.staff_x).get(reverse("reports:export_download", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert "attachment" in response["Content-Disposition"]
    assert client_for(world.staff_y).get(reverse("reports:export_download", args=[job.pk])).status_code == 404


def test_an_unfinished_job_has_nothing_to_download(world, client_for):
    job = ExportJobFactory(county=world.county_x, requested_by=world.admin_x)
    assert client_for(world.admin_x).get(reverse("reports:export_download", args=[job.pk])).status_code == 404


def test_an_administrator_deletes_an_export_and_its_file(
    world, records, client_for, django_capture_on_commit_callbacks
):
    job = export_run(job_id=ExportJobFactory(county=world.county_x, requested_by=world.admin_x).pk)
    path = job.file.path
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.admin_x).post(reverse("reports:export_delete", args=[job.pk]))
    assert response.status_code == 302
    assert not ExportJob.objects.exists()
    import os

    assert not os.path.exists(path)


def test_staff_cannot_delete_and_another_county_cannot_find_the_export(world, client_for):
    job = ExportJobFactory(county=world.county_x, requested_by=world.admin_x)
    assert client_for(world.staff_x).post(reverse("reports:export_delete", args=[job.pk])).status_code == 403
    assert client_for(world.staff_y).post(reverse("reports:export_delete", args=[job.pk])).status_code == 404
    assert ExportJob.objects.filter(pk=job.pk).exists()


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_export_list_runs_a_fixed_number_of_queries(world, client_for):
    client = client_for(world.admin_x)
    url = reverse("reports:export_list")
    ExportJobFactory(county=world.county_x, requested_by=world.admin_x)
    baseline = _count(client, url)
    for _ in range(10):
        ExportJobFactory(county=world.county_x, requested_by=world.staff_x, status="failed", error="x")
    # session, user, jobs with requester and county joined
    assert _count(client, url) == baseline
    assert baseline <= 3


def test_a_deployment_wide_administrator_chooses_the_county_or_all(
    world, records, client_for, django_capture_on_commit_callbacks
):
    from accounts.models import Role
    from tests.factories import UserFactory

    root = UserFactory(username="root", role=Role.ADMIN, is_superuser=True)
    client = client_for(root)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:export_list"), {**POST, "county": world.county_y.pk})
        client.post(reverse("reports:export_list"), {**POST, "county": ""})
    by_county, everywhere = ExportJob.objects.order_by("pk")
    assert by_county.county == world.county_y and everywhere.county is None
    assert everywhere.download_name == "全部2024-2026年度培训汇总.xlsx"
    page = client.get(reverse("reports:export_list")).content.decode()
    assert "全部县区" in page
