"""Searchable pickers: the JSON searches answer within the user's scope, the field resolves what a
person types without JavaScript, and no page renders a select longer than MAX_SELECT_OPTIONS."""

import datetime as dt
import itertools

import pytest
from django.urls import reverse

from core.pickers import ERR_AMBIGUOUS, ERR_NOT_ALLOWED, ERR_NOT_FOUND, PickerField
from outreach.models import TeamPool
from tests.factories import TeacherFactory
from trainees.models import Teacher

_serial = itertools.count(900_000)


def _results(client, name, q=""):
    response = client.get(reverse(name), {"q": q})
    assert response.status_code == 200
    return response.json()["results"]


def test_teacher_search_never_shows_another_countys_teacher(world, client_for):
    TeacherFactory(name="王五二", school=world.school_a)
    texts = [r["text"] for r in _results(client_for(world.staff_x), "picker_teachers", "王五")]
    assert texts == ["甲县一小 · 王五二（" + Teacher.objects.get(name="王五二").masked_id_number + "）"]
    # County Y's 王五 is found by county Y only.
    assert [r["value"] for r in _results(client_for(world.staff_y), "picker_teachers", "王五")] == [
        str(world.teacher_c.pk)
    ]


def test_a_coordinator_searches_only_their_schools_teachers(world, client_for):
    found = {r["value"] for r in _results(client_for(world.coord_a), "picker_teachers")}
    assert found == {str(world.teacher_a.pk)}


def test_offices_above_search_only_their_counties(world, client_for):
    assert {r["value"] for r in _results(client_for(world.city_admin), "picker_teachers")} == {
        str(world.teacher_a.pk),
        str(world.teacher_b.pk),
    }
    assert {r["value"] for r in _results(client_for(world.city_other), "picker_teachers")} == {str(world.teacher_c.pk)}


def test_search_results_never_carry_a_full_id_number(world, client_for):
    body = client_for(world.staff_x).get(reverse("picker_teachers"), {"q": world.teacher_a.id_number}).content
    assert world.teacher_a.id_number.encode() not in body
    assert world.teacher_a.masked_id_number.encode() in body.decode().encode()


def test_school_search_is_scoped(world, client_for):
    assert {r["value"] for r in _results(client_for(world.staff_x), "picker_schools", "一小")} == {
        str(world.school_a.pk)
    }
    assert {r["value"] for r in _results(client_for(world.coord_b), "picker_schools")} == {str(world.school_b.pk)}
    assert {r["value"] for r in _results(client_for(world.staff_y), "picker_schools", "一小")} == {
        str(world.school_c.pk)
    }


def test_member_search_is_scoped_to_the_countys_active_pool(world, client_for):
    ours = TeamPool.objects.create(county=world.county_x, name="赵老师", subject="数学")
    TeamPool.objects.create(county=world.county_x, name="赵退库", is_active=False)
    theirs = TeamPool.objects.create(county=world.county_y, name="赵乙县")
    assert [r["value"] for r in _results(client_for(world.staff_x), "picker_members", "赵")] == [str(ours.pk)]
    assert [r["value"] for r in _results(client_for(world.staff_y), "picker_members", "赵")] == [str(theirs.pk)]
    assert client_for(world.coord_a).get(reverse("picker_members")).status_code == 403


def test_results_are_capped(world, client_for):
    for _ in range(25):
        TeacherFactory(school=world.school_a)
    assert len(_results(client_for(world.staff_x), "picker_teachers")) == 20


# The field without JavaScript ------------------------------------------------------------------


def _field(world):
    return PickerField(kind="teachers", queryset=Teacher.objects.filter(school__county=world.county_x))


def test_the_field_resolves_an_id_a_name_an_id_number_or_a_phone(world):
    world.teacher_b.phone = "13900139000"
    world.teacher_b.save(update_fields=["phone"])
    field = _field(world)
    assert field.clean(str(world.teacher_a.pk)) == world.teacher_a
    assert field.clean("张三") == world.teacher_a
    assert field.clean(world.teacher_a.id_number.lower()) == world.teacher_a
    assert field.clean("13900139000") == world.teacher_b


def test_the_field_refuses_a_record_outside_its_queryset(world):
    field = _field(world)
    with pytest.raises(Exception, match=ERR_NOT_ALLOWED):
        field.clean(str(world.teacher_c.pk))
    with pytest.raises(Exception, match=ERR_NOT_FOUND.format(value="王五")):
        field.clean("王五")


def test_the_field_asks_for_more_when_a_name_is_shared(world):
    TeacherFactory(name="张三", school=world.school_b)
    with pytest.raises(Exception, match=ERR_AMBIGUOUS.format(value="张三")):
        _field(world).clean("张三")


def test_a_nomination_of_another_countys_teacher_writes_nothing(world, client_for):
    from programs import services
    from programs.models import Enrolment
    from tests.factories import CategoryFactory

    program = services.program_create(
        county=world.county_x, year=2026, level="county", category=CategoryFactory(), name="挑选项目"
    )
    sub = services.subproject_create(
        program=program, name="挑选班", start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 9, 2), quota=5
    )
    response = client_for(world.staff_x).post(
        reverse("enrolment_nominate", args=[sub.pk]), {"teacher": world.teacher_c.pk}
    )
    assert response.status_code in (200, 404)
    assert not Enrolment.objects.exists()


def test_without_javascript_a_coordinator_nominates_by_typing_a_name(world, client_for):
    from programs import services
    from programs.models import Enrolment
    from tests.factories import CategoryFactory

    program = services.program_create(
        county=world.county_x, year=2026, level="county", category=CategoryFactory(), name="无脚本项目"
    )
    sub = services.subproject_create(
        program=program, name="无脚本班", start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 9, 2), quota=5
    )
    services.quota_set(subproject=sub, school=world.school_a, quota=2)
    client = client_for(world.coord_a)
    page = client.get(reverse("enrolment_nominate", args=[sub.pk])).content.decode()
    assert 'name="teacher"' in page and "js-picker" in page and "<select" not in page.split('name="teacher"')[0][-200:]
    response = client.post(reverse("enrolment_nominate", args=[sub.pk]), {"teacher": "张三"})
    assert response.status_code == 302
    assert Enrolment.objects.get().teacher == world.teacher_a
    # Another school's teacher typed by name is not found within the coordinator's choices.
    response = client.post(reverse("enrolment_nominate", args=[sub.pk]), {"teacher": "李四"})
    assert response.context["form"].errors["teacher"] == [ERR_NOT_FOUND.format(value="李四")]
