"""Text messages (短信) through a pluggable backend chosen by `SMS_BACKEND`, like Django's e-mail.

`send_sms(phone, text)` sends one message with the configured backend; `get_connection()` gives a
backend for several. The backends: console (prints), file (one file per batch under SMS_FILE_PATH),
locmem (the tests' outbox, `core.sms.outbox`), and http (a provider's HTTP API, see backends/http.py).
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

# The locmem backend appends here; the test suite empties it before each test.
outbox: list["SmsMessage"] = []


class SmsSendError(OSError):
    """A provider refused or could not be reached; an OSError so Celery's retry policy covers it."""


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str


def get_connection(backend: str | None = None, *, fail_silently: bool = False, **kwargs: Any) -> Any:
    klass = import_string(backend or settings.SMS_BACKEND)
    return klass(fail_silently=fail_silently, **kwargs)


def send_sms(phone: str, text: str, *, connection: Any = None, fail_silently: bool = False) -> int:
    """Send one message; return how many were sent (0 or 1)."""
    connection = connection or get_connection(fail_silently=fail_silently)
    return connection.send_messages([SmsMessage(phone=phone, text=text)])
