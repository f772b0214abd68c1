"""Permission-matrix entries for the programs app (records owned by county X / school A)."""

import datetime as dt

from .spec import Case, above, county_only, expect


def _program(w):
    from programs import services
    from tests.factories import CategoryFactory

    return services.program_create(
        county=w.county_x, year=2026, level="county", category=CategoryFactory(), name="矩阵项目"
    )


def _subproject(w):
    from programs import services

    return services.subproject_create(
        program=_program(w), name="矩阵子项目", start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 9, 2), quota=5
    )


def _session(w):
    from programs import services

    return services.session_create(
        subproject=_subproject(w), date=dt.date(2026, 9, 1), start_time=dt.time(9), end_time=dt.time(12)
    )


def _enrolment(w, *, confirm=False):
    from programs import services

    enrolment = services.enrolment_nominate(subproject=_subproject(w), teacher=w.teacher_a, actor=w.staff_x)
    return services.enrolment_confirm(enrolment=enrolment, actor=w.staff_x) if confirm else enrolment


def _city_subproject(w):
    """A sub-project of X's city (市级), which allots places to county X."""
    from programs import services
    from tests.factories import CategoryFactory

    program = services.program_create(
        region=w.city_x, year=2026, level="municipal", category=CategoryFactory(), name="市级矩阵项目"
    )
    sub = services.subproject_create(program=program, name="市级子项目", quota=10)
    services.county_quota_set(subproject=sub, county=w.county_x, quota=4)
    return sub


def _category(w):
    """County X's own category: its administrator and the administrators above it may change it."""
    from tests.factories import CategoryFactory

    return CategoryFactory(name="矩阵类别", county=w.county_x)


# City and province administrators keep the shared categories; their staff do not.
CATEGORY_ABOVE = {
    "city_admin": 200, "city_staff": 403, "province_admin": 200, "province_staff": 403, "city_other": 403,
}  # fmt: skip


SCHOOL_OR_COUNTY = expect(teacher=403, coord_a=200, coord_b=200, staff_x=200, staff_y=200, admin_x=200)
COUNTY_RECORD_READ = expect(teacher=403, coord_a=200, coord_b=200, staff_x=200, staff_y=404, admin_x=200)
COUNTY_RECORD_WRITE = expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=200)
POST_ONLY = expect(teacher=405, coord_a=405, coord_b=405, staff_x=405, staff_y=405, admin_x=405)
ADMIN_ONLY = expect(teacher=403, coord_a=403, coord_b=403, staff_x=403, staff_y=403, admin_x=200)

ENTRIES = {
    "program_list": Case(SCHOOL_OR_COUNTY, above=above(200)),
    "program_create": Case(county_only(), above=above(200)),
    "program_detail": Case(COUNTY_RECORD_READ, setup=lambda w: [_program(w).pk], above=above(200, other=404)),
    "program_edit": Case(COUNTY_RECORD_WRITE, setup=lambda w: [_program(w).pk], above=above(403, other=404)),
    "subproject_create": Case(COUNTY_RECORD_WRITE, setup=lambda w: [_program(w).pk], above=above(403, other=404)),
    "subproject_detail": Case(COUNTY_RECORD_READ, setup=lambda w: [_subproject(w).pk], above=above(200, other=404)),
    "subproject_edit": Case(COUNTY_RECORD_WRITE, setup=lambda w: [_subproject(w).pk], above=above(403, other=404)),
    "subproject_signin": Case(COUNTY_RECORD_READ, setup=lambda w: [_subproject(w).pk], above=above(200, other=404)),
    "quota_edit": Case(COUNTY_RECORD_WRITE, setup=lambda w: [_subproject(w).pk], above=above(403, other=404)),
    # The city's own sub-project: its office allots the places; the province and the counties only look.
    "county_quota_edit": Case(
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=403, staff_y=404, admin_x=403),
        setup=lambda w: [_city_subproject(w).pk],
        above={"city_admin": 200, "city_staff": 200, "province_admin": 403, "province_staff": 403, "city_other": 404},
    ),
    "session_create": Case(COUNTY_RECORD_WRITE, setup=lambda w: [_subproject(w).pk], above=above(403, other=404)),
    "session_edit": Case(COUNTY_RECORD_WRITE, setup=lambda w: [_session(w).pk], above=above(403, other=404)),
    "enrolment_nominate": Case(COUNTY_RECORD_READ, setup=lambda w: [_subproject(w).pk], above=above(403, other=404)),
    "enrolment_confirm": Case(POST_ONLY, setup=lambda w: [_enrolment(w).pk], above=above(405)),
    "enrolment_reject": Case(POST_ONLY, setup=lambda w: [_enrolment(w).pk], above=above(405)),
    "enrolment_withdraw": Case(POST_ONLY, setup=lambda w: [_enrolment(w).pk], above=above(405)),
    "enrolment_substitute": Case(
        COUNTY_RECORD_WRITE, setup=lambda w: [_enrolment(w, confirm=True).pk], above=above(403, other=404)
    ),
    "school_trainees": Case(SCHOOL_OR_COUNTY, above=above(200)),
    "my_enrolments": Case(
        expect(teacher=200, coord_a=403, coord_b=403, staff_x=403, staff_y=403, admin_x=403), above=above(403)
    ),
    "notices_read": Case(POST_ONLY, above=above(405)),
    # A teacher answers their own notice (another teacher's answers 404: tests/programs/test_notice_answers.py).
    "notice_answer": Case(
        expect(teacher=200, coord_a=403, coord_b=403, staff_x=403, staff_y=403, admin_x=403),
        setup=lambda w: [_enrolment(w).notices.get().pk],
        above=above(403),
    ),
    "category_list": Case(ADMIN_ONLY, above=CATEGORY_ABOVE),
    "category_edit": Case(ADMIN_ONLY, setup=lambda w: [_category(w).pk], above=CATEGORY_ABOVE),
}
