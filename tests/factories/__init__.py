"""Factories for tests. Each app's factories live in a module here and are re-exported."""

from .registry import (  # noqa: F401
    CountyFactory,
    SchoolFactory,
    TeacherFactory,
    TownshipFactory,
    UserFactory,
    make_id_number,
)
