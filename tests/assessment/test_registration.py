"""学分审核登记: submit, approve or return, locks, corrections with reasons, audit."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessment import registration
from assessment.credits import requirement_save, tally_credits
from assessment.models import (
    AuditEntry,
    CountyCreditCategory,
    CreditEntry,
    CreditRegistration,
    CreditTally,
    TallyCorrection,
)
from programs.models import Enrolment
from tests.factories import EnrolmentFactory, ProgramFactory, SubProjectFactory

D = Decimal


@pytest.fixture
def tallied(world):
    requirement_save(county=world.county_x, year=2026, total=D(24), actor=None)
    sub = SubProjectFactory(program=ProgramFactory(county=world.county_x, year=2026), hours=24)
    EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=Enrolment.Status.COMPLETED)
    tally_credits(year=2026, county=world.county_x)
    return CreditTally.objects.get(teacher=world.teacher_a, year=2026)


def _url(name, world):
    return reverse(name, args=[world.school_a.pk, 2026])


def test_coordinator_submits_and_county_approves_which_locks(client_for, world, tallied):
    assert client_for(world.coord_a).post(_url("registration_submit", world)).status_code == 302
    assert CreditRegistration.objects.get().status == "submitted"
    tallied.refresh_from_db()
    assert tallied.locked  # what was submitted is what the county sees
    client_for(world.staff_x).post(_url("registration_decide", world), {"decision": "approve"})
    assert CreditRegistration.objects.get().status == "approved"
    tallied.refresh_from_db()
    assert tallied.locked


def test_approved_tallies_are_not_rewritten_by_the_tally(world, tallied):
    reg = registration.registration_submit(school=world.school_a, year=2026, actor=world.coord_a)
    registration.registration_approve(registration=reg, actor=world.staff_x)
    sub = SubProjectFactory(program=ProgramFactory(county=world.county_x, year=2026), hours=10)
    EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=Enrolment.Status.COMPLETED)
    tally_credits(year=2026, county=world.county_x)
    tallied.refresh_from_db()
    assert tallied.total_hours == 24


def test_return_needs_a_reason_and_allows_resubmission(client_for, world, tallied):
    reg = registration.registration_submit(school=world.school_a, year=2026, actor=world.coord_a)
    with pytest.raises(ValidationError):
        registration.registration_return(registration=reg, reason="  ", actor=world.staff_x)
    client_for(world.staff_x).post(_url("registration_decide", world), {"decision": "return", "reason": "名单不全"})
    reg.refresh_from_db()
    assert (reg.status, reg.reason) == ("returned", "名单不全")
    assert not CreditTally.objects.filter(locked=True).exists()
    registration.registration_submit(school=world.school_a, year=2026, actor=world.coord_a)
    reg.refresh_from_db()
    assert (reg.status, reg.reason) == ("submitted", "")


def test_cannot_submit_twice_or_after_approval(world, tallied):
    reg = registration.registration_submit(school=world.school_a, year=2026, actor=world.coord_a)
    with pytest.raises(ValidationError):
        registration.registration_submit(school=world.school_a, year=2026, actor=world.coord_a)
    registration.registration_approve(registration=reg, actor=world.staff_x)
    with pytest.raises(ValidationError):
        registration.registration_submit(school=world.school_a, year=2026, actor=world.coord_a)
    with pytest.raises(ValidationError):
        registration.registration_approve(registration=reg, actor=world.staff_x)


def test_submitting_without_tallies_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        registration.registration_submit(school=world.school_b, year=2026, actor=world.coord_b)
    assert exc.value.messages == [registration.ERR_NO_TALLIES]


def test_coordinator_cannot_approve_and_county_cannot_submit(client_for, world, tallied):
    assert client_for(world.staff_x).post(_url("registration_submit", world)).status_code == 403
    registration.registration_submit(school=world.school_a, year=2026, actor=world.coord_a)
    assert (
        client_for(world.coord_a).post(_url("registration_decide", world), {"decision": "approve"}).status_code == 403
    )
    assert (
        client_for(world.coord_b).post(_url("registration_decide", world), {"decision": "approve"}).status_code == 404
    )
    assert (
        client_for(world.staff_y).post(_url("registration_decide", world), {"decision": "approve"}).status_code == 404
    )
    assert CreditRegistration.objects.get().status == "submitted"


def test_correction_needs_reason_and_keeps_old_value(client_for, world, tallied):
    reg = registration.registration_submit(school=world.school_a, year=2026, actor=world.coord_a)
    registration.registration_approve(registration=reg, actor=world.staff_x)
    url = reverse("tally_correct", args=[tallied.pk])
    client = client_for(world.staff_x)
    centralized = CountyCreditCategory.objects.get(county=world.county_x, code="centralized")
    data = {f"hours_{centralized.pk}": "12"}
    assert client.post(url, {**data, "reason": ""}).status_code == 200
    assert not TallyCorrection.objects.exists()
    assert client.post(url, {**data, "reason": "结业证书核对有误"}).status_code == 302
    tallied.refresh_from_db()
    assert (tallied.total_hours, tallied.met, tallied.shortfall_hours, tallied.credits) == (12, False, 12, D("1.20"))
    correction = TallyCorrection.objects.get()
    assert correction.old_values["total_hours"] == "24.0"
    assert correction.new_values["total_hours"] == "12.0"
    assert correction.reason == "结业证书核对有误"
    # The difference is a locked ledger row, so the ledger still sums to the tally.
    row = CreditEntry.objects.get(source_kind="correction")
    assert (row.hours, row.locked, row.source_id) == (-12, True, correction.pk)
    assert sum(CreditEntry.objects.filter(teacher=world.teacher_a).values_list("hours", flat=True)) == 12
    # A later rebuild leaves the corrected figures alone.
    tally_credits(year=2026, county=world.county_x)
    tallied.refresh_from_db()
    assert tallied.total_hours == 12


def test_correction_only_for_approved_records(world, tallied):
    with pytest.raises(ValidationError) as exc:
        registration.tally_correct(
            tally=tallied,
            reason="x",
            actor=world.staff_x,
            hours={"centralized": D(1)},
        )
    assert exc.value.messages == [registration.ERR_NOT_LOCKED]


def test_every_step_is_audited(world, tallied):
    reg = registration.registration_submit(school=world.school_a, year=2026, actor=world.coord_a)
    registration.registration_return(registration=reg, reason="补充", actor=world.staff_x)
    reg = registration.registration_submit(school=world.school_a, year=2026, actor=world.coord_a)
    registration.registration_approve(registration=reg, actor=world.staff_x)
    registration.tally_correct(
        tally=tallied,
        reason="更正",
        actor=world.admin_x,
        hours={"centralized": D(20)},
    )
    trail = list(AuditEntry.objects.order_by("pk").values_list("action", "actor__username"))
    assert trail[-5:] == [
        ("registration_submit", "coord_a"),
        ("registration_return", "staff_x"),
        ("registration_submit", "coord_a"),
        ("registration_approve", "staff_x"),
        ("tally_correct", "admin_x"),
    ]


def test_registration_list_shows_each_schools_status(client_for, world, tallied):
    registration.registration_submit(school=world.school_a, year=2026, actor=world.coord_a)
    page = client_for(world.staff_x).get(reverse("registration_list"), {"year": 2026}).content.decode()
    assert "甲县一小" in page and "已提交" in page and "乙县一小" not in page
    own = client_for(world.coord_b).get(reverse("registration_list"), {"year": 2026}).content.decode()
    assert "甲县二小" in own and "甲县一小" not in own


def test_coordinator_sees_only_own_school_tallies(client_for, world, tallied):
    page = client_for(world.coord_a).get(_url("registration_detail", world)).content.decode()
    assert "张三" in page and "李四" not in page


def test_submitted_tallies_are_frozen_until_returned(world, tallied):
    reg = registration.registration_submit(school=world.school_a, year=2026, actor=world.coord_a)
    sub = SubProjectFactory(program=ProgramFactory(county=world.county_x, year=2026), hours=10)
    EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=Enrolment.Status.COMPLETED)
    tally_credits(year=2026, county=world.county_x)
    tallied.refresh_from_db()
    assert tallied.total_hours == 24
    registration.registration_return(registration=reg, reason="请更新", actor=world.staff_x)
    tally_credits(year=2026, county=world.county_x)
    tallied.refresh_from_db()
    assert (tallied.total_hours, tallied.locked) == (34, False)


def test_submitted_but_unapproved_tally_cannot_be_corrected(world, tallied):
    registration.registration_submit(school=world.school_a, year=2026, actor=world.coord_a)
    with pytest.raises(ValidationError):
        registration.tally_correct(
            tally=tallied,
            reason="x",
            actor=world.staff_x,
            hours={"centralized": D(1)},
        )
