"""换人 requests: a coordinator asks for their own confirmed trainee, county staff approve (the
substitution runs through enrolment_substitute) or decline with the reason kept."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs import services
from programs.models import Enrolment, SubstitutionRequest
from tests.factories import TeacherFactory


def _confirmed(world, subproject):
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    return services.enrolment_confirm(enrolment=enrolment, actor=world.staff_x)


def test_a_coordinator_asks_for_a_substitution_with_a_proposed_replacement(client_for, world, subproject):
    enrolment = _confirmed(world, subproject)
    other = TeacherFactory(school=world.school_a)
    url = reverse("substitution_request_create", args=[enrolment.pk])
    response = client_for(world.coord_a).post(url, {"reason": "生病住院", "replacement": other.pk})
    assert response.status_code == 302
    request = SubstitutionRequest.objects.get()
    assert (request.source, request.reason, request.replacement, request.requested_by) == (
        "coordinator",
        "生病住院",
        other,
        world.coord_a,
    )


def test_a_request_without_reason_shows_the_error_on_the_field(client_for, world, subproject):
    enrolment = _confirmed(world, subproject)
    response = client_for(world.coord_a).post(reverse("substitution_request_create", args=[enrolment.pk]), {})
    assert response.status_code == 200
    assert not SubstitutionRequest.objects.exists()


def test_another_schools_coordinator_gets_404(client_for, world, subproject):
    enrolment = _confirmed(world, subproject)
    url = reverse("substitution_request_create", args=[enrolment.pk])
    assert client_for(world.coord_b).post(url, {"reason": "x"}).status_code == 404
    assert not SubstitutionRequest.objects.exists()


def _request(world, subproject, replacement=None):
    return services.substitution_request_create(
        enrolment=_confirmed(world, subproject),
        source="coordinator",
        reason="生病住院",
        actor=world.coord_a,
        replacement=replacement,
    )


def test_staff_approve_and_the_proposed_teacher_takes_the_place(client_for, world, subproject):
    other = TeacherFactory(school=world.school_a)
    request = _request(world, subproject, replacement=other)
    url = reverse("substitution_request_decide", args=[request.pk])
    assert client_for(world.staff_x).post(url, {"decision": "approve"}).status_code == 302
    request.refresh_from_db()
    assert request.status == SubstitutionRequest.Status.APPROVED
    assert request.decided_by == world.staff_x and request.decided_at is not None
    assert request.result.teacher == other and request.result.replaces == request.enrolment
    assert Enrolment.objects.get(pk=request.enrolment_id).status == Enrolment.Status.SUBSTITUTED


def test_staff_may_name_another_replacement_by_id_number(client_for, world, subproject):
    request = _request(world, subproject)
    other = TeacherFactory(school=world.school_b)
    url = reverse("substitution_request_decide", args=[request.pk])
    data = {"decision": "approve", "replacement_id_number": other.id_number}
    assert client_for(world.staff_x).post(url, data).status_code == 302
    request.refresh_from_db()
    assert request.result.teacher == other


def test_approving_without_any_replacement_is_refused(client_for, world, subproject):
    request = _request(world, subproject)
    url = reverse("substitution_request_decide", args=[request.pk])
    response = client_for(world.staff_x).post(url, {"decision": "approve"})
    assert response.status_code == 200
    assert services.ERR_REPLACEMENT_REQUIRED in response.content.decode()
    assert SubstitutionRequest.objects.get().status == SubstitutionRequest.Status.PENDING


def test_declining_keeps_the_reason_and_needs_one(client_for, world, subproject):
    request = _request(world, subproject)
    url = reverse("substitution_request_decide", args=[request.pk])
    client = client_for(world.staff_x)
    assert client.post(url, {"decision": "decline"}).status_code == 200
    assert SubstitutionRequest.objects.get().status == SubstitutionRequest.Status.PENDING
    assert client.post(url, {"decision": "decline", "note": "开班在即，不再换人"}).status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decision_note) == (SubstitutionRequest.Status.DECLINED, "开班在即，不再换人")
    assert Enrolment.objects.get(pk=request.enrolment_id).status == Enrolment.Status.CONFIRMED


def test_a_decided_request_cannot_be_decided_again(world, subproject):
    request = _request(world, subproject)
    services.substitution_request_decide(request=request, approve=False, note="不同意", actor=world.staff_x)
    with pytest.raises(ValidationError, match=services.ERR_REQUEST_DECIDED):
        services.substitution_request_decide(request=request, approve=False, note="再次", actor=world.staff_x)


def test_another_countys_staff_get_404_on_the_decision(client_for, world, subproject):
    request = _request(world, subproject)
    url = reverse("substitution_request_decide", args=[request.pk])
    assert client_for(world.staff_y).post(url, {"decision": "decline", "note": "x"}).status_code == 404
    assert SubstitutionRequest.objects.get().status == SubstitutionRequest.Status.PENDING


def test_the_list_shows_pending_requests_of_the_county(client_for, world, subproject):
    _request(world, subproject)
    page = client_for(world.staff_x).get(reverse("substitution_request_list")).content.decode()
    assert "生病住院" in page
    assert "生病住院" not in client_for(world.staff_y).get(reverse("substitution_request_list")).content.decode()


def test_a_request_on_a_nomination_hands_over_the_nomination(world, subproject):
    """A teacher's 无法参加 usually answers the nomination notice, before the county confirms."""
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    request = services.substitution_request_create(
        enrolment=enrolment, source="teacher", reason="外出学习", actor=world.teacher_user_a
    )
    other = TeacherFactory(school=world.school_a)
    decided = services.substitution_request_decide(
        request=request, approve=True, replacement=other, actor=world.staff_x
    )
    assert (decided.result.teacher, decided.result.status) == (other, Enrolment.Status.NOMINATED)
    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.SUBSTITUTED


def test_the_plain_substitution_still_takes_only_confirmed_trainees(world, subproject):
    enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    with pytest.raises(ValidationError):
        services.enrolment_substitute(enrolment=enrolment, replacement=world.teacher_b, reason="x", actor=world.staff_x)


def test_proposing_another_schools_teacher_answers_404_and_writes_nothing(client_for, world, subproject):
    enrolment = _confirmed(world, subproject)
    url = reverse("substitution_request_create", args=[enrolment.pk])
    response = client_for(world.coord_a).post(url, {"reason": "生病", "replacement": world.teacher_b.pk})
    assert response.status_code == 404
    assert not SubstitutionRequest.objects.exists()
