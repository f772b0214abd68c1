"""What each app's `desk.py` hands the home page: figures that link to the list behind them, and
short lists (the next sessions, the tasks due). Plain data: the desk app only arranges it."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Figure:
    key: str  # stable name, used by tests and the page's markup
    label: str
    count: int
    url: str  # the filtered list behind the figure
    # For a figure "x of y" (this year's hours against the requirement).
    total: Decimal | None = None
    value: Decimal | None = None
    # Offices above the county: the same figure per county id.
    per_county: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    title: str
    url: str
    detail: str = ""
    when: dt.date | None = None
    warn: bool = False


@dataclass(frozen=True)
class EntryList:
    key: str
    title: str
    entries: list[Entry]
    empty: str = ""


@dataclass(frozen=True)
class Section:
    """One app's part of the home page."""

    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    lists: list[EntryList] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.figures or self.lists)


def list_url(key: str, entries: list[Entry]) -> str:
    """Where a figure counting a short list points: the one entry itself, or the list on the page."""
    return entries[0].url if len(entries) == 1 else f"#desk-{key}"
