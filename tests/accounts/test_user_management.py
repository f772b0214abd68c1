from django.urls import reverse

from accounts.models import Role, User


def test_an_administrator_lists_only_their_countys_accounts(client_for, world):
    response = client_for(world.admin_x).get(reverse("user_list"))
    names = {u.username for u in response.context["page"]}
    assert {"admin_x", "staff_x", "coord_a", "coord_b", "teacher_a"} <= names
    assert "staff_y" not in names


def test_county_staff_may_not_manage_accounts(client_for, world):
    assert client_for(world.staff_x).get(reverse("user_list")).status_code == 403
    assert client_for(world.staff_x).get(reverse("user_edit", args=[world.coord_a.pk])).status_code == 403


def test_another_countys_account_is_404_for_an_administrator(client_for, world):
    assert client_for(world.admin_x).get(reverse("user_edit", args=[world.staff_y.pk])).status_code == 404


def test_an_administrator_creates_a_coordinator_for_a_school_of_their_county(client_for, world):
    client = client_for(world.admin_x)
    data = {
        "username": "coord_new",
        "role": Role.COORDINATOR,
        "school": world.school_b.pk,
        "password": "a-good-passw0rd-1",
    }
    assert client.post(reverse("user_create"), data).status_code == 302
    user = User.objects.get(username="coord_new")
    assert (user.school, user.county) == (world.school_b, world.county_x)


def test_a_coordinator_account_needs_a_school(client_for, world):
    data = {"username": "coord_new", "role": Role.COORDINATOR, "password": "a-good-passw0rd-1"}
    response = client_for(world.admin_x).post(reverse("user_create"), data)
    assert response.status_code == 200 and "学校联络员必须指定学校" in response.context["form"].errors["school"]


def test_a_teacher_account_is_linked_by_id_number_within_scope(client_for, world):
    client = client_for(world.admin_x)
    data = {
        "username": "t_c",
        "role": Role.TEACHER,
        "teacher_id_number": world.teacher_c.id_number,
        "password": "a-good-passw0rd-1",
    }
    response = client.post(reverse("user_create"), data)
    assert response.status_code == 200 and "teacher_id_number" in response.context["form"].errors
    data.update(username="t_b", teacher_id_number=world.teacher_b.id_number)
    assert client.post(reverse("user_create"), data).status_code == 302
    assert User.objects.get(username="t_b").teacher == world.teacher_b


def test_an_administrator_deactivates_an_account(client_for, world):
    client = client_for(world.admin_x)
    data = {"role": Role.COORDINATOR, "school": world.school_a.pk, "display_name": "", "email": ""}
    assert client.post(reverse("user_edit", args=[world.coord_a.pk]), data).status_code == 302
    world.coord_a.refresh_from_db()
    assert world.coord_a.is_active is False


def test_resetting_a_password_ends_that_users_sessions(client, world):
    from django.test import Client

    victim = Client()
    victim.force_login(world.coord_a)
    assert victim.get(reverse("home")).status_code == 200
    client.force_login(world.admin_x)
    response = client.post(reverse("user_password", args=[world.coord_a.pk]), {"password": "another-good-passw0rd"})
    assert response.status_code == 302
    assert victim.get(reverse("home")).status_code == 302


def test_the_user_list_queries_do_not_grow_with_rows(client_for, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    client = client_for(world.admin_x)
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("user_list"))
    for n in range(10):
        UserFactory(username=f"extra{n}", role=Role.COORDINATOR, school=world.school_b)
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("user_list"))
    # session, user, count, page of users with county/school/teacher joined
    assert len(after.captured_queries) == len(before.captured_queries)
