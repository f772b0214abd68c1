"""Factories for tests. Each app's factories live in a module here and are re-exported."""

from .programs import (  # noqa: F401, E402
    AttendanceFactory,
    CategoryFactory,
    EnrolmentFactory,
    ProgramFactory,
    SessionFactory,
    SubProjectFactory,
)
from .registry import (  # noqa: F401
    CountyFactory,
    SchoolFactory,
    TeacherFactory,
    TownshipFactory,
    UserFactory,
    make_id_number,
)
