"""The audit trail of assessment and credit records: every service that changes one calls `audit()`."""

from typing import Any

from .models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def audit(*, action: str, obj: Any, actor: Any, **detail: Any) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        object_type=type(obj).__name__,
        object_id=str(obj.pk),
        detail=_plain(detail),
        actor=actor if getattr(actor, "pk", None) else None,
    )
