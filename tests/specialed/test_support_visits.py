"""送教上门 and 巡回指导: recorded by the visiting school, children by code only, counted per school,
township and year."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from specialed import selectors, services
from specialed.models import SupportVisit
from tests.factories.registry import SchoolFactory, TeacherFactory, TownshipFactory
from tests.factories.specialed import make_home_visit, make_itinerant_visit

ID_NUMBER = re.compile(r"\d{17}[\dX]")


def _form(world, **overrides):
    data = {
        "school": world.school_a.pk,
        "kind": "home",
        "date": "2026-05-10",
        "teachers": [world.teacher_a.pk],
        "township": world.township_x.pk,
        "child_code": "QS-2026-07",
        "hours": "2",
        "contents": ["skills", "mental"],
        "notes": "完成个别化训练计划第二单元",
    }
    data.update(overrides)
    return data


def test_a_coordinator_records_a_home_visit_of_their_school(world, client_for):
    response = client_for(world.coord_a).post(reverse("specialed_visit_create"), _form(world))
    assert response.status_code == 302
    visit = SupportVisit.objects.get()
    assert (visit.school, visit.child_code, visit.county) == (world.school_a, "QS-2026-07", world.county_x)
    assert list(visit.teachers.all()) == [world.teacher_a]
    assert visit.created_by == world.coord_a


def test_a_coordinator_cannot_record_for_another_school(world, client_for):
    response = client_for(world.coord_b).post(reverse("specialed_visit_create"), _form(world))
    assert response.status_code == 200 and not SupportVisit.objects.exists()
    assert "school" in response.context["form"].errors


def test_another_schools_coordinator_gets_404_and_county_staff_see_all(world, client_for):
    visit = make_home_visit(school=world.school_a, teachers=[world.teacher_a])
    url = reverse("specialed_visit_detail", args=[visit.pk])
    assert client_for(world.coord_b).get(url).status_code == 404
    assert client_for(world.staff_y).get(url).status_code == 404
    assert client_for(world.coord_a).get(url).status_code == 200
    assert client_for(world.staff_x).get(url).status_code == 200
    b_visit = make_home_visit(school=world.school_b, teachers=[world.teacher_b], child_code="QS-002")
    listed = client_for(world.coord_a).get(reverse("specialed_visit_list")).context["page"]
    assert [v.pk for v in listed] == [visit.pk]
    listed = client_for(world.staff_x).get(reverse("specialed_visit_list")).context["page"]
    assert {v.pk for v in listed} == {visit.pk, b_visit.pk}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("child_code", "320102200801011234"),  # an ID number
        ("child_code", "张小明"),  # a name
        ("child_code", ""),  # a home visit needs its code
        ("notes", "儿童身份证 32010220080101123X"),
    ],
)
def test_anything_but_a_code_about_a_child_is_refused(world, client_for, field, value):
    response = client_for(world.coord_a).post(reverse("specialed_visit_create"), _form(world, **{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not SupportVisit.objects.exists()


def test_the_service_refuses_an_id_number_as_a_code(world):
    with pytest.raises(ValidationError) as exc:
        make_home_visit(school=world.school_a, teachers=[world.teacher_a], child_code="320102200801011234")
    assert services.ERR_ID_LIKE in str(exc.value)


def test_the_record_keeps_no_field_about_a_child_but_its_code():
    fields = {f.name for f in SupportVisit._meta.get_fields()}
    assert not fields & {"child_name", "name", "id_number", "diagnosis", "disability", "birth_date", "gender"}


def test_no_page_or_export_shows_anything_about_a_child_but_its_code(world, client_for):
    make_home_visit(school=world.school_a, teachers=[world.teacher_a], township=world.township_x, child_code="QS-7")
    make_itinerant_visit(school=world.school_a, teachers=[world.teacher_a], target_school=world.school_b)
    client = client_for(world.staff_x)
    pages = [
        client.get(reverse(name)).content.decode()
        for name in ("specialed_visit_list", "specialed_stats", "specialed_report")
    ]
    pages.append(
        client.get(reverse("specialed_visit_detail", args=[SupportVisit.objects.get(kind="home").pk])).content.decode()
    )
    export = client.get(reverse("specialed_visit_export"))
    cells = [
        str(c)
        for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]
    assert "QS-7" in pages[0] and "QS-7" in pages[-1] and "QS-7" in cells
    for text in [*pages, *cells]:
        assert not ID_NUMBER.search(text)  # no ID number, the children's or the teachers'
    headers = set(cells[: len(cells)])
    assert not headers & {"儿童姓名", "姓名", "身份证号", "诊断", "残疾类别"}


def test_statistics_per_school_township_and_year(world):
    other_town = TownshipFactory(name="乙镇", parent=world.county_x)
    far = SchoolFactory(name="乙镇小学", county=world.county_x, township=other_town)
    second = TeacherFactory(school=world.school_a)
    make_home_visit(school=world.school_a, teachers=[world.teacher_a, second], township=world.township_x, hours=2)
    make_home_visit(school=world.school_a, teachers=[world.teacher_a], township=other_town, child_code="QS-2")
    make_itinerant_visit(school=world.school_b, teachers=[world.teacher_b], target_school=far, hours=3)
    make_home_visit(school=world.school_a, teachers=[second], date=dt.date(2025, 11, 2), child_code="QS-3")
    make_home_visit(school=world.school_c, teachers=[world.teacher_c], child_code="QS-9")  # county Y

    by_school = selectors.support_visit_stats(user=world.staff_x, year=2026, by="school")
    assert [(r.label, r.visits, r.person_times, r.hours, r.teacher_hours) for r in by_school] == [
        ("甲县一小", 2, 3, Decimal(4), Decimal(6)),
        ("甲县二小", 1, 1, Decimal(3), Decimal(3)),
    ]
    by_township = selectors.support_visit_stats(user=world.staff_x, year=2026, by="township")
    assert [(r.label, r.visits, r.person_times) for r in by_township] == [("乙镇", 2, 2), ("甲镇", 1, 2)]
    by_year = selectors.support_visit_stats(user=world.staff_x, by="year")
    assert [(r.label, r.visits, r.person_times) for r in by_year] == [("2025", 1, 1), ("2026", 3, 4)]
    mine = selectors.support_visit_stats(user=world.coord_b, year=2026, by="school")
    assert [(r.label, r.visits) for r in mine] == [("甲县二小", 1)]


def test_each_teachers_visit_hours_for_a_credit_rule(world):
    second = TeacherFactory(school=world.school_a)
    make_home_visit(school=world.school_a, teachers=[world.teacher_a, second], hours=2)
    make_itinerant_visit(school=world.school_a, teachers=[world.teacher_a], target_school=world.school_b, hours=3)
    make_home_visit(school=world.school_a, teachers=[second], date=dt.date(2025, 3, 1), child_code="QS-3")
    hours = selectors.teacher_visit_hours(year=2026, county_id=world.county_x.pk)
    assert hours == {world.teacher_a.pk: Decimal(5), second.pk: Decimal(2)}


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_and_statistics_queries_do_not_grow_with_rows(world, client_for):
    client = client_for(world.staff_x)
    make_home_visit(school=world.school_a, teachers=[world.teacher_a])
    list_url, stats_url = reverse("specialed_visit_list"), reverse("specialed_stats")
    list_base, stats_base = _count(client, list_url), _count(client, stats_url)
    for i in range(6):
        teachers = [TeacherFactory(school=world.school_b), world.teacher_a]
        make_itinerant_visit(
            school=world.school_b, teachers=teachers, target_school=world.school_a, class_name=f"{i}班"
        )
    # list: session, user, count, page of visits with schools and township, their teachers
    assert _count(client, list_url) == list_base <= 5
    # statistics: session, user, and per grouping (school, township, year) the visits and the teachers
    assert _count(client, stats_url) == stats_base <= 8
