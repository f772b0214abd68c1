import datetime as dt

import pytest

from programs import services
from programs.models import SubProject
from tests.factories import CategoryFactory


@pytest.fixture
def program(world):
    return services.program_create(
        county=world.county_x, year=2026, level="county", category=CategoryFactory(), name="2026年县级骨干教师培训"
    )


def make_subproject(program, name="小学数学骨干班", *, start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 3), **fields):
    fields.setdefault("modality", SubProject.Modality.CENTRALIZED)
    fields.setdefault("quota", 10)
    return services.subproject_create(program=program, name=name, start_date=start, end_date=end, **fields)


@pytest.fixture
def subproject(program, world):
    sub = make_subproject(program)
    services.quota_set(subproject=sub, school=world.school_a, quota=2)
    return sub
