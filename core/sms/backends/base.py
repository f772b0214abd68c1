from collections.abc import Sequence
from typing import Any


class BaseSmsBackend:
    """What every SMS backend implements: `send_messages(messages) -> int` (how many were sent)."""

    def __init__(self, *, fail_silently: bool = False, **kwargs: Any) -> None:
        self.fail_silently = fail_silently

    def send_messages(self, messages: Sequence[Any]) -> int:
        raise NotImplementedError
