import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

PASSWORD = settings.DEMO_PASSWORD


@pytest.fixture
def staff(world):
    return world.staff_x


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.1")


def test_login_with_the_right_password_lands_on_home(client, staff):
    response = _login(client, staff.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_login_attempts_are_throttled_after_repeated_failures(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, staff.username, "wrong-password")
    response = _login(client, staff.username, PASSWORD)
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_logout_requires_post_and_ends_the_session(client, staff):
    _login(client, staff.username, PASSWORD)
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_a_password_change_ends_the_users_other_sessions(staff):
    laptop, phone = Client(), Client()
    _login(laptop, staff.username, PASSWORD)
    _login(phone, staff.username, PASSWORD)
    new = "a-much-better-passw0rd"
    response = laptop.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert laptop.get(reverse("home")).status_code == 200
    assert phone.get(reverse("home")).status_code == 302  # sent back to the login page


def test_sessions_expire_after_idle_time_and_are_renewed_on_use():
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 60 * 60


def test_an_idle_session_is_refused(client, staff, settings):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    _login(client, staff.username, PASSWORD)
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    assert client.get(reverse("home")).status_code == 302
