"""The dashboard: headline figures, charts that drill down county → township → school → teachers,
the same numbers as the workbook, every table sortable and exportable."""

import html
import io
import json
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from reports.dashboard import dashboard_data
from tests.factories import EnrolmentFactory, SchoolFactory, SubProjectFactory, TeacherFactory
from tests.factories.reports import CreditTallyFactory


def test_years_without_training_are_left_out_of_the_year_chart_and_said_so(world, records):
    data = dashboard_data(user=world.staff_x, year=2026)["by-year"]
    assert data["labels"] == [2024, 2026]  # 2022, 2023 and 2025 have nothing
    series = {d["label"]: d["data"] for d in data["datasets"]}
    assert series["示范性项目"] == [4, 2]
    assert series["=cmd|' /C calc'!A0"] == [1, 0]
    assert data["note"] == "无培训记录的年度未列出：2022、2023、2025"


def test_the_headline_tiles(world, records):
    tiles = {t["label"]: t["value"] for t in dashboard_data(user=world.staff_x, year=2026)["tiles"]}
    # 2026: a attended (late), d on leave: 1 of 2 places; 2 hours over 4 teachers; 1 of 3 tallies met;
    # 2024–2026: only e has no training
    assert tiles == {
        "参训率": "50.0%",
        "人均学时": "0.5",
        "学分达标率": "33.3%",
        "近3年未参训教师": "1",
        "经费执行率": "—",
    }


def test_a_county_sees_its_townships_and_drills_down_to_schools_and_teachers(world, records):
    county = dashboard_data(user=world.staff_x, year=2024)
    assert county["unit"].level == "county" and county["units"]["labels"] == ["甲镇"]
    # 2024 places of the township: a ×3 (S1 S2 S3), b ×2 (S1 S4); all took part (attended or completed)
    assert county["units"]["rows"][0][2:4] == [5, 5]
    assert county["units"]["links"] == [{"county": world.county_x.pk, "township": world.township_x.pk}]
    township = dashboard_data(user=world.staff_x, year=2024, params={"township": world.township_x.pk})
    assert township["unit"].level == "township"
    assert sorted(township["units"]["labels"]) == ["甲县一小", "甲县二小"]
    school = dashboard_data(user=world.staff_x, year=2024, params={"school": world.school_a.pk})
    assert school["unit"].level == "school" and "units" not in school
    assert {r[0]: r[4] for r in school["teachers"]["rows"]} == {"张三": 3, "赵六": 0}


def test_a_city_office_starts_from_its_counties_and_another_city_finds_nothing(world, records, client_for):
    data = dashboard_data(user=world.city_admin, year=2024)
    assert data["unit"].level == "region" and data["units"]["labels"] == ["甲县"]
    assert (
        client_for(world.city_other).get(reverse("reports:dashboard"), {"county": world.county_x.pk}).status_code == 404
    )
    page = client_for(world.city_staff).get(reverse("reports:dashboard"), {"township": world.township_x.pk})
    assert page.status_code == 200 and "甲镇" in page.content.decode()


def test_another_county_cannot_drill_into_this_one(world, records, client_for):
    client = client_for(world.staff_y)
    for params in ({"township": world.township_x.pk}, {"school": world.school_a.pk}, {"school": "x"}):
        assert client.get(reverse("reports:dashboard"), params).status_code == 404


def test_another_county_sees_none_of_these_numbers(world, records):
    data = dashboard_data(user=world.staff_y, year=2024)
    assert data["credits"]["labels"] == []
    assert {d["label"]: d["data"] for d in data["by-year"]["datasets"]} == {"示范性项目": [1]}


def test_a_long_school_chart_shows_the_top_and_bottom_tens_and_links_the_full_table(world, records):
    program = SubProjectFactory(program__county=world.county_x, program__year=2024).program
    for i in range(25):
        teacher = TeacherFactory(school=SchoolFactory(county=world.county_x, name=f"新校{i:02d}"))
        for j in range(4):
            sub = SubProjectFactory(program=program, name=f"子{i}-{j}")
            EnrolmentFactory(subproject=sub, teacher=teacher, status="completed" if j < i % 5 else "confirmed")
    schools = dashboard_data(user=world.staff_x, year=2024)["schools"]
    assert schools["shortened"] and len(schools["labels"]) == 20
    assert len(schools["rows"]) == 27  # the table keeps every school
    rates = schools["datasets"][0]["data"]
    assert rates == sorted(rates, reverse=True)


def test_the_page_passes_data_in_attributes_and_loads_the_local_libraries(world, records, client_for):
    page = client_for(world.staff_x).get(reverse("reports:dashboard"), {"year": 2024}).content.decode()
    assert "vendor/chartjs/chart.umd.min.js" in page and "reports/tables.js" in page and "cdn" not in page.lower()
    # no script element of the page's own (the CSP audit counts any <script> without src)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    series = [json.loads(html.unescape(s)) for s in re.findall(r'data-series="([^"]*)"', page)]
    # the formula-like category name arrives escaped in the attribute and intact in the data
    assert "=cmd|' /C calc'!A0" in [d["label"] for d in series[0]["datasets"]]
    for slug in ("by-year", "units", "schools", "areas", "credits", "outreach"):
        assert reverse("reports:dashboard_table", args=[slug]) in page


def test_each_table_is_sortable_and_exports_to_a_print_ready_workbook(world, records, client_for):
    client = client_for(world.staff_x)
    page = client.get(reverse("reports:dashboard_table", args=["credits"]), {"year": 2026}).content.decode()
    assert "js-sortable" in page and "甲镇" in page and "33.3%" in page
    response = client.get(reverse("reports:dashboard_table", args=["credits"]), {"year": 2026, "format": "xlsx"})
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert ws["A1"].value == "甲县2026年各乡镇学分达标率"
    assert [c.value for c in ws[3]] == ["甲镇", 3, 1, 0.3333, 60]
    assert ws["D3"].number_format == "0.0%"
    assert ws.auto_filter.ref == "A2:E3" and ws.oddFooter.left.text == "制表单位：甲县"


def test_an_unknown_table_is_not_found(world, client_for):
    assert client_for(world.staff_x).get(reverse("reports:dashboard_table", args=["nope"])).status_code == 404
    # a school has no sub-units to chart
    response = client_for(world.staff_x).get(
        reverse("reports:dashboard_table", args=["units"]), {"school": world.school_a.pk}
    )
    assert response.status_code == 404


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
    # session, user, the county, then one grouped query per tile and chart whatever the rows
    assert count() == baseline
