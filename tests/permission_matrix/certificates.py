from .spec import Case, above, expect

POST_ONLY = {"anonymous": 405, **dict.fromkeys(("teacher", "coord_a", "coord_b", "staff_x", "staff_y", "admin_x"), 405)}
# The public verify page and the serial look-up: anyone, signed in or not, gets the same page.
PUBLIC = {role: 200 for role in ("anonymous", "teacher", "coord_a", "coord_b", "staff_x", "staff_y", "admin_x")}
# Teacher A's certificate: their own, their school's coordinator, county X and the offices over it.
OWN_CERTIFICATE = expect(teacher=200, coord_a=200, coord_b=404, staff_x=200, staff_y=404, admin_x=200)


def _course(world):
    from tests.factories.certificates import completed, make_course

    sub = make_course(world.county_x)
    return sub, completed(sub, world.teacher_a)


def _certificate(world):
    from certificates.services import certificate_issue

    _sub, enrolment = _course(world)
    return certificate_issue(enrolment=enrolment, actor=world.staff_x)


def _cert_pk(world):
    return [_certificate(world).pk]


def _token(world):
    return [_certificate(world).token]


def _sub_pk(world):
    return [_course(world)[0].pk]


def _session_pk(world):
    return [_course(world)[0].sessions.order_by("pk").first().pk]


def _job(world):
    from certificates.services import issue_request_for_command, issue_run

    sub, _enrolment = _course(world)
    job = issue_request_for_command(subproject=sub, county=world.county_x)
    issue_run(job_id=job.pk)
    return [job.pk]


ENTRIES = {
    "certificates:lookup": Case(PUBLIC, above=above(200)),
    "certificates:verify": Case(PUBLIC, setup=_token, above=above(200)),
    "certificates:list": Case(
        expect(teacher=200, coord_a=200, coord_b=200, staff_x=200, staff_y=200, admin_x=200), above=above(200)
    ),
    # The county's issuing unit, seal and signature: its administrators only.
    "certificates:settings": Case(
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=403, staff_y=403, admin_x=200), above=above(403)
    ),
    "certificates:download": Case(OWN_CERTIFICATE, setup=_cert_pk, above=above(200, other=404)),
    "certificates:revoke": Case(POST_ONLY, setup=_cert_pk, above=above(405)),
    "certificates:reissue": Case(POST_ONLY, setup=_cert_pk, above=above(405)),
    # Eligibility of a county X sub-project: coordinators see the sub-project but not the list.
    "certificates:subproject": Case(
        expect(teacher=404, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=200),
        setup=_sub_pk,
        above=above(200, other=404),
    ),
    "certificates:subproject_issue": Case(POST_ONLY, setup=_sub_pk, above=above(405)),
    "certificates:job_status": Case(
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=200),
        setup=_job,
        above=above(200, other=404),
    ),
    "certificates:job_download": Case(
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=200),
        setup=_job,
        above=above(200, other=404),
    ),
    "certificates:transcript_pdf": Case(
        expect(teacher=200, coord_a=200, coord_b=404, staff_x=200, staff_y=404, admin_x=200),
        setup=lambda w: [w.teacher_a.pk],
        above=above(200, other=404),
    ),
    "certificates:hours_issue": Case(POST_ONLY, setup=lambda w: [w.teacher_a.pk, 2026], above=above(405)),
    # A session's sign-in sheet: the county's staff, and coordinators of schools with trainees in it
    # (attendance's rule for who sees a session: coord_b's school has none here).
    "certificates:signin_sheet": Case(
        expect(teacher=404, coord_a=200, coord_b=404, staff_x=200, staff_y=404, admin_x=200),
        setup=_session_pk,
        above=above(403, other=404),
    ),
}
