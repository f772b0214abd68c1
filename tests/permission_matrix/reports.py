from .spec import Case, above, county_only, expect

COUNTY_X_JOB = expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=200)


def _job(world):
    from tests.factories.reports import ExportJobFactory

    return [ExportJobFactory(county=world.county_x, requested_by=world.admin_x).pk]


def _done_job(world):
    from reports.services import export_run

    (pk,) = _job(world)
    export_run(job_id=pk)
    return [pk]


ENTRIES = {
    "reports:dashboard": Case(county_only(), above=above(403)),
    "reports:dashboard_table": Case(county_only(), setup=lambda w: ["townships"], above=above(403)),
    "reports:export_list": Case(county_only(), above=above(403)),
    "reports:export_status": Case(COUNTY_X_JOB, setup=_job, above=above(403)),
    "reports:export_download": Case(COUNTY_X_JOB, setup=_done_job, above=above(403)),
    # POST-only: a GET is refused before anything is looked up
    "reports:export_delete": Case(
        {"anonymous": 405, **dict.fromkeys(("teacher", "coord_a", "coord_b", "staff_x", "staff_y", "admin_x"), 405)},
        setup=_job,
        above=above(405),
    ),
}
