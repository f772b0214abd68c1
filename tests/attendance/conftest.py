from dataclasses import dataclass

import pytest
from django.core.cache import cache

from programs.models import Enrolment, Session
from tests.factories.attendance import enrol, session_for


@pytest.fixture(autouse=True)
def _empty_cache():
    # QR rate limits live in the cache; each test starts with none counted.
    cache.clear()
    yield
    cache.clear()


@dataclass
class Roster:
    session: Session
    enrol_a: Enrolment  # teacher A, school A (county X), confirmed
    enrol_b: Enrolment  # teacher B, school B (county X), confirmed
    other_session: Session  # a session of county Y
    enrol_c: Enrolment  # teacher C, school C (county Y), confirmed in the other session


@pytest.fixture
def roster(world) -> Roster:
    session = session_for(world.county_x)
    other = session_for(world.county_y)
    return Roster(
        session=session,
        enrol_a=enrol(session, world.teacher_a),
        enrol_b=enrol(session, world.teacher_b),
        other_session=other,
        enrol_c=enrol(other, world.teacher_c),
    )


def grid_post(version: int, rows: dict, reason: str = "") -> dict:
    """The grid's POST body: {enrolment: status} or {enrolment: (status, note)}."""
    data = {"version": str(version), "reason": reason}
    for enrolment, value in rows.items():
        status, note = value if isinstance(value, tuple) else (value, "")
        data[f"status-{enrolment.pk}"] = status
        data[f"note-{enrolment.pk}"] = note
    return data
