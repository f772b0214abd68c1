import sys
import threading
from collections.abc import Sequence
from typing import Any

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """Writes each message to a stream (stdout by default): `make run` and development."""

    def __init__(self, *, stream: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def write_message(self, message: Any) -> None:
        self.stream.write(f"SMS to {message.phone}\n{message.text}\n{'-' * 40}\n")

    def send_messages(self, messages: Sequence[Any]) -> int:
        with self._lock:
            for message in messages:
                self.write_message(message)
            self.stream.flush()
        return len(messages)
