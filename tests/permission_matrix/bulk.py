"""Permission-matrix entries for the bulk pages (issue 13 item 2): nominations, decisions, 换人
requests, task reviews and teacher accounts. Records are owned by county X / school A."""

from .programs import POST_ONLY, _enrolment, _subproject
from .spec import Case, above, county_only, expect


def _substitution_request(w):
    from programs import services

    return services.substitution_request_create(
        enrolment=_enrolment(w, confirm=True), source="coordinator", reason="矩阵原因", actor=w.coord_a
    )


COUNTY_LIST = {**county_only(), "staff_y": 200}

ENTRIES = {
    "enrolment_nominate_many": Case(
        expect(teacher=403, coord_a=200, coord_b=200, staff_x=200, staff_y=404, admin_x=200),
        setup=lambda w: [_subproject(w).pk],
        above=above(403, other=404),
    ),
    "nominations_withdraw": Case(POST_ONLY, setup=lambda w: [_subproject(w).pk], above=above(405)),
    "nominations_decide": Case(COUNTY_LIST, above=above(403)),
    "substitution_request_create": Case(
        expect(teacher=403, coord_a=200, coord_b=404, staff_x=403, staff_y=404, admin_x=403),
        setup=lambda w: [_enrolment(w, confirm=True).pk],
        above=above(403, other=404),
    ),
    "substitution_request_list": Case(COUNTY_LIST, above=above(403)),
    "substitution_request_decide": Case(
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=200),
        setup=lambda w: [_substitution_request(w).pk],
        above=above(403, other=404),
    ),
}


def _task(w):
    from tests.factories.outreach import enrol, make_cycle, make_task

    cycle = make_cycle(county=w.county_x)
    enrol(cycle, w.teacher_a)
    return [make_task(cycle).pk]


ENTRIES["outreach_task_review_many"] = Case(
    expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=200),
    setup=_task,
    above=above(403, other=404),
)

ENTRIES["teacher_accounts_create"] = Case(
    expect(teacher=403, coord_a=403, coord_b=403, staff_x=403, staff_y=403, admin_x=200), above=above(403)
)
ENTRIES["teacher_passwords_reset"] = Case(
    expect(teacher=403, coord_a=200, coord_b=200, staff_x=403, staff_y=403, admin_x=200), above=above(403)
)
