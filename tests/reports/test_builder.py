"""自定义统计: whitelisted dimensions and measures, one grouped query, scoped like every selector."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from reports import builder
from reports.builder import ERR_UNKNOWN_DIMENSION, ERR_UNKNOWN_FILTER, ERR_UNKNOWN_MEASURE, spec_from
from reports.models import SavedStatistic
from reports.selectors import ReportScope
from reports.services import statistic_save


def run(user, **spec):
    return builder.run(spec=spec_from(**spec), scope=ReportScope(user=user))


def test_an_unknown_dimension_measure_or_filter_is_refused_before_any_query(world):
    hostile = "school__name; DROP TABLE trainees_teacher"
    with CaptureQueriesContext(connection) as ctx, pytest.raises(ValidationError) as exc:
        spec_from(rows=[hostile, "year"], columns=["persons", "salary"], filters={"teacher__id_number": "1"})
    assert ctx.captured_queries == []
    errors = exc.value.message_dict
    assert errors["rows"] == [ERR_UNKNOWN_DIMENSION.format(key=hostile)]
    assert errors["columns"] == [ERR_UNKNOWN_MEASURE.format(key="salary")]
    assert errors["filters"] == [ERR_UNKNOWN_FILTER.format(key="teacher__id_number")]


def test_filter_values_are_parsed_and_bad_ones_refused(world):
    with pytest.raises(ValidationError) as exc:
        spec_from(rows=["year"], columns=["persons"], filters={"county": "1 OR 1=1", "stage": "大学", "year_from": 2026,
                                                                 "year_to": 2024})  # fmt: skip
    assert set(exc.value.message_dict) == {"county", "stage", "year_to"}
    spec = spec_from(rows=["year"], columns=["persons"], filters={"county": "7", "stage": "primary", "gender": ""})
    assert spec.filters == (("county", 7), ("stage", "primary"))


def test_rows_and_columns_are_required_and_at_most_three_dimensions(world):
    with pytest.raises(ValidationError) as exc:
        spec_from(rows=[], columns=[])
    assert set(exc.value.message_dict) == {"rows", "columns"}
    with pytest.raises(ValidationError):
        spec_from(rows=["year", "level", "school", "gender"], columns=["persons"])


def test_counts_per_year_match_the_annual_summary(world, records):
    result = run(world.staff_x, rows=["year"], columns=["subprojects", "person_times", "persons", "hours"])
    assert result.headers == ["年度", "子项目数", "参训人次", "参训人数", "学时合计"]
    # 2024: S1–S4 with a and b (5 places); hours of those places: a 3 + 1, b 8; 2026: S5, a and d, a 2 hours
    assert result.rows == [[2024, 4, 5, 2, 12], [2026, 1, 2, 2, 2]]


def test_rates_and_labels_per_school_and_gender(world, records):
    result = run(world.staff_x, rows=["school", "gender"], columns=["participation", "pass", "credit"])
    rows = {(r[0], r[1]): r[2:] for r in result.rows}
    # school A: a (5 places over both years, 4 attended or completed… d's place in S5 was on leave)
    assert set(rows) == {("甲县一小", "男"), ("甲县二小", "男")}
    assert rows[("甲县二小", "男")][0] == 1.0  # b: S1 completed, S4 attended
    assert rows[("甲县一小", "男")][0] == 0.8  # a ×4 all took part, d's one place did not


def test_the_run_is_one_grouped_query(world, records):
    spec = spec_from(rows=["county", "age_band", "education"], columns=list(builder.MEASURES))
    with CaptureQueriesContext(connection) as ctx:
        builder.run(spec=spec, scope=ReportScope(user=world.staff_x))
    assert len(ctx.captured_queries) == 1
    assert "GROUP BY" in ctx.captured_queries[0]["sql"]


def test_another_county_and_another_city_see_none_of_these_places(world, records):
    spec = {"rows": ["county"], "columns": ["person_times"]}
    assert run(world.staff_y, **spec).rows == [["乙县", 1]]
    assert run(world.city_other, **spec).rows == [["乙县", 1]]
    assert run(world.city_admin, **spec).rows == [["甲县", 7]]
    assert sorted(run(world.province_staff, **spec).rows) == [["乙县", 1], ["甲县", 7]]
    assert run(world.coord_a, **spec).rows == []  # coordinators do not run reports


def test_a_filter_narrows_the_places(world, records):
    result = run(world.staff_x, rows=["year"], columns=["person_times"], filters={"school": world.school_b.pk})
    assert result.rows == [[2024, 2]]


def test_the_page_runs_sorts_exports_and_saves_for_the_county(world, records, client_for):
    client = client_for(world.staff_x)
    query = {"row_1": "school", "columns": ["person_times", "persons"], "year_from": 2024}
    page = client.get(reverse("reports:statistics"), query)
    assert page.status_code == 200 and "js-sortable" in page.content.decode()
    assert "甲县一小" in page.content.decode()
    xlsx = client.get(reverse("reports:statistics"), {**query, "format": "xlsx"})
    ws = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert [c.value for c in ws[2]] == ["学校", "参训人次", "参训人数"]
    response = client.post(reverse("reports:statistics") + "?row_1=school&columns=persons", {"name": "各校参训人数"})
    saved = SavedStatistic.objects.get()
    assert response.status_code == 302 and saved.county == world.county_x and saved.rows == ["school"]
    # the county's other staff find it; another county does not
    assert "各校参训人数" in client_for(world.admin_x).get(reverse("reports:statistics")).content.decode()
    assert client_for(world.staff_y).get(reverse("reports:statistics"), {"saved": saved.pk}).status_code == 404


def test_an_unknown_dimension_in_the_page_is_a_clear_error_not_a_crash(world, client_for):
    page = client_for(world.staff_x).get(reverse("reports:statistics"), {"row_1": "id_number", "columns": "persons"})
    assert page.status_code == 200
    assert "选择一个有效的选项" in page.content.decode() or "未知的统计维度" in page.content.decode()


def test_a_saved_statistic_is_checked_again_and_belongs_to_the_office(world):
    spec = spec_from(rows=["county"], columns=["persons"])
    saved = statistic_save(user=world.city_staff, name="各县参训人数", spec=spec)
    assert saved.region == world.city_x and saved.county is None
    again = statistic_save(
        user=world.city_admin, name="各县参训人数", spec=spec_from(rows=["year"], columns=["persons"])
    )
    assert again.pk == saved.pk and again.rows == ["year"]
    with pytest.raises(ValidationError):
        statistic_save(user=world.coord_a, name="x", spec=spec)


def test_deleting_is_for_the_owning_unit_only(world, client_for):
    saved = statistic_save(user=world.staff_x, name="甲县统计", spec=spec_from(rows=["year"], columns=["persons"]))
    url = reverse("reports:statistic_delete", args=[saved.pk])
    assert client_for(world.city_admin).post(url).status_code == 403  # reads the county's, deletes none
    assert client_for(world.staff_y).post(url).status_code == 404
    assert client_for(world.admin_x).post(url).status_code == 302
    assert not SavedStatistic.objects.exists()
