"""Special-education test data, built through specialed.services."""

import datetime as dt
from decimal import Decimal

from specialed import services


def make_home_visit(*, school, teachers, child_code="QS-001", date=dt.date(2026, 5, 10), township=None, **fields):
    return services.support_visit_create(
        school=school,
        kind="home",
        date=date,
        teachers=teachers,
        hours=fields.pop("hours", Decimal(2)),
        contents=fields.pop("contents", ["skills", "rehab"]),
        township=township,
        child_code=child_code,
        **fields,
    )


def make_itinerant_visit(*, school, teachers, target_school, class_name="三(2)班", date=dt.date(2026, 5, 12), **fields):
    return services.support_visit_create(
        school=school,
        kind="itinerant",
        date=date,
        teachers=teachers,
        hours=fields.pop("hours", Decimal(3)),
        contents=fields.pop("contents", ["iep"]),
        target_school=target_school,
        class_name=class_name,
        **fields,
    )
