"""Login throttling per address across usernames (password spraying), beside django-axes' own bound.

Axes locks a (username, address) pair after AXES_FAILURE_LIMIT failures. Its AXES_LOCKOUT_PARAMETERS
may list an address-only bound too, but every listed bound then shares that one limit, and a school's
staff room behind one Wi-Fi address would be locked out after five mistyped passwords. This backend
adds the address bound with its own, higher limit, counted from axes' own records of failures
(one AccessAttempt row per username and address), so both bounds expire and reset together.
"""

from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.utils import timezone

from core.client_ip import client_ip


def address_failures(address: str) -> int:
    """Failed logins from `address` within the cool-off window, over every username tried."""
    rows = AccessAttempt.objects.filter(ip_address=address)
    cool_off = get_cool_off()
    if cool_off is not None:
        rows = rows.filter(attempt_time__gte=timezone.now() - cool_off)
    return rows.aggregate(n=Sum("failures_since_start"))["n"] or 0


class AddressLimitBackend:
    """First of AUTHENTICATION_BACKENDS: refuse every login from an address over its bound. It logs
    nobody in, so it has no get_user (the session then names ModelBackend, as force_login does)."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):
        if request is None or not settings.AXES_ENABLED:
            return None
        address = client_ip(request)
        if address and address_failures(address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            # AxesMiddleware answers a request so marked with axes' lockout page (HTTP 429).
            request.axes_locked_out = True
            raise PermissionDenied
        return None
