from .spec import Case, above, county_only, expect

COUNTY_X_JOB = expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=200)
POST_ONLY = {"anonymous": 405, **dict.fromkeys(("teacher", "coord_a", "coord_b", "staff_x", "staff_y", "admin_x"), 405)}
# Reports read county records: county staff and the offices above see their own scope's figures.
REPORT = Case(county_only(), above=above(200))


def _job(world):
    from tests.factories.reports import ExportJobFactory

    return [ExportJobFactory(county=world.county_x, requested_by=world.admin_x).pk]


def _done_job(world):
    from reports.services import export_run

    (pk,) = _job(world)
    export_run(job_id=pk)
    return [pk]


def _saved(world):
    from reports.builder import spec_from
    from reports.services import statistic_save

    spec = spec_from(rows=["school"], columns=["person_times"])
    return [statistic_save(user=world.staff_x, name="各校参训人次", spec=spec).pk]


ENTRIES = {
    "reports:dashboard": REPORT,
    "reports:dashboard_table": Case(county_only(), setup=lambda w: ["units"], above=above(200)),
    "reports:rates": REPORT,
    "reports:satisfaction": REPORT,
    "reports:structure": REPORT,
    "reports:statistics": REPORT,
    "reports:statistic_delete": Case(POST_ONLY, setup=_saved, above=above(405)),
    "reports:export_list": REPORT,
    # County X's jobs: its staff and the offices over it read them; the other city's office does not.
    "reports:export_status": Case(COUNTY_X_JOB, setup=_job, above=above(200, other=404)),
    "reports:export_download": Case(COUNTY_X_JOB, setup=_done_job, above=above(200, other=404)),
    # POST-only: a GET is refused before anything is looked up
    "reports:export_delete": Case(POST_ONLY, setup=_job, above=above(405)),
}
