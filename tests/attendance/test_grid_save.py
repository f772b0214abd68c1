"""Saving the grid: one save stores every row, every change is audited, no lost updates, the lock."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from attendance.models import AttendanceChange, AttendanceRecord, AttendanceSheet
from attendance.services import ERR_LEAVE_REASON, ERR_LOCKED, ERR_REASON_REQUIRED, RowInput, attendance_grid_save
from tests.factories.attendance import session_for, trainees

from .conftest import grid_post


def _grid(session):
    return reverse("attendance_grid", args=[session.pk])


def _status(session, enrolment):
    return AttendanceRecord.objects.get(session=session, enrolment=enrolment).status


def test_one_save_stores_the_whole_grid_and_audits_each_row(client_for, world, roster):
    client = client_for(world.staff_x)
    data = grid_post(0, {roster.enrol_a: "present", roster.enrol_b: ("leave", "病假")})
    response = client.post(_grid(roster.session), data)
    assert response.status_code == 302
    assert _status(roster.session, roster.enrol_a) == "present"
    record_b = AttendanceRecord.objects.get(enrolment=roster.enrol_b)
    assert (record_b.status, record_b.note, record_b.updated_by) == ("leave", "病假", world.staff_x)
    changes = AttendanceChange.objects.order_by("enrolment_id")
    assert [(c.old_status, c.new_status, c.changed_by, c.revision) for c in changes] == [
        ("", "present", world.staff_x, 1),
        ("", "leave", world.staff_x, 1),
    ]
    assert AttendanceSheet.objects.get(session=roster.session).version == 1


def test_unchanged_rows_are_not_audited_and_do_not_bump_the_version(world, roster):
    rows = [RowInput(enrolment_id=roster.enrol_a.pk, status="present")]
    attendance_grid_save(session=roster.session, user=world.coord_a, rows=rows, version=0)
    result = attendance_grid_save(session=roster.session, user=world.coord_a, rows=rows, version=1)
    assert (result.saved, result.changed, result.version) == (True, 0, 1)
    assert AttendanceChange.objects.count() == 1


def test_a_change_records_old_and_new_values(world, roster):
    attendance_grid_save(
        session=roster.session, user=world.coord_a, rows=[RowInput(roster.enrol_a.pk, "absent")], version=0
    )
    attendance_grid_save(
        session=roster.session, user=world.staff_x, rows=[RowInput(roster.enrol_a.pk, "leave", "事假")], version=1
    )
    last = AttendanceChange.objects.order_by("-revision").first()
    assert (last.old_status, last.new_status, last.old_note, last.new_note, last.changed_by) == (
        "absent",
        "leave",
        "",
        "事假",
        world.staff_x,
    )


def test_a_stale_save_does_not_overwrite_and_shows_who_changed_what(client_for, world, roster):
    # staff_x and coord_a both open the grid at version 0; staff_x saves first.
    client_for(world.staff_x).post(_grid(roster.session), grid_post(0, {roster.enrol_a: "absent"}))
    client = client_for(world.coord_a)
    response = client.post(_grid(roster.session), grid_post(0, {roster.enrol_a: ("leave", "病假")}))
    assert response.status_code == 200
    assert _status(roster.session, roster.enrol_a) == "absent"
    conflicts = response.context["conflicts"]
    assert [(c.enrolment_id, c.new_status, c.changed_by) for c in conflicts] == [
        (roster.enrol_a.pk, "absent", world.staff_x)
    ]
    # The page keeps what the coordinator typed and carries the new version, so re-applying works.
    row = response.context["rows"][0]
    assert (row["status"], row["note"], response.context["version"]) == ("leave", "病假", 1)
    assert "staff_x" in response.content.decode()
    again = client.post(
        _grid(roster.session), grid_post(response.context["version"], {roster.enrol_a: ("leave", "病假")})
    )
    assert again.status_code == 302
    assert _status(roster.session, roster.enrol_a) == "leave"


def test_a_save_by_another_school_is_not_a_conflict(client_for, world, roster):
    client_for(world.coord_b).post(_grid(roster.session), grid_post(0, {roster.enrol_b: "present"}))
    response = client_for(world.coord_a).post(_grid(roster.session), grid_post(0, {roster.enrol_a: "late"}))
    assert response.status_code == 302
    assert _status(roster.session, roster.enrol_a) == "late"


def _old_session(world, days_after_lock=1):
    date = timezone.localdate() - dt.timedelta(days=7 + days_after_lock)
    session = session_for(world.county_x, date=date)
    return session, trainees(session, world.school_a, 1)[0]


def test_after_the_lock_a_coordinator_cannot_change_attendance(client_for, world, settings):
    settings.ATTENDANCE_LOCK_DAYS = 7
    session, enrolment = _old_session(world)
    client = client_for(world.coord_a)
    page = client.get(_grid(session))
    assert page.context["read_only"]
    response = client.post(_grid(session), grid_post(0, {enrolment: "present"}))
    assert response.status_code == 200
    assert ERR_LOCKED.format(days=7) in response.context["errors"]
    assert not AttendanceRecord.objects.exists()


def test_after_the_lock_county_staff_must_give_a_reason(client_for, world, settings):
    settings.ATTENDANCE_LOCK_DAYS = 7
    session, enrolment = _old_session(world)
    client = client_for(world.staff_x)
    response = client.post(_grid(session), grid_post(0, {enrolment: "present"}))
    assert ERR_REASON_REQUIRED in response.context["errors"]
    assert not AttendanceRecord.objects.exists()
    response = client.post(_grid(session), grid_post(0, {enrolment: "present"}, reason="补录纸质签到表"))
    assert response.status_code == 302
    change = AttendanceChange.objects.get()
    assert (change.reason, change.changed_by, change.new_status) == ("补录纸质签到表", world.staff_x, "present")


def test_the_lock_starts_after_the_configured_number_of_days(client_for, world, settings):
    settings.ATTENDANCE_LOCK_DAYS = 30
    session, enrolment = _old_session(world)  # 8 days ago: still open with a 30-day lock
    response = client_for(world.coord_a).post(_grid(session), grid_post(0, {enrolment: "present"}))
    assert response.status_code == 302


def test_an_unknown_status_is_refused(client_for, world, roster):
    response = client_for(world.coord_a).post(_grid(roster.session), grid_post(0, {roster.enrol_a: "partying"}))
    assert response.status_code == 200
    assert response.context["errors"]
    assert not AttendanceRecord.objects.exists()


def test_a_refused_save_keeps_the_loaded_version_so_a_later_change_still_conflicts(client_for, world, settings):
    settings.ATTENDANCE_LOCK_DAYS = 7
    session, enrolment = _old_session(world)
    client = client_for(world.staff_x)
    response = client.post(_grid(session), grid_post(0, {enrolment: "present"}))  # no reason: refused
    assert response.context["version"] == 0
    attendance_grid_save(
        session=session, user=world.admin_x, rows=[RowInput(enrolment.pk, "absent")], version=0, reason="核对"
    )
    again = client.post(_grid(session), grid_post(response.context["version"], {enrolment: "present"}, reason="补录"))
    assert again.status_code == 200
    assert [c.changed_by for c in again.context["conflicts"]] == [world.admin_x]
    assert _status(session, enrolment) == "absent"


def test_notes_with_quotes_backslashes_and_brackets_are_stored_exactly(world, roster):
    # Rows travel to the database as one JSON parameter: nothing in a note may break out of it.
    awkward = ['他说"请假"', "C:\\temp\\病假", "{1,2}", "it's; DROP TABLE x; --", "\u3000全角空格\u3000", "😀 emoji"]
    for version, note in enumerate(awkward):
        attendance_grid_save(
            session=roster.session,
            user=world.coord_a,
            rows=[RowInput(roster.enrol_a.pk, "leave", note)],
            version=version,
        )
        assert AttendanceRecord.objects.get(enrolment=roster.enrol_a).note == note
    notes = list(AttendanceChange.objects.order_by("revision").values_list("old_note", "new_note"))
    assert notes == list(zip(["", *awkward[:-1]], awkward, strict=True))


def test_leave_asks_for_a_reason_and_nothing_is_saved_without_it(client_for, world, roster):
    client = client_for(world.coord_a)
    response = client.post(_grid(roster.session), grid_post(0, {roster.enrol_a: "leave"}))
    assert response.status_code == 200
    assert not AttendanceRecord.objects.exists()
    (row,) = [r for r in response.context["rows"] if r["row"].enrolment_id == roster.enrol_a.pk]
    assert row["error"] == ERR_LEAVE_REASON
    html = response.content.decode()
    assert f'name="note-{roster.enrol_a.pk}"' in html and "is-invalid" in html
    assert client.post(_grid(roster.session), grid_post(0, {roster.enrol_a: ("leave", "病假")})).status_code == 302
    assert _status(roster.session, roster.enrol_a) == "leave"


def test_an_old_leave_without_a_reason_does_not_block_saving_other_rows(client_for, world, roster):
    from attendance.services import attendance_import_write

    attendance_import_write(session=roster.session, rows=[RowInput(roster.enrol_a.pk, "leave")], actor=None, reason="")
    client = client_for(world.staff_x)
    data = grid_post(1, {roster.enrol_a: "leave", roster.enrol_b: "present"})
    assert client.post(_grid(roster.session), data).status_code == 302
    assert _status(roster.session, roster.enrol_b) == "present"
