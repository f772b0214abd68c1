"""The dashboard: the same numbers as the workbook, as chart data and as tables."""

import html
import json
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.dashboard import dashboard_data
from tests.factories import EnrolmentFactory, SchoolFactory, SubProjectFactory, TeacherFactory
from tests.factories.reports import CreditTallyFactory


def test_person_times_by_year_and_category(world, records):
    data = dashboard_data(user=world.staff_x, year=2026)["by-year"]
    assert data["labels"] == [2022, 2023, 2024, 2025, 2026]
    series = {d["label"]: d["data"] for d in data["datasets"]}
    assert series["示范性项目"] == [0, 0, 4, 0, 2]
    assert series["=cmd|' /C calc'!A0"] == [0, 0, 1, 0, 0]


def test_participation_by_township_and_area_in_a_year(world, records):
    data = dashboard_data(user=world.staff_x, year=2024)
    assert data["townships"]["labels"] == ["甲镇"]
    # 2024: a and b trained out of 4 teachers
    assert data["townships"]["datasets"][0]["data"] == [0.5]
    assert data["areas"]["labels"] == ["城区", "乡村"]
    assert data["areas"]["datasets"][0]["data"] == [0.5, 0.5]


def test_credit_compliance_and_outreach_progress(world, records):
    data = dashboard_data(user=world.staff_x, year=2026)
    assert data["credits"]["labels"] == ["甲县一小", "甲县二小"]
    assert data["credits"]["datasets"][0]["data"] == [0.5, 0.0]
    outreach = dashboard_data(user=world.staff_x, year=2024)["outreach"]
    assert outreach["labels"] == ["2024 数学"] and outreach["datasets"][0]["data"] == [0.5]


def test_another_county_sees_none_of_these_numbers(world, records):
    data = dashboard_data(user=world.staff_y, year=2024)
    assert data["townships"]["labels"] == ["未划分乡镇"]  # county Y's school C has no township
    assert data["credits"]["labels"] == []
    assert {d["label"]: d["data"] for d in data["by-year"]["datasets"]} == {"示范性项目": [0, 0, 0, 0, 1]}


def test_the_page_passes_data_in_attributes_and_loads_the_local_chart_library(world, records, client_for):
    page = client_for(world.staff_x).get(reverse("reports:dashboard"), {"year": 2024}).content.decode()
    assert "vendor/chartjs/chart.umd.min.js" in page and "cdn" not in page.lower()
    # no script element of the page's own (the CSP audit counts any <script> without src)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    series = [json.loads(html.unescape(s)) for s in re.findall(r'data-series="([^"]*)"', page)]
    assert series[1]["labels"] == ["甲镇"]
    # the formula-like category name arrives escaped in the attribute and intact in the data
    assert "=cmd|' /C calc'!A0" in [d["label"] for d in series[0]["datasets"]]
    # every chart links to its table
    for slug in ("by-year", "townships", "areas", "credits", "outreach"):
        assert reverse("reports:dashboard_table", args=[slug]) in page


def test_each_table_shows_the_rows_behind_its_chart(world, records, client_for):
    page = client_for(world.staff_x).get(reverse("reports:dashboard_table", args=["credits"]), {"year": 2026})
    text = page.content.decode()
    assert "甲县一小" in text and "50.0%" in text and "甲县二小" in text


def test_an_unknown_table_is_not_found(world, client_for):
    assert client_for(world.staff_x).get(reverse("reports:dashboard_table", args=["nope"])).status_code == 404


def test_the_dashboard_runs_a_fixed_number_of_queries(world, records, client_for):
    client = client_for(world.staff_x)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("reports:dashboard"), {"year": 2026}).status_code == 200
        return len(ctx.captured_queries)

    baseline = count()
    for _ in range(5):
        school = SchoolFactory(county=world.county_x)
        teacher = TeacherFactory(school=school)
        EnrolmentFactory(subproject=SubProjectFactory(program__county=world.county_x), teacher=teacher)
        CreditTallyFactory(teacher=teacher, met=True)
    assert count() == baseline
