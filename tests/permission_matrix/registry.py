from core.models import ImportUpload

from .spec import ROLES, Case, above, county_only, expect


def _upload(world):
    from django.core.files.base import ContentFile

    from tests.xlsx import make_xlsx

    record = ImportUpload(
        kind="teachers", original_name="t.xlsx", size=1, uploaded_by=world.staff_x, county=world.county_x
    )
    record.file.save("t.xlsx", ContentFile(make_xlsx([["姓名", "身份证号", "学校"]])), save=True)
    return ["teachers", record.pk]


def _history_record(world):
    return [_upload(world)[1]]


def _services_healthy(world):
    """/healthz answers 200 or 503 by the services this run has (CI has a broker but no worker); the
    matrix is about who may ask, so it pins a fresh healthy result (tests/core/test_health.py checks
    the real outcomes)."""
    import time

    from core import health

    health._cached = (time.monotonic(), {"status": "ok", "checks": {}})
    return []


ALL_200 = expect(teacher=200, coord_a=200, coord_b=200, staff_x=200, staff_y=200, admin_x=200)
SCHOOL_OR_COUNTY = expect(teacher=403, coord_a=200, coord_b=200, staff_x=200, staff_y=200, admin_x=200)

ENTRIES = {
    "home": Case(ALL_200, above=above(200)),
    "import_list": Case(ALL_200, above=above(200)),
    "healthz": Case({role: 200 for role in ROLES}, setup=_services_healthy, above=above(200)),
    "login": Case(
        {"anonymous": 200, **{r: 302 for r in ("teacher", "coord_a", "coord_b", "staff_x", "staff_y", "admin_x")}},
        above=above(302),
    ),
    "logout": Case({role: 405 for role in ROLES}, above=above(405)),
    "password_change": Case(ALL_200, above=above(200)),
    "password_change_done": Case(ALL_200, above=above(200)),
    "user_list": Case(
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=403, staff_y=403, admin_x=200), above=above(403)
    ),
    "user_create": Case(
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=403, staff_y=403, admin_x=200), above=above(403)
    ),
    "user_edit": Case(
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=403, staff_y=403, admin_x=200),
        setup=lambda w: [w.coord_a.pk],
        above=above(403),
    ),
    "user_password": Case(
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=403, staff_y=403, admin_x=200),
        setup=lambda w: [w.coord_a.pk],
        above=above(403),
    ),
    "region_list": Case(county_only(), above=above(200)),
    "school_list": Case(SCHOOL_OR_COUNTY, above=above(200)),
    "school_create": Case(county_only(), above=above(403)),
    "school_detail": Case(
        expect(teacher=404, coord_a=200, coord_b=404, staff_x=200, staff_y=404, admin_x=200),
        setup=lambda w: [w.school_a.pk],
        above=above(200, other=404),
    ),
    "school_edit": Case(
        expect(teacher=404, coord_a=403, coord_b=404, staff_x=200, staff_y=404, admin_x=200),
        setup=lambda w: [w.school_a.pk],
        above=above(403, other=404),
    ),
    "teacher_list": Case(SCHOOL_OR_COUNTY, above=above(200)),
    "teacher_create": Case(SCHOOL_OR_COUNTY, above=above(403)),
    "teacher_detail": Case(
        expect(teacher=200, coord_a=200, coord_b=404, staff_x=200, staff_y=404, admin_x=200),
        setup=lambda w: [w.teacher_a.pk],
        above=above(200, other=404),
    ),
    "teacher_edit": Case(
        expect(teacher=403, coord_a=200, coord_b=404, staff_x=200, staff_y=404, admin_x=200),
        setup=lambda w: [w.teacher_a.pk],
        above=above(403, other=404),
    ),
    "teacher_transfer": Case(
        expect(teacher=403, coord_a=403, coord_b=404, staff_x=200, staff_y=404, admin_x=200),
        setup=lambda w: [w.teacher_a.pk],
        above=above(403, other=404),
    ),
    "import_upload": Case(county_only(), setup=lambda w: ["teachers"], above=above(403)),
    "import_template": Case(county_only(), setup=lambda w: ["teachers"], above=above(403)),
    "import_preview": Case(
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=404),
        setup=_upload,
        above=above(403),
    ),
    "import_status": Case(
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=404),
        setup=_upload,
        above=above(403),
    ),
    "import_errors": Case(
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=200, staff_y=404, admin_x=404),
        setup=_upload,
        above=above(403),
    ),
    "import_sheet": Case(
        # POST-only, like the confirmation
        expect(teacher=405, coord_a=405, coord_b=405, staff_x=405, staff_y=405, admin_x=405),
        setup=_upload,
        above=above(405),
    ),
    "import_history": Case(county_only(), above=above(403)),
    "import_history_file": Case(
        # the county's administrator downloads a kept file again; its staff may only read the history
        expect(teacher=403, coord_a=403, coord_b=403, staff_x=403, staff_y=404, admin_x=200),
        setup=_history_record,
        above=above(403, other=404),
    ),
    # The pickers' searches answer each role within its scope (tests/core/test_pickers.py).
    "picker_teachers": Case(SCHOOL_OR_COUNTY, above=above(200)),
    "picker_schools": Case(SCHOOL_OR_COUNTY, above=above(200)),
    "import_confirm": Case(
        # POST-only: a GET is refused before anything is looked up
        expect(teacher=405, coord_a=405, coord_b=405, staff_x=405, staff_y=405, admin_x=405),
        setup=_upload,
        above=above(405),
    ),
}
