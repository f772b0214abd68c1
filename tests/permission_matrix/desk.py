"""Permission-matrix entries for the desk app: the home page is in registry.py (it was core's)."""

from .spec import ROLES, Case, above, expect

ALL_200 = expect(teacher=200, coord_a=200, coord_b=200, staff_x=200, staff_y=200, admin_x=200)
POST_ONLY = expect(teacher=405, coord_a=405, coord_b=405, staff_x=405, staff_y=405, admin_x=405)


def _feed_token(world):
    from desk.services import feed_reset

    return [feed_reset(user=world.teacher_user_a).token]


ENTRIES = {
    # Everyone's own calendar: what it shows is scoped (tests/desk/test_calendar.py).
    "desk_calendar": Case(ALL_200, above=above(200)),
    "desk_calendar_week": Case(ALL_200, above=above(200)),
    "desk_feed": Case(ALL_200, above=above(200)),
    "desk_feed_change": Case(POST_ONLY, above=above(405)),
    # Calendar apps fetch the feed without logging in: the token is the key, whoever holds it.
    "desk_feed_ics": Case({role: 200 for role in ROLES}, setup=_feed_token, above=above(200)),
}
