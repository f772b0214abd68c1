"""Who sees which grid: coordinators their own school's trainees, county staff their county's."""

from django.urls import reverse

from attendance.models import AttendanceRecord
from programs.models import Enrolment
from tests.factories.attendance import enrol, session_for, trainees

from .conftest import grid_post


def _grid(session):
    return reverse("attendance_grid", args=[session.pk])


def test_coordinator_sees_only_confirmed_trainees_of_own_school(client_for, world, roster):
    nominated = trainees(roster.session, world.school_a, 1, prefix="提名")[0]
    Enrolment.objects.filter(pk=nominated.pk).update(status=Enrolment.Status.NOMINATED)
    response = client_for(world.coord_a).get(_grid(roster.session))
    assert response.status_code == 200
    shown = {row["row"].enrolment_id for row in response.context["rows"]}
    assert shown == {roster.enrol_a.pk}


def test_county_staff_see_every_school_of_their_county_and_can_filter(client_for, world, roster):
    client = client_for(world.staff_x)
    shown = {row["row"].enrolment_id for row in client.get(_grid(roster.session)).context["rows"]}
    assert shown == {roster.enrol_a.pk, roster.enrol_b.pk}
    filtered = client.get(_grid(roster.session), {"school": world.school_b.pk}).context["rows"]
    assert [row["row"].enrolment_id for row in filtered] == [roster.enrol_b.pk]


def test_coordinator_asking_for_another_schools_grid_gets_404(client_for, world, roster):
    assert client_for(world.coord_a).get(_grid(roster.session), {"school": world.school_b.pk}).status_code == 404


def test_county_staff_filtering_by_a_school_of_another_county_gets_404(client_for, world, roster):
    assert client_for(world.staff_x).get(_grid(roster.session), {"school": world.school_c.pk}).status_code == 404


def test_coordinator_without_trainees_in_the_subproject_gets_404(client_for, world):
    session = session_for(world.county_x)
    enrol(session, world.teacher_a)
    assert client_for(world.coord_b).get(_grid(session)).status_code == 404


def test_outsiders_get_404_and_teachers_403(client_for, world, roster):
    assert client_for(world.staff_y).get(_grid(roster.session)).status_code == 404
    assert client_for(world.coord_a).get(_grid(roster.other_session)).status_code == 404
    assert client_for(world.teacher_user_a).get(_grid(roster.session)).status_code == 403


def test_posting_another_schools_trainee_inside_own_grid_is_404_and_changes_nothing(client_for, world, roster):
    client = client_for(world.coord_a)
    data = grid_post(0, {roster.enrol_a: "present", roster.enrol_b: "absent"})
    assert client.post(_grid(roster.session), data).status_code == 404
    assert not AttendanceRecord.objects.exists()


def test_posting_another_countys_trainee_is_404_and_changes_nothing(client_for, world, roster):
    client = client_for(world.staff_x)
    data = grid_post(0, {roster.enrol_a: "present", roster.enrol_c: "present"})
    assert client.post(_grid(roster.session), data).status_code == 404
    assert not AttendanceRecord.objects.exists()


def test_posting_to_another_countys_session_is_404(client_for, world, roster):
    data = grid_post(0, {roster.enrol_c: "present"})
    assert client_for(world.staff_x).post(_grid(roster.other_session), data).status_code == 404
    assert not AttendanceRecord.objects.exists()
