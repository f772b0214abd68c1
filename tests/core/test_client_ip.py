"""Which address a request came from, with and without reverse proxies in front."""

import pytest
from django.test import RequestFactory

from core.client_ip import client_ip


def _request(remote="10.0.0.1", forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="203.0.113.9")) == "10.0.0.1"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the left entry was forged by the client
        (2, "198.51.100.1, 203.0.113.9, 10.1.1.1", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1"),  # fewer hops than proxies: only REMOTE_ADDR is trusted
        (1, "", "10.0.0.1"),
    ],
)
def test_behind_proxies_the_client_is_read_from_the_right(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(forwarded=forwarded)) == expected


def test_login_throttling_counts_per_client_behind_a_proxy(client, world, settings):
    from django.conf import settings as django_settings
    from django.urls import reverse

    settings.TRUSTED_PROXY_COUNT = 1
    login = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            login,
            {"username": world.staff_x.username, "password": "wrong"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR="172.16.0.5",
        )
    locked = {"username": world.staff_x.username, "password": django_settings.DEMO_PASSWORD}
    assert client.post(login, locked, REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="172.16.0.5").status_code == 429
    # The same account from another computer behind the same proxy can still log in.
    other = client.post(login, locked, REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="172.16.0.6")
    assert other.status_code == 302
