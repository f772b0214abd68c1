"""The permission matrix: for every named URL, the status each role gets on GET.

Each app keeps its entries in `tests/permission_matrix/<app>.py` as `ENTRIES = {url_name: Case(...)}`.
`setup(world)` builds what the URL needs, owned by school A / county X, and returns the URL's args.
Roles: anonymous, teacher (teacher A's own account), coord_a, coord_b (another school of the same
county), staff_x, staff_y (another county), admin_x.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "teacher", "coord_a", "coord_b", "staff_x", "staff_y", "admin_x")
LOGIN = 302  # anonymous users are redirected to the login page


@dataclass(frozen=True)
class Case:
    expect: dict[str, int]
    setup: Callable[[Any], list[Any]] = field(default=lambda world: [])
    query: str = ""

    def __post_init__(self) -> None:
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
