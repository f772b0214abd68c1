"""An optional read replica (`DATABASE_REPLICA_URL`) for reports and exports.

Reports read much and write nothing, so they can run on a streaming replica and leave the primary to
the day's work. Code that only reads wraps itself in `reading_from_replica()` (a view through
`@replica_reads`); everything else, and every write, uses the primary. Without a replica configured
both are no-ops. A replica may lag the primary by a moment: use it only where a figure that is a few
seconds old is fine, never to read back what the same request has just written.
"""

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings

REPLICA = "replica"
_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def reading_from_replica() -> Iterator[None]:
    """ORM reads inside the block go to the replica (when there is one); writes still go to the primary."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def replica_reads(view: Callable[..., Any]) -> Callable[..., Any]:
    """For views that only read: their queries run on the replica."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with reading_from_replica():
            return view(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Reads inside `reading_from_replica()` go to the replica; nothing is ever written or migrated there."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reading_from_replica.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Both aliases hold the same data; an object read from the replica may be related to one from the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"
