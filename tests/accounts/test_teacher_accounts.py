"""Teacher accounts in bulk: opened from the registry with a sheet of generated passwords, log in
with 身份证号 or 手机号, change the password at first login, reset by their coordinator."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services
from accounts.models import Role, User
from tests.factories import TeacherFactory, UserFactory

CREATE = "teacher_accounts_create"
RESET = "teacher_passwords_reset"


def _sheet_passwords(response) -> dict[str, str]:
    """username → password, read off the printed sheet in the response's context."""
    return {user.username: password for user, password in response.context["rows"]}


def _login(client, identifier, password):
    return client.post(reverse("login"), {"username": identifier, "password": password}, REMOTE_ADDR="10.0.0.9")


def test_an_administrator_opens_accounts_and_gets_each_password_once(client_for, world):
    response = client_for(world.admin_x).post(reverse(CREATE), {"ids": [world.teacher_b.pk]})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]
    passwords = _sheet_passwords(response)
    user = User.objects.get(teacher=world.teacher_b)
    assert (user.role, user.county, user.must_change_password) == (Role.TEACHER, world.county_x, True)
    assert user.check_password(passwords[user.username])
    assert passwords[user.username] in response.content.decode()
    assert world.teacher_b.id_number not in response.content.decode()  # masked on the sheet


def test_the_page_lists_only_teachers_without_an_account_and_filters_by_school(client_for, world):
    client = client_for(world.admin_x)
    page = client.get(reverse(CREATE)).content.decode()
    assert world.teacher_b.name in page and world.teacher_a.name not in page  # teacher A has a login
    assert world.teacher_c.name not in page  # another county
    other = TeacherFactory(school=world.school_a, name="赵六")
    filtered = client.get(reverse(CREATE), {"school": world.school_b.pk}).content.decode()
    assert world.teacher_b.name in filtered and other.name not in filtered


def test_another_countys_teacher_in_the_post_writes_nothing_and_answers_404(client_for, world):
    response = client_for(world.admin_x).post(reverse(CREATE), {"ids": [world.teacher_b.pk, world.teacher_c.pk]})
    assert response.status_code == 404
    assert not User.objects.filter(teacher__in=[world.teacher_b, world.teacher_c]).exists()


def test_a_teacher_who_already_has_an_account_is_not_in_scope_of_the_page(client_for, world):
    response = client_for(world.admin_x).post(reverse(CREATE), {"ids": [world.teacher_b.pk, world.teacher_a.pk]})
    assert response.status_code == 404
    assert not User.objects.filter(teacher=world.teacher_b).exists()


def test_the_service_refuses_the_whole_batch_when_one_teacher_has_an_account(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.teacher_accounts_create(teachers=[world.teacher_b, world.teacher_a], actor=world.admin_x)
    assert services.ERR_ROW.format(name=world.teacher_a.name, message=services.ERR_TEACHER_HAS_ACCOUNT) in str(
        exc.value
    )
    assert not User.objects.filter(teacher=world.teacher_b).exists()


def test_county_staff_and_coordinators_may_not_open_accounts(client_for, world):
    for user in (world.staff_x, world.coord_b):
        assert Client().get(reverse(CREATE)).status_code == 302
        assert client_for(user).post(reverse(CREATE), {"ids": [world.teacher_b.pk]}).status_code == 403
    assert not User.objects.filter(teacher=world.teacher_b).exists()


def _opened(world, teacher):
    ((user, password),) = services.teacher_accounts_create(teachers=[teacher], actor=world.admin_x)
    return user, password


def test_a_teacher_logs_in_with_the_id_number_or_the_phone_number(world):
    teacher = TeacherFactory(school=world.school_b, phone="13912345678")
    _user, password = _opened(world, teacher)
    assert _login(Client(), teacher.id_number.lower(), password).status_code == 302
    assert _login(Client(), "139 1234 5678", password).status_code == 302
    assert _login(Client(), teacher.id_number, "wrong-password").status_code == 200


def test_a_phone_number_two_teachers_share_logs_nobody_in(world):
    first = TeacherFactory(school=world.school_b, phone="13700000000")
    second = TeacherFactory(school=world.school_a, phone="13700000000")
    _user, password = _opened(world, first)
    _opened(world, second)
    assert _login(Client(), "13700000000", password).status_code == 200
    assert _login(Client(), first.id_number, password).status_code == 302


def test_failed_logins_with_an_id_number_are_locked_out_by_axes(world, settings):
    teacher = TeacherFactory(school=world.school_b)
    _user, password = _opened(world, teacher)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, teacher.id_number, "wrong-password")
    assert _login(client, teacher.id_number, password).status_code == 429


def test_failures_by_id_number_and_by_phone_count_against_one_account_and_store_no_id(world, settings):
    from axes.models import AccessAttempt, AccessFailureLog

    teacher = TeacherFactory(school=world.school_b, phone="13912345678")
    user, password = _opened(world, teacher)
    client = Client()
    for typed in [teacher.id_number, "13912345678"] * settings.AXES_FAILURE_LIMIT:
        _login(client, typed, "wrong-password")
    # locked under the account's own name, whichever identifier comes next
    assert _login(client, user.username, password).status_code == 429
    unknown = "11010519491231002X"
    _login(Client(), unknown, "wrong-password")
    stored = [*AccessAttempt.objects.values_list("username", flat=True)]
    stored += [*AccessFailureLog.objects.values_list("username", flat=True)]
    assert user.username in stored
    assert not any(teacher.id_number in s or unknown in s or "13912345678" in s for s in stored)


def test_the_first_login_leads_to_the_password_change_and_nothing_else(world):
    teacher = TeacherFactory(school=world.school_b)
    user, password = _opened(world, teacher)
    client = Client()
    response = _login(client, teacher.id_number, password)
    assert client.get(reverse("home")).url == reverse("password_change")
    assert client.get(reverse("my_enrolments")).url == reverse("password_change")
    assert client.get(reverse("password_change")).status_code == 200
    new = "a-much-better-passw0rd"
    response = client.post(
        reverse("password_change"), {"old_password": password, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(new)
    assert client.get(reverse("home")).status_code == 200


def test_initial_passwords_use_the_cheaper_hasher_and_are_upgraded_at_login(world, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "accounts.hashers.InitialPasswordHasher",
    ]
    teacher = TeacherFactory(school=world.school_b)
    user, password = _opened(world, teacher)
    assert identify_hasher(user.password).algorithm == "pbkdf2_sha256_initial"
    assert _login(Client(), teacher.id_number, password).status_code == 302
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "md5"  # the preferred hasher


# Coordinators reset their own teachers' passwords


def test_a_coordinator_resets_own_teachers_passwords(client_for, world):
    old = User.objects.get(teacher=world.teacher_a).password
    response = client_for(world.coord_a).post(reverse(RESET), {"ids": [world.teacher_user_a.pk]})
    assert response.status_code == 200
    password = _sheet_passwords(response)[world.teacher_user_a.username]
    user = User.objects.get(pk=world.teacher_user_a.pk)
    assert user.password != old and user.check_password(password) and user.must_change_password


def test_another_schools_teacher_in_the_reset_writes_nothing_and_answers_404(client_for, world):
    other, _password = _opened(world, world.teacher_b)
    before = {u.pk: u.password for u in User.objects.filter(pk__in=[other.pk, world.teacher_user_a.pk])}
    response = client_for(world.coord_a).post(reverse(RESET), {"ids": [world.teacher_user_a.pk, other.pk]})
    assert response.status_code == 404
    after = {u.pk: u.password for u in User.objects.filter(pk__in=before)}
    assert after == before


def test_a_coordinator_cannot_reset_a_staff_account(client_for, world):
    assert client_for(world.coord_a).post(reverse(RESET), {"ids": [world.staff_x.pk]}).status_code == 404


def test_the_reset_page_lists_only_the_coordinators_teachers(client_for, world):
    _opened(world, world.teacher_b)
    page = client_for(world.coord_a).get(reverse(RESET)).content.decode()
    assert world.teacher_user_a.username in page and f"t{world.teacher_b.pk}" not in page


# Queries: the same at 5 and 50 rows


def _post_count(client, url, ids):
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, {"ids": ids})
    assert response.status_code == 200 and response.context["rows"]
    return len(ctx.captured_queries)


def test_opening_accounts_queries_do_not_grow_with_rows(client_for, world):
    client = client_for(world.admin_x)
    counts = []
    for n in (5, 50):
        teachers = [TeacherFactory(school=world.school_b) for _ in range(n)]
        counts.append(_post_count(client, reverse(CREATE), [t.pk for t in teachers]))
        assert User.objects.filter(teacher__in=teachers).count() == n
    assert counts[0] == counts[1]


def test_resetting_passwords_queries_do_not_grow_with_rows(client_for, world):
    client = client_for(world.coord_a)
    counts = []
    for n in (5, 50):
        teachers = [TeacherFactory(school=world.school_a) for _ in range(n)]
        users = [UserFactory(role=Role.TEACHER, teacher=t) for t in teachers]
        counts.append(_post_count(client, reverse(RESET), [u.pk for u in users]))
    assert counts[0] == counts[1]
