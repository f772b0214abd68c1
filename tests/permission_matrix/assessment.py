"""Permission-matrix entries for the assessment app (objects owned by school A / county X)."""

from decimal import Decimal

from .spec import Case, above, county_only, expect

POST_ONLY = expect(teacher=405, coord_a=405, coord_b=405, staff_x=405, staff_y=405, admin_x=405)
COUNTY_X = expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=200)
SCHOOL_OR_COUNTY = expect(teacher=403, coord_a=200, coord_b=200, staff_x=200, staff_y=200, admin_x=200)
SCHOOL_A = expect(teacher=403, coord_a=200, coord_b=404, staff_x=200, staff_y=404, admin_x=200)
TEACHER_A = expect(teacher=200, coord_a=200, coord_b=404, staff_x=200, staff_y=404, admin_x=200)


def _subproject(world):
    from tests.factories import ProgramFactory, SubProjectFactory

    return SubProjectFactory(program=ProgramFactory(county=world.county_x))


def _scheme(world):
    from tests.factories.assessment import make_scheme

    return [make_scheme(_subproject(world)).pk]


def _enrolment(world):
    from tests.factories import EnrolmentFactory

    return [EnrolmentFactory(subproject=_subproject(world), teacher=world.teacher_a).pk]


def _school_project(world):
    from assessment.credits import school_project_submit

    project = school_project_submit(
        school=world.school_a, year=2026, title="观课议课", plan="计划", planned_hours=Decimal(8), actor=world.coord_a
    )
    return [project.pk]


def _tally(world):
    from assessment.credits import tally_credits
    from assessment.models import CreditTally

    tally_credits(year=2026, county=world.county_x)
    return [CreditTally.objects.get(teacher=world.teacher_a, year=2026).pk]


def _run(world):
    from assessment.models import TallyRun

    return [TallyRun.objects.create(year=2026, county=world.county_x).pk]


# A county record its coordinators may read (each their own school's part of it).
COUNTY_X_READ = expect(teacher=403, coord_a=200, coord_b=200, staff_x=200, staff_y=404, admin_x=200)


def _cycle_review(world):
    from assessment.cycles import cycle_review_run

    return [cycle_review_run(county=world.county_x, year=2021, actor=world.staff_x).pk]


ENTRIES = {
    "scheme_list": Case(county_only(), above=above(200)),
    "template_create": Case(county_only(), above=above(403)),
    "subproject_scheme": Case(COUNTY_X, setup=lambda w: [_subproject(w).pk], above=above(403, other=404)),
    "subproject_scheme_copy": Case(POST_ONLY, setup=lambda w: [_subproject(w).pk], above=above(405)),
    "survey_results": Case(COUNTY_X, setup=lambda w: [_subproject(w).pk], above=above(200, other=404)),
    "scheme_detail": Case(COUNTY_X, setup=_scheme, above=above(200, other=404)),
    "scheme_edit": Case(COUNTY_X, setup=_scheme, above=above(403, other=404)),
    # Teacher A tutors nothing here: to them the grid does not exist (tutors: tests/assessment/test_tutor_scores.py).
    "score_grid": Case(COUNTY_X | {"teacher": 404}, setup=_scheme, above=above(403, other=404)),
    "scheme_publish": Case(POST_ONLY, setup=_scheme, above=above(405)),
    "excellent_export": Case(COUNTY_X, setup=_scheme, above=above(200, other=404)),
    "survey_answer": Case(
        expect(teacher=200, coord_a=403, coord_b=404, staff_x=403, staff_y=404, admin_x=403),
        setup=_enrolment,
        above=above(403, other=404),
    ),
    "credit_settings": Case(county_only(), above=above(403)),
    "school_project_list": Case(SCHOOL_OR_COUNTY, above=above(200)),
    "school_project_create": Case(
        expect(teacher=403, coord_a=200, coord_b=200, staff_x=403, staff_y=403, admin_x=403), above=above(403)
    ),
    "school_project_detail": Case(SCHOOL_A, setup=_school_project, above=above(200, other=404)),
    "school_project_decide": Case(POST_ONLY, setup=_school_project, above=above(405)),
    "school_project_recognise": Case(POST_ONLY, setup=_school_project, above=above(405)),
    "school_session_create": Case(
        expect(teacher=403, coord_a=200, coord_b=404, staff_x=403, staff_y=404, admin_x=403),
        setup=_school_project,
        above=above(403, other=404),
    ),
    "tally_list": Case(county_only(), above=above(200)),
    "tally_run_start": Case(POST_ONLY, above=above(405)),
    "tally_run_detail": Case(COUNTY_X, setup=_run, above=above(200, other=404)),
    "tally_correct": Case(
        expect(teacher=403, coord_a=403, coord_b=404, staff_x=200, staff_y=404, admin_x=200),
        setup=_tally,
        above=above(403, other=404),
    ),
    # Full ID numbers for the national system: the administrator of the county only.
    "national_training_export": Case(
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=403, staff_y=403, admin_x=200),
        query="year=2026",
        above=above(403),
    ),
    "registration_list": Case(SCHOOL_OR_COUNTY, above=above(200)),
    "registration_detail": Case(SCHOOL_A, setup=lambda w: [w.school_a.pk, 2026], above=above(200, other=404)),
    "registration_submit": Case(POST_ONLY, setup=lambda w: [w.school_a.pk, 2026], above=above(405)),
    "registration_decide": Case(POST_ONLY, setup=lambda w: [w.school_a.pk, 2026], above=above(405)),
    "transcript": Case(TEACHER_A, setup=lambda w: [w.teacher_a.pk], above=above(200, other=404)),
    "transcript_print": Case(TEACHER_A, setup=lambda w: [w.teacher_a.pk], above=above(200, other=404)),
    "transcript_me": Case(
        expect(teacher=302, coord_a=403, coord_b=403, staff_x=403, staff_y=403, admin_x=403), above=above(403)
    ),
    # 周期核定: the county runs and reopens; coordinators read their school's results; offices above read.
    "cycle_review_list": Case(SCHOOL_OR_COUNTY, above=above(200)),
    "cycle_review_start": Case(county_only(), above=above(403)),
    "cycle_review_detail": Case(COUNTY_X_READ, setup=_cycle_review, above=above(200, other=404)),
    "cycle_review_reopen": Case(COUNTY_X, setup=_cycle_review, above=above(403, other=404)),
    "cycle_review_export": Case(COUNTY_X_READ, setup=_cycle_review, above=above(200, other=404)),
    "cycle_review_school_export": Case(
        SCHOOL_A, setup=lambda w: [*_cycle_review(w), w.school_a.pk], above=above(200, other=404)
    ),
}


def _claim_item(world):
    from tests.factories.assessment import make_claim_item

    return make_claim_item(world.county_x)


def _claim(world):
    from tests.factories.assessment import make_claim

    return make_claim(world.teacher_user_a, _claim_item(world))


def _claim_in_publicity(world):
    from assessment import claims
    from assessment.credits import credit_settings_save

    credit_settings_save(county=world.county_x, hours_per_credit=Decimal(10), mode="full", claim_publicity_days=7, actor=None)
    claim = _claim(world)
    claims.claim_school_review(claim=claim, approve=True, actor=world.coord_a)
    return claims.claim_county_review(claim=claim, approve=True, actor=world.staff_x)


def _objection(world):
    from assessment import claims

    return claims.claim_object(claim=_claim_in_publicity(world), reason="级别不符", actor=world.coord_b)


# 学分申报: a claim of teacher A (school A, county X). Offices above the county see no claim at all.
CLAIM_SEEN = expect(teacher=200, coord_a=200, coord_b=404, staff_x=200, staff_y=404, admin_x=200)
TEACHER_ONLY = expect(teacher=200, coord_a=403, coord_b=403, staff_x=403, staff_y=403, admin_x=403)
COORDINATORS = expect(teacher=403, coord_a=200, coord_b=200, staff_x=403, staff_y=403, admin_x=403)
ENTRIES |= {
    "claim_list": Case(TEACHER_ONLY, above=above(403)),
    "claim_create": Case(TEACHER_ONLY, above=above(403)),
    "claim_detail": Case(CLAIM_SEEN, setup=lambda w: [_claim(w).pk], above=above(404)),
    "claim_evidence": Case(CLAIM_SEEN, setup=lambda w: [_claim(w).evidence.get().pk], above=above(404)),
    "claim_withdraw": Case(POST_ONLY, setup=lambda w: [_claim(w).pk], above=above(405)),
    "claim_school_review": Case(POST_ONLY, setup=lambda w: [_claim(w).pk], above=above(405)),
    "claim_county_review": Case(POST_ONLY, setup=lambda w: [_claim(w).pk], above=above(405)),
    "claim_revoke": Case(POST_ONLY, setup=lambda w: [_claim(w).pk], above=above(405)),
    "claim_school_queue": Case(COORDINATORS, above=above(403)),
    "claim_county_queue": Case(county_only(), above=above(403)),
    # The 公示 list is public within each county: its staff, coordinators and teachers.
    "claim_publicity": Case(
        expect(teacher=200, coord_a=200, coord_b=200, staff_x=200, staff_y=200, admin_x=200), above=above(403)
    ),
    # 提出异议: the county's teachers and coordinators, not the claimant (teacher A) nor the county itself.
    "claim_object": Case(
        expect(teacher=403, coord_a=200, coord_b=200, staff_x=403, staff_y=404, admin_x=403),
        setup=lambda w: [_claim_in_publicity(w).pk],
        above=above(403),
    ),
    "claim_objection_decide": Case(POST_ONLY, setup=lambda w: [_objection(w).pk], above=above(405)),
    "claim_item_list": Case(county_only(), above=above(403)),
    "claim_item_create": Case(county_only(), above=above(403)),
    "claim_item_edit": Case(COUNTY_X, setup=lambda w: [_claim_item(w).pk], above=above(403, other=404)),
    "claim_item_toggle": Case(POST_ONLY, setup=lambda w: [_claim_item(w).pk], above=above(405)),
}
