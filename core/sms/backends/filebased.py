import datetime as dt
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .console import SmsBackend as ConsoleSmsBackend


class SmsBackend(ConsoleSmsBackend):
    """Writes each batch to a new file under `SMS_FILE_PATH` (a directory), like Django's file e-mail."""

    def __init__(self, *, file_path: str | None = None, **kwargs: Any) -> None:
        path = file_path or getattr(settings, "SMS_FILE_PATH", "")
        if not path:
            raise ImproperlyConfigured("SMS_FILE_PATH must be set for the file SMS backend")
        self.file_path = Path(path)
        self.file_path.mkdir(parents=True, exist_ok=True)
        super().__init__(stream=io.StringIO(), **kwargs)

    def send_messages(self, messages: Sequence[Any]) -> int:
        if not messages:
            return 0
        self.stream = io.StringIO()
        sent = super().send_messages(messages)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        target = self.file_path / f"{stamp}-{os.getpid()}-{id(self.stream)}.log"
        target.write_text(self.stream.getvalue(), encoding="utf-8")
        return sent
