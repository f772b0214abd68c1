"""Two saves of the same rows at the same moment: the sheet lock lets one through, the other sees
the conflict (no lost update, whichever thread wins)."""

import threading

import pytest
from django.db import connection

from attendance.models import AttendanceChange, AttendanceRecord
from attendance.services import RowInput, attendance_grid_save


# Row locks between two connections need a server database; the suite's database is PostgreSQL
# (CI sets PEIXUN_REQUIRE_SERVICES=1), SQLite only serves `make run` without services.
@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_from_the_same_version_never_both_write(world, roster):
    barrier = threading.Barrier(2)
    results = {}

    def save(user, status):
        try:
            barrier.wait()
            results[user.username] = attendance_grid_save(
                session=roster.session,
                user=user,
                rows=[RowInput(roster.enrol_a.pk, status, "事假" if status == "leave" else "")],
                version=0,
            )
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(world.coord_a, "absent")),
        threading.Thread(target=save, args=(world.staff_x, "leave")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = [name for name, result in results.items() if result.saved]
    refused = [result for result in results.values() if not result.saved]
    assert len(saved) == 1 and len(refused) == 1
    winner_status = {"coord_a": "absent", "staff_x": "leave"}[saved[0]]
    assert AttendanceRecord.objects.get(enrolment=roster.enrol_a).status == winner_status
    assert [c.new_status for c in refused[0].conflicts] == [winner_status]
    assert AttendanceChange.objects.count() == 1
