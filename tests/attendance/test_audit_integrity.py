"""The audit trail's tie to its record is kept by the database, not only by the code that writes it."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from attendance.models import AttendanceChange, AttendanceRecord
from attendance.services import RowInput, attendance_grid_save


def _change(session, enrolment):
    return AttendanceChange(
        session=session, enrolment=enrolment, revision=1, new_status="present", source="grid", changed_at=timezone.now()
    )


@pytest.mark.postgresql  # the composite key exists on PostgreSQL only
def test_a_change_without_a_record_of_its_session_and_enrolment_is_refused(world, roster):
    # enrol_c belongs to another session: the pair (session, enrol_c) has no record.
    with pytest.raises(IntegrityError), transaction.atomic():
        _change(roster.session, roster.enrol_c).save()
        connection.check_constraints()  # the key is deferred: check it now rather than at commit


@pytest.mark.postgresql
def test_deleting_a_record_deletes_its_changes_in_the_database(world, roster):
    attendance_grid_save(
        session=roster.session, user=world.coord_a, rows=[RowInput(roster.enrol_a.pk, "absent")], version=0
    )
    record = AttendanceRecord.objects.get(enrolment=roster.enrol_a)
    with connection.cursor() as cursor:  # raw SQL: no help from Django's cascade
        cursor.execute("DELETE FROM attendance_attendancerecord WHERE id = %s", [record.pk])
    assert not AttendanceChange.objects.filter(enrolment=roster.enrol_a).exists()


def test_deleting_a_session_or_an_enrolment_through_django_takes_its_audit_rows_along(world, roster):
    for enrolment in (roster.enrol_a, roster.enrol_b):
        attendance_grid_save(
            session=roster.session,
            user=world.coord_a if enrolment == roster.enrol_a else world.coord_b,
            rows=[RowInput(enrolment.pk, "absent")],
            version=0 if enrolment == roster.enrol_a else 1,
        )
    roster.enrol_a.delete()
    assert list(AttendanceChange.objects.values_list("enrolment_id", flat=True)) == [roster.enrol_b.pk]
    roster.session.delete()
    assert not AttendanceChange.objects.exists() and not AttendanceRecord.objects.exists()


def test_deleting_an_account_keeps_its_audit_rows_without_an_author(world, roster):
    attendance_grid_save(
        session=roster.session, user=world.coord_a, rows=[RowInput(roster.enrol_a.pk, "absent")], version=0
    )
    world.coord_a.delete()
    change = AttendanceChange.objects.get()
    assert (change.new_status, change.changed_by) == ("absent", None)
