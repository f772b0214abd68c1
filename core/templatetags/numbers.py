"""How pages show numbers: one set of filters, so a sum of hours reads "1,553.3", never
"1553.30000000000" (SQLite hands decimal sums back with every digit)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def num(value: Any, places: int = 1) -> str:
    """A count with separators, a quantity with at most `places` decimals (trailing zeros dropped)."""
    number = _decimal(value)
    if number is None:
        return "—" if value in (None, "") else str(value)
    places = max(int(places), 0)
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) if places else number.to_integral()
    if rounded == rounded.to_integral():
        return f"{int(rounded):,}"
    return f"{rounded:,.{places}f}".rstrip("0").rstrip(".")


@register.filter
def subtract(value: Any, other: Any) -> Any:
    a, b = _decimal(value), _decimal(other)
    if a is None or b is None:
        return ""
    return a - b
