"""How report tables show their cells: rates as percentages, counts with separators, blanks as —."""

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def report_cell(value: Any, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == "rate":
        return f"{float(value):.1%}"
    if kind == "int" and isinstance(value, int):
        return f"{value:,}"
    if kind == "decimal" and isinstance(value, Decimal | float | int):
        return f"{float(value):,.1f}"
    return str(value)


@register.filter
def sort_key(value: Any) -> str:
    """The raw value the table sorter compares (numbers as numbers, blanks last)."""
    if value is None or value == "":
        return ""
    return str(value)


@register.filter
def at(items: Any, index: int) -> Any:
    try:
        return items[index]
    except (IndexError, KeyError, TypeError):
        return None
