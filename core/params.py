"""Validating readers of query and form parameters for views that do not bind a whole form.

A filter value that is not what the page expects (`?school=abc`, `?year=-1`, a 20-digit number) is
ignored, as if absent: the page shows its default, never a 500. Pages that must refuse instead bind a
Django form and answer with its errors. NUL characters never get this far (core.middleware).
"""

from collections.abc import Iterable, Mapping
from typing import Any

# Primary keys and counts fit a PostgreSQL integer; larger numbers are no row's id.
MAX_ID = 2**31 - 1
YEAR_MIN, YEAR_MAX = 1990, 2100


def int_param(params: Mapping[str, Any], name: str, *, default: int | None = None, minimum: int = 1,
              maximum: int = MAX_ID) -> int | None:  # fmt: skip
    """`params[name]` as an integer within [minimum, maximum], else `default`."""
    raw = params.get(name)
    if raw is None:
        return default
    raw = str(raw).strip()
    if not raw or len(raw) > 12 or not raw.lstrip("-").isascii() or not raw.lstrip("-").isdigit():
        return default
    value = int(raw)
    return value if minimum <= value <= maximum else default


def year_param(params: Mapping[str, Any], name: str = "year", *, default: int | None = None) -> int | None:
    """A calendar year the application could hold records for, else `default`."""
    return int_param(params, name, default=default, minimum=YEAR_MIN, maximum=YEAR_MAX)


def choice_param(params: Mapping[str, Any], name: str, choices: Iterable[Any], *, default: Any = None) -> Any:
    """`params[name]` if it is one of `choices` (compared as strings), else `default`."""
    raw = params.get(name)
    allowed = {str(c): c for c in choices}
    return allowed.get(str(raw), default) if raw is not None else default


ERR_IGNORED = "筛选条件“{name}”的值无效，已忽略"


def _note_ignored(request: Any, name: str, value: Any, default: Any) -> None:
    if value is default and request.GET.get(name, "") not in ("", None):
        from django.contrib import messages
        from django.utils.translation import gettext as _

        messages.warning(request, _(ERR_IGNORED).format(name=name))


def query_int(request: Any, name: str, *, default: int | None = None, minimum: int = 1,
              maximum: int = MAX_ID) -> int | None:  # fmt: skip
    """`int_param` over `request.GET`, telling the user when a value given was ignored."""
    value = int_param(request.GET, name, default=default, minimum=minimum, maximum=maximum)
    _note_ignored(request, name, value, default)
    return value


def query_year(request: Any, name: str = "year", *, default: int | None = None) -> int | None:
    """`year_param` over `request.GET`, telling the user when a value given was ignored."""
    value = year_param(request.GET, name, default=default)
    _note_ignored(request, name, value, default)
    return value
