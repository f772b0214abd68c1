import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

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


def _stored_session():
    from django.contrib.sessions.models import Session

    (session,) = Session.objects.all()
    return session


def _age_session(seconds):
    """Move the stored session `seconds` into the past: its renewal stamp and its expiry."""
    from django.contrib.sessions.backends.db import SessionStore

    from core.sessions import RENEWED_KEY

    row = _stored_session()
    store = SessionStore(session_key=row.session_key)
    store[RENEWED_KEY] -= seconds
    store.save()
    type(row).objects.filter(pk=row.pk).update(expire_date=row.expire_date - timezone.timedelta(seconds=seconds))


def test_idle_timeout_is_short():
    assert 0 < settings.SESSION_COOKIE_AGE <= 60 * 60
    assert 0 < settings.SESSION_RENEW_SECONDS < settings.SESSION_COOKIE_AGE / 10


def test_a_session_in_use_is_not_rewritten_on_every_request(client, staff):
    _login(client, staff.username, PASSWORD)
    stored = _stored_session().expire_date
    client.get(reverse("home"))
    assert _stored_session().expire_date == stored


def test_a_session_in_use_slides_its_expiry_once_the_renewal_interval_passed(client, staff, settings):
    _login(client, staff.username, PASSWORD)
    _age_session(settings.SESSION_RENEW_SECONDS + 1)
    aged = _stored_session().expire_date
    assert client.get(reverse("home")).status_code == 200
    renewed = _stored_session().expire_date
    assert renewed - aged >= timezone.timedelta(seconds=settings.SESSION_RENEW_SECONDS)
    assert abs(renewed - timezone.now() - timezone.timedelta(seconds=settings.SESSION_COOKIE_AGE)).total_seconds() < 5


def test_a_stale_cookie_creates_no_session(client, staff):
    from django.contrib.sessions.models import Session

    _login(client, staff.username, PASSWORD)
    Session.objects.all().delete()
    assert client.get(reverse("login")).status_code == 200
    assert not Session.objects.exists()


def test_an_idle_session_is_refused(client, staff, settings):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    _login(client, staff.username, PASSWORD)
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    assert client.get(reverse("home")).status_code == 302


def _login_from(client, address, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_one_guess_against_each_of_many_accounts_locks_the_address(client, world, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    names = [f"user{n}" for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 2)] + ["coord_a", "coord_b"]
    for name in names:  # password spraying: each account tried once, far below the per-account bound
        assert _login_from(client, "10.0.0.9", name, "Spring2026!").status_code == 200
    response = _login_from(Client(), "10.0.0.9", world.staff_x.username, PASSWORD)
    assert response.status_code == 429 and "锁定" in response.content.decode()
    # Another address is not concerned.
    assert _login_from(Client(), "10.0.0.10", world.staff_x.username, PASSWORD).status_code == 302


def test_a_shared_address_stays_open_below_its_higher_bound(client, world, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    # A staff room: two colleagues mistype their passwords a few times each.
    for name in ("coord_a", "coord_b"):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            _login_from(client, "10.0.0.7", name, "wrong-password")
    assert _login_from(Client(), "10.0.0.7", world.staff_x.username, PASSWORD).status_code == 302
