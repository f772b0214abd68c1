"""Who may see and change schools and teachers: insiders, look-only roles (403), outsiders (404)."""

import pytest
from django.urls import reverse

from trainees.models import Teacher


def test_anonymous_users_are_sent_to_login(client, world):
    response = client.get(reverse("teacher_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("name", ["school_detail", "school_edit"])
def test_another_countys_staff_gets_404_on_a_school(client_for, world, name):
    assert client_for(world.staff_y).get(reverse(name, args=[world.school_a.pk])).status_code == 404


@pytest.mark.parametrize("name", ["teacher_detail", "teacher_edit", "teacher_transfer"])
def test_another_countys_staff_gets_404_on_a_teacher(client_for, world, name):
    assert client_for(world.staff_y).get(reverse(name, args=[world.teacher_a.pk])).status_code == 404


@pytest.mark.parametrize("name", ["teacher_detail", "teacher_edit", "teacher_transfer"])
def test_another_schools_coordinator_gets_404_on_a_teacher(client_for, world, name):
    assert client_for(world.coord_b).get(reverse(name, args=[world.teacher_a.pk])).status_code == 404


def test_another_schools_coordinator_gets_404_on_the_school(client_for, world):
    assert client_for(world.coord_b).get(reverse("school_detail", args=[world.school_a.pk])).status_code == 404


def test_a_teacher_sees_only_themself(client_for, world):
    client = client_for(world.teacher_user_a)
    assert client.get(reverse("teacher_detail", args=[world.teacher_a.pk])).status_code == 200
    assert client.get(reverse("teacher_detail", args=[world.teacher_b.pk])).status_code == 404
    assert client.get(reverse("teacher_list")).status_code == 403


def test_a_teacher_may_look_but_not_edit_their_record(client_for, world):
    response = client_for(world.teacher_user_a).get(reverse("teacher_edit", args=[world.teacher_a.pk]))
    assert response.status_code == 403


def test_a_coordinator_may_look_at_but_not_edit_their_school(client_for, world):
    client = client_for(world.coord_a)
    assert client.get(reverse("school_detail", args=[world.school_a.pk])).status_code == 200
    assert client.get(reverse("school_edit", args=[world.school_a.pk])).status_code == 403
    assert client.get(reverse("school_create")).status_code == 403


def test_a_coordinator_may_not_transfer_their_teacher(client_for, world):
    response = client_for(world.coord_a).post(
        reverse("teacher_transfer", args=[world.teacher_a.pk]), {"to_school": world.school_b.pk}
    )
    assert response.status_code == 403
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.school == world.school_a


def test_the_teacher_list_shows_only_the_users_scope(client_for, world):
    names = lambda user: {t.name for t in client_for(user).get(reverse("teacher_list")).context["page"]}  # noqa: E731
    assert names(world.staff_x) == {"张三", "李四"}
    assert names(world.coord_a) == {"张三"}
    assert names(world.staff_y) == {"王五"}


def test_a_coordinator_registers_a_teacher_in_their_own_school_only(client_for, world):
    from tests.factories import make_id_number

    client = client_for(world.coord_a)
    data = {"name": "新老师", "id_number": make_id_number(), "school": world.school_b.pk, "post": "teacher"}
    response = client.post(reverse("teacher_create"), data)
    assert response.status_code == 200 and "school" in response.context["form"].errors
    data["school"] = world.school_a.pk
    response = client.post(reverse("teacher_create"), data)
    assert response.status_code == 302
    assert Teacher.objects.get(id_number=data["id_number"]).school == world.school_a


def test_the_teacher_form_refuses_an_invalid_id_number_in_chinese(client_for, world):
    data = {"name": "新老师", "id_number": "320102198506151230", "school": world.school_a.pk, "post": "teacher"}
    response = client_for(world.staff_x).post(reverse("teacher_create"), data)
    assert "身份证号校验位不正确" in response.context["form"].errors["id_number"]


def test_staff_transfer_a_teacher_and_the_history_is_kept(client_for, world):
    client = client_for(world.staff_x)
    response = client.post(
        reverse("teacher_transfer", args=[world.teacher_a.pk]), {"to_school": world.school_b.pk, "note": "交流轮岗"}
    )
    assert response.status_code == 302
    page = client.get(reverse("teacher_detail", args=[world.teacher_a.pk]))
    transfer = page.context["transfers"][0]
    assert (transfer.from_school, transfer.to_school, transfer.actor) == (world.school_a, world.school_b, world.staff_x)


def test_staff_cannot_transfer_a_teacher_to_another_countys_school(client_for, world):
    response = client_for(world.staff_x).post(
        reverse("teacher_transfer", args=[world.teacher_a.pk]), {"to_school": world.school_c.pk}
    )
    assert response.status_code == 200 and "to_school" in response.context["form"].errors


def test_editing_the_school_field_records_a_transfer(client_for, world):
    client = client_for(world.staff_x)
    t = world.teacher_a
    data = {
        "name": t.name,
        "id_number": t.id_number,
        "school": world.school_b.pk,
        "post": "teacher",
        "phone": "13000000000",
    }
    assert client.post(reverse("teacher_edit", args=[t.pk]), data).status_code == 302
    t.refresh_from_db()
    assert t.school == world.school_b and t.transfers.count() == 1


def test_staff_create_a_school_only_in_their_county(client_for, world):
    client = client_for(world.staff_x)
    data = {"code": "N1", "name": "新校", "county": world.county_y.pk, "kind": "village", "area": "rural"}
    assert client.post(reverse("school_create"), data).status_code == 200
    data["county"] = world.county_x.pk
    assert client.post(reverse("school_create"), data).status_code == 302


def test_school_search_finds_by_name(client_for, world):
    response = client_for(world.staff_x).get(reverse("school_list"), {"q": "二小"})
    assert [s.name for s in response.context["page"]] == ["甲县二小"]


def test_teacher_search_by_phone_and_filter_by_school(client_for, world):
    Teacher.objects.filter(pk=world.teacher_b.pk).update(phone="13912345678")
    client = client_for(world.staff_x)
    assert [t.name for t in client.get(reverse("teacher_list"), {"q": "1391234"}).context["page"]] == ["李四"]
    assert [t.name for t in client.get(reverse("teacher_list"), {"school": world.school_a.pk}).context["page"]] == [
        "张三"
    ]


def test_teacher_list_filters_by_township_and_rural_flag(client_for, world):
    Teacher.objects.filter(pk=world.teacher_a.pk).update(is_rural=True)
    client = client_for(world.staff_x)
    rural = client.get(reverse("teacher_list"), {"is_rural": "1"}).context["page"]
    assert [t.name for t in rural] == ["张三"]
    urban = client.get(reverse("teacher_list"), {"is_rural": "0"}).context["page"]
    assert [t.name for t in urban] == ["李四"]
    in_township = client.get(reverse("teacher_list"), {"township": world.township_x.pk}).context["page"]
    assert {t.name for t in in_township} == {"张三", "李四"}
