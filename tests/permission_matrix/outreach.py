"""Outreach URLs: cycles of county X with teacher A enrolled, a workshop of county X with teacher A
as a member."""

from outreach import services
from outreach.models import Resource, SubmissionFile
from tests.factories.outreach import (
    enrol,
    make_cycle,
    make_task,
    make_visit,
    make_workshop,
    upload,
)
from tests.factories.programs import EnrolmentFactory

from .spec import Case, above, county_only, expect

ALL_200 = expect(teacher=200, coord_a=200, coord_b=200, staff_x=200, staff_y=200, admin_x=200)
# Seen by everyone of county X (teacher A is enrolled); changed only by county X's staff.
SEE_ALL = expect(teacher=200, coord_a=200, coord_b=200, staff_x=200, staff_y=404, admin_x=200)
MANAGE = expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=200)
SCHOOL_OR_COUNTY = expect(teacher=403, coord_a=200, coord_b=200, staff_x=200, staff_y=404, admin_x=200)
POST_ONLY = expect(teacher=405, coord_a=405, coord_b=405, staff_x=405, staff_y=405, admin_x=405)


def _cycle(world):
    cycle = make_cycle(county=world.county_x)
    enrol(cycle, world.teacher_a)
    return cycle


def _cycle_args(world):
    return [_cycle(world).pk]


def _phase(world):
    return [_cycle(world).phases.first().pk]


def _visit(world):
    return [make_visit(_cycle(world), host_school=world.school_a).pk]


def _task(world):
    return [make_task(_cycle(world)).pk]


def _submission(world):
    task = make_task(_cycle(world))
    submission = services.submission_submit(task=task, teacher=world.teacher_a, text="反思")
    return submission


def _submission_args(world):
    return [_submission(world).pk]


def _submission_file(world):
    task = make_task(_cycle(world))
    services.submission_submit(task=task, teacher=world.teacher_a, files=[upload()])
    return [SubmissionFile.objects.get(submission__task=task).pk]


def _resource(world, *, approved=False):
    resource = services.resource_upload(
        cycle=_cycle(world), kind=Resource.Kind.LESSON_PLAN, title="教学设计", upload=upload(), actor=world.staff_x
    )
    if approved:
        services.resource_review(resource=resource, status=Resource.Status.APPROVED, actor=world.staff_x)
    return resource


def _pack(world):
    resource = _resource(world, approved=True)
    pack = services.pack_request(cycle=resource.cycle, actor=world.staff_x)
    return [services.pack_build(pack=pack).pk]


def _workshop(world):
    workshop = make_workshop(county=world.county_x)
    enrolment = EnrolmentFactory(subproject=workshop.subproject, teacher=world.teacher_a)
    services.workshop_member_add(workshop=workshop, enrolment=enrolment)
    return [workshop.pk]


ENTRIES = {
    "outreach_cycle_list": Case(ALL_200, above=above(200)),
    "outreach_cycle_create": Case(county_only(), above=above(403)),
    "outreach_cycle_detail": Case(SEE_ALL, setup=_cycle_args, above=above(200, other=404)),
    "outreach_cycle_stats": Case(SCHOOL_OR_COUNTY, setup=_cycle_args, above=above(200, other=404)),
    "outreach_visit_create": Case(MANAGE, setup=_cycle_args, above=above(403, other=404)),
    "outreach_team_add": Case(MANAGE, setup=_cycle_args, above=above(403, other=404)),
    "outreach_task_create": Case(MANAGE, setup=_cycle_args, above=above(403, other=404)),
    "outreach_resource_upload": Case(
        expect(teacher=200, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=200),
        setup=_cycle_args,
        above=above(403, other=404),
    ),
    "outreach_pack_request": Case(POST_ONLY, setup=_cycle_args, above=above(405)),
    "outreach_phase_edit": Case(MANAGE, setup=_phase, above=above(403, other=404)),
    "outreach_visit_detail": Case(SEE_ALL, setup=_visit, above=above(200, other=404)),
    "outreach_pool_list": Case(county_only(), above=above(200)),
    # The team-member picker's search: the county's pool, read by the county and the offices above it.
    "picker_members": Case(county_only(), above=above(200)),
    "outreach_task_detail": Case(SEE_ALL, setup=_task, above=above(200, other=404)),
    "outreach_task_submit": Case(
        expect(teacher=200, coord_a=403, coord_b=403, staff_x=403, staff_y=404, admin_x=403),
        setup=_task,
        above=above(403, other=404),
    ),
    "outreach_submission_review": Case(POST_ONLY, setup=_submission_args, above=above(405)),
    "outreach_submission_file": Case(
        expect(teacher=200, coord_a=200, coord_b=404, staff_x=200, staff_y=404, admin_x=200),
        setup=_submission_file,
        above=above(200, other=404),
    ),
    "outreach_overdue_list": Case(
        expect(teacher=403, coord_a=200, coord_b=200, staff_x=200, staff_y=200, admin_x=200), above=above(200)
    ),
    "outreach_resource_list": Case(ALL_200, above=above(200)),
    # A resource waiting for review is seen by reviewers only.
    "outreach_resource_review": Case(
        expect(teacher=404, coord_a=404, coord_b=404, staff_x=200, staff_y=404, admin_x=200),
        setup=lambda w: [_resource(w).pk],
        above=above(404),
    ),
    "outreach_resource_download": Case(
        SEE_ALL, setup=lambda w: [_resource(w, approved=True).pk], above=above(200, other=404)
    ),
    "outreach_pack_download": Case(SCHOOL_OR_COUNTY, setup=_pack, above=above(200, other=404)),
    "outreach_workshop_list": Case(ALL_200, above=above(200)),
    "outreach_workshop_create": Case(county_only(), above=above(403)),
    "outreach_workshop_detail": Case(SEE_ALL, setup=_workshop, above=above(200, other=404)),
    "outreach_workshop_member_add": Case(MANAGE, setup=_workshop, above=above(403, other=404)),
    "outreach_workshop_weights": Case(MANAGE, setup=_workshop, above=above(403, other=404)),
    "outreach_workshop_staff_add": Case(MANAGE, setup=_workshop, above=above(403, other=404)),
    "outreach_workshop_group_add": Case(MANAGE, setup=_workshop, above=above(403, other=404)),
    "outreach_visit_book": Case(POST_ONLY, setup=_visit, above=above(405)),
    "outreach_visit_day_add": Case(MANAGE, setup=_visit, above=above(403, other=404)),
    "outreach_team_stats": Case(
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=200),
        setup=_cycle_args,
        above=above(200, other=404),
    ),
    "outreach_pool_edit": Case(
        expect(teacher=404, coord_a=404, coord_b=404, staff_x=200, staff_y=404, admin_x=200),
        setup=lambda w: [services.pool_member_create(county=w.county_x, name="专家").pk],
        above=above(403, other=404),
    ),
}
