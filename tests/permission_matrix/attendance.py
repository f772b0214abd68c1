from .spec import ROLES, Case, above, expect

SCHOOL_OR_COUNTY = expect(teacher=403, coord_a=200, coord_b=200, staff_x=200, staff_y=200, admin_x=200)
# A session of county X whose only trainee is teacher A of school A.
SESSION_OF_SCHOOL_A = expect(teacher=403, coord_a=200, coord_b=404, staff_x=200, staff_y=404, admin_x=200)
COUNTY_SESSION = expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=200)


def _session(world):
    from tests.factories.attendance import enrol, session_for

    session = session_for(world.county_x)
    enrol(session, world.teacher_a)
    return session


def _session_args(world):
    return [_session(world).pk]


def _checkin_code(world):
    from attendance.services import qr_code_for, qr_open

    return [qr_code_for(qr_open(session=_session(world), actor=world.staff_x))]


ENTRIES = {
    "attendance_sessions": Case(SCHOOL_OR_COUNTY, above=above(200)),
    "attendance_grid": Case(SESSION_OF_SCHOOL_A, setup=_session_args, above=above(403, other=404)),
    "attendance_export": Case(SESSION_OF_SCHOOL_A, setup=_session_args, above=above(200, other=404)),
    "attendance_summary": Case(COUNTY_SESSION, setup=_session_args, above=above(200, other=404)),
    # Coordinators run check-in for sessions their trainees attend (school B has none here: 404).
    "attendance_checkin_screen": Case(SESSION_OF_SCHOOL_A, setup=_session_args, above=above(403, other=404)),
    "attendance_checkin_status": Case(SESSION_OF_SCHOOL_A, setup=_session_args, above=above(403, other=404)),
    "attendance_checkin_open": Case(
        # POST-only: a GET is refused before anything is looked up
        expect(teacher=405, coord_a=405, coord_b=405, staff_x=405, staff_y=405, admin_x=405),
        setup=_session_args,
        above=above(405),
    ),
    "attendance_checkin_reopen": Case(
        expect(teacher=405, coord_a=405, coord_b=405, staff_x=405, staff_y=405, admin_x=405),
        setup=_session_args,
        above=above(405),
    ),
    # The typed-code page needs no login either.
    "attendance_checkin_typed": Case({role: 200 for role in ROLES}, above=above(200)),
    "attendance_teacher": Case(
        expect(teacher=200, coord_a=200, coord_b=404, staff_x=200, staff_y=404, admin_x=200),
        setup=lambda w: [w.teacher_a.pk],
        above=above(200, other=404),
    ),
    # The trainee's phone page needs no login: anyone holding a current code sees the form.
    "attendance_checkin": Case({role: 200 for role in ROLES}, setup=_checkin_code, above=above(200)),
}
