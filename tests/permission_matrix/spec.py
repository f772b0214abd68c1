"""The permission matrix: for every named URL, the status each role gets on GET.

Each app keeps its entries in `tests/permission_matrix/<app>.py` as `ENTRIES = {url_name: Case(...)}`.
`setup(world)` builds what the URL needs, owned by school A / county X, and returns the URL's args.
Roles: anonymous, teacher (teacher A's own account), coord_a, coord_b (another school of the same
county), staff_x, staff_y (another county, in another city), admin_x, and the offices above the county:
city_admin and city_staff of X's city, province_admin and province_staff of the province over both
counties, and city_other (Y's city: an outsider to everything of county X).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

COUNTY_LEVEL_ROLES = ("anonymous", "teacher", "coord_a", "coord_b", "staff_x", "staff_y", "admin_x")
REGION_ROLES = ("city_admin", "city_staff", "province_admin", "province_staff", "city_other")
ROLES = COUNTY_LEVEL_ROLES + REGION_ROLES
LOGIN = 302  # anonymous users are redirected to the login page


@dataclass(frozen=True)
class Case:
    expect: dict[str, int]
    setup: Callable[[Any], list[Any]] = field(default=lambda world: [])
    query: str = ""
    # The offices above the county (see `above()`), kept apart so each entry reads as county roles + offices.
    above: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "expect", {**self.expect, **self.above})
        missing = set(ROLES) - set(self.expect)
        if missing:
            raise ValueError(f"roles without an expected status: {sorted(missing)}")


def county_only(ok: int = 200) -> dict[str, int]:
    """County staff and administrators of the owning county; others forbidden or not found."""
    return {
        "anonymous": LOGIN,
        "teacher": 403,
        "coord_a": 403,
        "coord_b": 403,
        "staff_x": ok,
        "staff_y": ok,
        "admin_x": ok,
    }


def expect(**statuses: int) -> dict[str, int]:
    return {"anonymous": LOGIN, **statuses}


def above(status: int, *, other: int | None = None) -> dict[str, int]:
    """The four offices over county X get `status`; the other city's office gets `other` (default the same)."""
    return {
        "city_admin": status,
        "city_staff": status,
        "province_admin": status,
        "province_staff": status,
        "city_other": status if other is None else other,
    }
