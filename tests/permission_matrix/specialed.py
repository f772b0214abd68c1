"""Special-education URLs: a 送教上门 record of school A (county X)."""

from tests.factories.specialed import make_home_visit

from .spec import Case, above, expect

READ = expect(teacher=403, coord_a=200, coord_b=200, staff_x=200, staff_y=200, admin_x=200)
COUNTY_OR_ABOVE = expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=200, admin_x=200)


def _visit(world):
    return [make_home_visit(school=world.school_a, teachers=[world.teacher_a], township=world.township_x).pk]


ENTRIES = {
    "specialed_visit_list": Case(READ, above=above(200)),
    # Offices above the county only read: recording is the visiting school's and the county's.
    "specialed_visit_create": Case(READ, above=above(403)),
    "specialed_visit_export": Case(READ, above=above(200)),
    # Another school's coordinator, another county and another city do not learn that it exists.
    "specialed_visit_detail": Case(
        expect(teacher=403, coord_a=200, coord_b=404, staff_x=200, staff_y=404, admin_x=200),
        setup=_visit,
        above=above(200, other=404),
    ),
    "specialed_stats": Case(READ, above=above(200)),
    "specialed_report": Case(COUNTY_OR_ABOVE, above=above(200)),
    "specialed_participants": Case(COUNTY_OR_ABOVE, above=above(200)),
}
