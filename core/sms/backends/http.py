"""An SMS provider's HTTP API behind the backend interface.

Providers (阿里云, 腾讯云, a carrier's gateway…) differ in signing and field names; a deployment puts a
small relay or subclass in front, and this adapter speaks one plain shape to it:
POST `SMS_HTTP_URL` with `Authorization: Bearer SMS_HTTP_TOKEN` and the JSON
`{"phone": "...", "text": "...", "sign": SMS_HTTP_SIGN}`; any 2xx answer is a sent message.
"""

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .. import SmsSendError
from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def __init__(
        self, *, url: str | None = None, token: str | None = None, sign: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.url = url or getattr(settings, "SMS_HTTP_URL", "")
        if not self.url.startswith(("http://", "https://")):
            raise ImproperlyConfigured("SMS_HTTP_URL must be an http(s) address for the HTTP SMS backend")
        self.token = token if token is not None else getattr(settings, "SMS_HTTP_TOKEN", "")
        self.sign = sign if sign is not None else getattr(settings, "SMS_HTTP_SIGN", "")
        self.timeout = getattr(settings, "SMS_HTTP_TIMEOUT", 10)

    def _post(self, message: Any) -> None:
        body = json.dumps({"phone": message.phone, "text": message.text, "sign": self.sign}).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as exc:
            # The provider's answer body may echo the number: keep only the status in the error.
            raise SmsSendError(f"SMS provider answered HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError) as exc:
            raise SmsSendError(f"SMS provider unreachable: {type(exc).__name__}") from None

    def send_messages(self, messages: Sequence[Any]) -> int:
        sent = 0
        for message in messages:
            try:
                self._post(message)
            except SmsSendError:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent
