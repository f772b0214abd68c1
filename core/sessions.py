"""Idle expiry without a database write on every request.

Django's SESSION_SAVE_EVERY_REQUEST slides the expiry by saving (and committing) the session row on
every request: for a coordinator saving a 300-row grid that was a second transaction and a second
durable commit per save. Here the session is written only when its last renewal is older than
SESSION_RENEW_SECONDS, so an idle session ends between SESSION_COOKIE_AGE − SESSION_RENEW_SECONDS
and SESSION_COOKIE_AGE after the last request.
"""

import time

from django.conf import settings

RENEWED_KEY = "_renewed_at"


def mark_renewed(session) -> None:
    session[RENEWED_KEY] = int(time.time())


def renew_if_due(session) -> None:
    if session.is_empty():  # no cookie: nothing to renew, and no session to create
        return
    renewed_at = session.get(RENEWED_KEY)  # loads the session if the view did not
    if session.is_empty():  # the cookie named a session that expired or was deleted
        return
    if renewed_at is None or time.time() - renewed_at >= settings.SESSION_RENEW_SECONDS:
        mark_renewed(session)  # marks it modified: SessionMiddleware saves it with a fresh expiry


class IdleSessionRenewalMiddleware:
    """Placed after SessionMiddleware, so its response phase runs before the session is saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        renew_if_due(request.session)
        return response


def on_login(sender, request, user, **kwargs) -> None:
    # Login saves the session anyway; stamping it here spares the next request a renewal.
    if request is not None and hasattr(request, "session"):
        mark_renewed(request.session)
