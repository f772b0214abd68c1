"""学分申报: a teacher claims an item of the county's table with evidence, the school reviews (初审), the
county decides (复核), an optional 公示 before the credit is counted; scoping, limits and the ledger."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from assessment import claims
from assessment.credits import credit_settings_for, credit_settings_save, tally_credits
from assessment.ledger import REBUILT_KINDS, teacher_year_sums
from assessment.models import AuditEntry, ClaimItem, CreditClaim, CreditEntry, CreditTally
from assessment.tasks import finalise_claim_publicity
from config.queues import TASK_QUEUES
from outreach.uploads import ERR_CONTENT_MISMATCH
from programs.models import CreditCategory, Enrolment
from tests.factories import EnrolmentFactory, ProgramFactory, SubProjectFactory, TeacherFactory, UserFactory
from tests.factories.assessment import make_claim, make_claim_item
from tests.factories.outreach import EXE_BYTES, upload

D = Decimal
S = CreditClaim.Status


def _publicity(county, days, actor=None):
    current = credit_settings_for(county)
    credit_settings_save(
        county=county, hours_per_credit=current.hours_per_credit, mode=current.mode, claim_publicity_days=days, actor=actor
    )


def _through_school(world, claim):
    return claims.claim_school_review(claim=claim, approve=True, actor=world.coord_a)


def _approved(world, item=None, **kwargs):
    claim = make_claim(world.teacher_user_a, item or make_claim_item(world.county_x), **kwargs)
    _through_school(world, claim)
    return claims.claim_county_review(claim=claim, approve=True, actor=world.staff_x)


# The flow through the pages


def test_a_claim_goes_from_the_teacher_through_the_school_and_the_county_into_the_ledger(client_for, world, client):
    item = make_claim_item(world.county_x)
    teacher = client_for(world.teacher_user_a)
    response = teacher.get(reverse("claim_create"))
    assert "论文发表（省级）（2 学分/篇）" in response.content.decode()
    response = teacher.post(
        reverse("claim_create"),
        {"item": item.pk, "year": 2026, "quantity": "2", "description": "两篇省级论文", "files": [upload("录用通知.pdf")]},
    )
    claim = CreditClaim.objects.get()
    assert response.status_code == 302 and response.url == reverse("claim_detail", args=[claim.pk])
    assert (claim.status, claim.credits, claim.hours, claim.school, claim.county) == (
        S.SUBMITTED, D("4.00"), D("40.0"), world.school_a, world.county_x
    )  # fmt: skip

    coord = client_for(world.coord_a)
    page = coord.get(reverse("claim_school_queue")).content.decode()
    assert "张三" in page and "论文发表（省级）" in page
    coord.post(reverse("claim_school_queue"), {"ids": [claim.pk], "decision": "approve", "comment": ""})
    claim.refresh_from_db()
    assert claim.status == S.SCHOOL_APPROVED and claim.school_reviewer == world.coord_a

    staff = client_for(world.staff_x)
    assert "张三" in staff.get(reverse("claim_county_queue")).content.decode()
    staff.post(reverse("claim_county_review", args=[claim.pk]), {"decision": "approve", "comment": ""})
    claim.refresh_from_db()
    assert claim.status == S.APPROVED and claim.county_reviewer == world.staff_x
    entry = CreditEntry.objects.get(source_kind=CreditEntry.Source.CLAIM, source_id=claim.pk)
    assert (entry.status, entry.credits, entry.hours, entry.category.code) == ("counted", D("4.00"), D("40.0"), "self_study")
    # The tally follows at once (no rebuild needed).
    assert CreditTally.objects.get(teacher=world.teacher_a, year=2026).credits == D("4.00")


def test_a_teacher_withdraws_a_claim_before_the_school_decides(client_for, world):
    claim = make_claim(world.teacher_user_a, make_claim_item(world.county_x))
    client_for(world.teacher_user_a).post(reverse("claim_withdraw", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.status == S.WITHDRAWN
    with pytest.raises(ValidationError):
        claims.claim_school_review(claim=claim, approve=True, actor=world.coord_a)


def test_a_decided_claim_cannot_be_withdrawn(world):
    claim = make_claim(world.teacher_user_a, make_claim_item(world.county_x))
    _through_school(world, claim)
    with pytest.raises(ValidationError, match=claims.ERR_NOT_WITHDRAWABLE):
        claims.claim_withdraw(claim=claim, actor=world.teacher_user_a)


def test_a_rejection_needs_a_reason_at_either_level(world):
    claim = make_claim(world.teacher_user_a, make_claim_item(world.county_x))
    with pytest.raises(ValidationError) as exc:
        claims.claim_school_review(claim=claim, approve=False, comment="  ", actor=world.coord_a)
    assert exc.value.message_dict == {"comment": [claims.ERR_REASON_REQUIRED]}
    _through_school(world, claim)
    with pytest.raises(ValidationError):
        claims.claim_county_review(claim=claim, approve=False, actor=world.staff_x)
    claims.claim_county_review(claim=claim, approve=False, comment="证书非本人", actor=world.staff_x)
    claim.refresh_from_db()
    assert (claim.status, claim.county_comment) == (S.COUNTY_REJECTED, "证书非本人")
    assert not CreditEntry.objects.exists()


def test_bulk_rejection_without_a_reason_writes_nothing_and_says_why(client_for, world):
    item = make_claim_item(world.county_x)
    first, second = make_claim(world.teacher_user_a, item), make_claim(world.teacher_user_a, item)
    response = client_for(world.coord_a).post(
        reverse("claim_school_queue"), {"ids": [first.pk, second.pk], "decision": "reject", "comment": ""}
    )
    assert response.status_code == 200 and "请填写原因" in response.content.decode()
    assert set(CreditClaim.objects.values_list("status", flat=True)) == {S.SUBMITTED}


# Scoping


def test_another_schools_coordinator_gets_404_on_the_claim_and_its_evidence(client_for, world):
    claim = make_claim(world.teacher_user_a, make_claim_item(world.county_x))
    evidence = claim.evidence.get()
    coord_b = client_for(world.coord_b)
    assert coord_b.get(reverse("claim_detail", args=[claim.pk])).status_code == 404
    assert coord_b.get(reverse("claim_evidence", args=[evidence.pk])).status_code == 404
    assert coord_b.post(reverse("claim_school_review", args=[claim.pk]), {"decision": "approve"}).status_code == 404
    # Nor can a bulk post slip it in among the coordinator's own.
    assert coord_b.post(reverse("claim_school_queue"), {"ids": [claim.pk], "decision": "approve"}).status_code == 404
    claim.refresh_from_db()
    assert claim.status == S.SUBMITTED


def test_the_claimant_their_coordinator_and_the_county_download_the_evidence(client_for, world, client):
    evidence = make_claim(world.teacher_user_a, make_claim_item(world.county_x)).evidence.get()
    url = reverse("claim_evidence", args=[evidence.pk])
    for user in (world.teacher_user_a, world.coord_a, world.staff_x, world.admin_x):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    for user in (world.staff_y, world.city_admin, world.province_staff):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_a_coordinator_cannot_decide_the_county_review(client_for, world):
    claim = make_claim(world.teacher_user_a, make_claim_item(world.county_x))
    _through_school(world, claim)
    coord = client_for(world.coord_a)
    assert coord.post(reverse("claim_county_review", args=[claim.pk]), {"decision": "approve"}).status_code == 403
    assert coord.get(reverse("claim_county_queue")).status_code == 403
    assert coord.post(reverse("claim_county_queue"), {"ids": [claim.pk], "decision": "approve"}).status_code == 403
    with pytest.raises(PermissionDenied):
        claims.claim_county_review(claim=claim, approve=True, actor=world.coord_a)
    claim.refresh_from_db()
    assert claim.status == S.SCHOOL_APPROVED and not CreditEntry.objects.exists()


def test_another_countys_staff_cannot_review_a_claim(client_for, world):
    claim = make_claim(world.teacher_user_a, make_claim_item(world.county_x))
    _through_school(world, claim)
    assert client_for(world.staff_y).post(reverse("claim_county_review", args=[claim.pk]), {"decision": "approve"}).status_code == 404
    with pytest.raises(PermissionDenied):
        claims.claim_county_review(claim=claim, approve=True, actor=world.staff_y)


def test_county_staff_cannot_do_the_schools_review(world):
    claim = make_claim(world.teacher_user_a, make_claim_item(world.county_x))
    with pytest.raises(PermissionDenied):
        claims.claim_school_review(claim=claim, approve=True, actor=world.staff_x)
    with pytest.raises(PermissionDenied):
        claims.claim_school_review(claim=claim, approve=True, actor=world.coord_b)


def test_a_teacher_sees_only_their_own_claims(client_for, world):
    item = make_claim_item(world.county_x)
    teacher_b_user = UserFactory(username="teacher_b", role=Role.TEACHER, teacher=world.teacher_b)
    other = make_claim(teacher_b_user, item)
    mine = make_claim(world.teacher_user_a, item, description="我的论文")
    client = client_for(world.teacher_user_a)
    assert client.get(reverse("claim_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("claim_evidence", args=[other.evidence.get().pk])).status_code == 404
    assert client.post(reverse("claim_withdraw", args=[other.pk])).status_code == 404
    listed = client.get(reverse("claim_list")).content.decode()
    assert reverse("claim_detail", args=[mine.pk]) in listed and reverse("claim_detail", args=[other.pk]) not in listed


def test_a_teacher_claims_only_for_themselves(world):
    item = make_claim_item(world.county_x)
    with pytest.raises(PermissionDenied):
        claims.claim_submit(
            teacher=world.teacher_b, item=item, year=2026, quantity=D(1), description="x", files=[upload()], actor=world.teacher_user_a
        )
    with pytest.raises(PermissionDenied):
        claims.claim_submit(
            teacher=world.teacher_a, item=item, year=2026, quantity=D(1), description="x", files=[upload()], actor=world.coord_a
        )


def test_an_item_of_another_county_or_stopped_cannot_be_claimed(world):
    other = make_claim_item(world.county_y)
    with pytest.raises(ValidationError) as exc:
        make_claim(world.teacher_user_a, other)
    assert exc.value.message_dict == {"item": [claims.ERR_ITEM_OTHER_COUNTY]}
    item = make_claim_item(world.county_x)
    claims.claim_item_set_active(item=item, active=False, actor=world.staff_x)
    with pytest.raises(ValidationError) as exc:
        make_claim(world.teacher_user_a, item)
    assert exc.value.message_dict == {"item": [claims.ERR_ITEM_INACTIVE]}


# The claim form


def test_a_bad_upload_is_refused_with_a_chinese_error_on_the_file_field(client_for, world):
    item = make_claim_item(world.county_x)
    response = client_for(world.teacher_user_a).post(
        reverse("claim_create"),
        {"item": item.pk, "year": 2026, "quantity": "1", "description": "论文", "files": [upload("证书.pdf", EXE_BYTES)]},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"files": [ERR_CONTENT_MISMATCH]}
    assert not CreditClaim.objects.exists()


def test_a_claim_without_evidence_is_refused(client_for, world):
    item = make_claim_item(world.county_x)
    response = client_for(world.teacher_user_a).post(
        reverse("claim_create"), {"item": item.pk, "year": 2026, "quantity": "1", "description": "论文"}
    )
    assert response.context["form"].errors == {"files": [claims.ERR_NO_EVIDENCE]}


def test_quantity_must_be_positive(world):
    with pytest.raises(ValidationError) as exc:
        make_claim(world.teacher_user_a, make_claim_item(world.county_x), quantity="0")
    assert exc.value.message_dict == {"quantity": [claims.ERR_QUANTITY]}


def test_the_yearly_maximum_counts_live_claims_of_the_year(world):
    item = make_claim_item(world.county_x, name="送教授课", kind="trainer", amount="0.25", per="节", max_per_year="2")
    make_claim(world.teacher_user_a, item, quantity="6")  # 1.5 学分
    with pytest.raises(ValidationError) as exc:
        make_claim(world.teacher_user_a, item, quantity="3")  # 0.75 more would be 2.25
    assert exc.value.message_dict == {"quantity": [claims.ERR_OVER_YEARLY_MAX.format(max="2", used="1.5")]}
    make_claim(world.teacher_user_a, item, quantity="2")  # exactly 2
    make_claim(world.teacher_user_a, item, quantity="8", year=2025)  # another year has its own limit
    withdrawn = CreditClaim.objects.filter(year=2026).first()
    claims.claim_withdraw(claim=withdrawn, actor=world.teacher_user_a)
    make_claim(world.teacher_user_a, item, quantity="2")  # a withdrawn claim frees its share


# Amounts in both units


def test_ledger_amounts_for_an_item_in_credits_and_one_in_hours(world):
    per_lesson = make_claim_item(world.county_x, name="送教授课", kind="trainer", amount="0.25", per="节")
    degree = make_claim_item(world.county_x, name="学历提升（本科）", kind="degree", unit="hours", amount="36", per="")
    lessons = _approved(world, per_lesson, quantity="6")
    study = _approved(world, degree)
    # 自主研修 converts at the county's 10 学时 = 1 学分.
    trainer_row = CreditEntry.objects.get(source_id=lessons.pk, source_kind=CreditEntry.Source.TRAINER)
    assert (trainer_row.credits, trainer_row.hours) == (D("1.50"), D("15.0"))
    claim_row = CreditEntry.objects.get(source_id=study.pk, source_kind=CreditEntry.Source.CLAIM)
    assert (claim_row.hours, claim_row.credits) == (D("36.0"), D("3.60"))
    sums = teacher_year_sums(teacher_ids=[world.teacher_a.pk], year=2026)[world.teacher_a.pk]
    assert sums[claim_row.category_id] == {"hours": D("51.0"), "credits": D("5.10")}


def test_amounts_follow_the_items_category_rate(world):
    from assessment.credits import category_save

    category_save(county=world.county_x, code="research", name="教研", hours_per_credit=D(20), actor=world.staff_x)
    item = make_claim_item(world.county_x, name="课题结题", kind="research", amount="3", per="项", category_code="research")
    claim = _approved(world, item)
    row = CreditEntry.objects.get(source_id=claim.pk)
    assert (row.credits, row.hours, row.category.name) == (D("3.00"), D("60.0"), "教研")


# 公示


def test_with_a_publicity_period_the_row_is_pending_and_not_counted_until_it_ends(world):
    _publicity(world.county_x, 7)
    claim = make_claim(world.teacher_user_a, make_claim_item(world.county_x))
    _through_school(world, claim)
    claims.claim_county_review(claim=claim, approve=True, actor=world.staff_x, today=dt.date(2026, 5, 1))
    claim.refresh_from_db()
    assert (claim.status, claim.publicity_until) == (S.IN_PUBLICITY, dt.date(2026, 5, 8))
    row = CreditEntry.objects.get(source_id=claim.pk)
    assert row.status == CreditEntry.Status.PENDING
    # Pending rows are in no total: the ledger sums and the tally count only 已计入 rows.
    tally_credits(year=2026, county=world.county_x)
    assert teacher_year_sums(teacher_ids=[world.teacher_a.pk], year=2026) == {}
    assert CreditTally.objects.get(teacher=world.teacher_a, year=2026).credits == 0

    assert claims.claims_publicity_finalise(today=dt.date(2026, 5, 8)) == 0  # the last day of 公示
    assert claims.claims_publicity_finalise(today=dt.date(2026, 5, 9)) == 1
    claim.refresh_from_db()
    row.refresh_from_db()
    assert (claim.status, row.status) == (S.APPROVED, CreditEntry.Status.COUNTED)
    assert CreditTally.objects.get(teacher=world.teacher_a, year=2026).credits == D("2.00")
    assert claims.claims_publicity_finalise(today=dt.date(2026, 5, 10)) == 0


def test_the_county_revokes_a_claim_during_publicity_and_its_row_goes(client_for, world):
    _publicity(world.county_x, 5)
    claim = _approved(world)
    staff = client_for(world.staff_x)
    staff.post(reverse("claim_revoke", args=[claim.pk]), {"comment": ""})
    claim.refresh_from_db()
    assert claim.status == S.IN_PUBLICITY  # no reason, no revocation
    staff.post(reverse("claim_revoke", args=[claim.pk]), {"comment": "公示期间收到实名举报，论文非本人所写"})
    claim.refresh_from_db()
    assert claim.status == S.REVOKED and not CreditEntry.objects.exists()
    assert claims.claims_publicity_finalise(today=dt.date(2099, 1, 1)) == 0


def test_the_publicity_list_masks_names_and_stays_within_the_county(client_for, world):
    _publicity(world.county_x, 7)
    _approved(world)
    page = client_for(world.teacher_user_a).get(reverse("claim_publicity")).content.decode()
    assert "张*" in page and "张三" not in page and "论文发表（省级）" in page
    assert "张*" in client_for(world.coord_b).get(reverse("claim_publicity")).content.decode()
    assert "张*" not in client_for(world.staff_y).get(reverse("claim_publicity")).content.decode()


def test_the_beat_task_is_routed_and_finalises(world):
    assert TASK_QUEUES["assessment.finalise_claim_publicity"] == "tallies"
    _publicity(world.county_x, 1)
    claim = make_claim(world.teacher_user_a, make_claim_item(world.county_x))
    _through_school(world, claim)
    claims.claim_county_review(claim=claim, approve=True, actor=world.staff_x, today=dt.date(2020, 1, 1))
    assert finalise_claim_publicity() == 1


# The ledger's rebuild leaves claim rows alone


def test_the_rebuild_keeps_claim_rows(world):
    sub = SubProjectFactory(
        program=ProgramFactory(county=world.county_x, year=2026), hours=24, credit_category=CreditCategory.CENTRALIZED
    )
    EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=Enrolment.Status.COMPLETED)
    lessons = make_claim_item(world.county_x, name="送教授课", kind="trainer", amount="0.25", per="节")
    _approved(world, lessons, quantity="4")
    _approved(world)
    assert CreditEntry.Source.CLAIM not in REBUILT_KINDS and CreditEntry.Source.TRAINER not in REBUILT_KINDS
    for _ in range(2):
        tally_credits(year=2026, county=world.county_x)
    kinds = sorted(CreditEntry.objects.values_list("source_kind", flat=True))
    assert kinds == ["claim", "enrolment", "trainer"]
    # 24 学时 集中 = 2.4, 1 + 2 学分 申报
    assert CreditTally.objects.get(teacher=world.teacher_a, year=2026).credits == D("5.40")


# Audit


def test_every_transition_is_audited(world):
    _publicity(world.county_x, 3)
    item = make_claim_item(world.county_x, actor=world.staff_x)
    claim = make_claim(world.teacher_user_a, item)
    _through_school(world, claim)
    claims.claim_county_review(claim=claim, approve=True, actor=world.staff_x, today=dt.date(2026, 1, 1))
    claims.claims_publicity_finalise(today=dt.date(2026, 2, 1))
    other = make_claim(world.teacher_user_a, item)
    claims.claim_withdraw(claim=other, actor=world.teacher_user_a)
    claims.claim_item_set_active(item=item, active=False, actor=world.staff_x)
    trail = list(
        AuditEntry.objects.filter(object_type__in=["CreditClaim", "ClaimItem"]).order_by("pk").values_list("action", "actor")
    )
    assert trail == [
        ("claim_item_create", world.staff_x.pk),
        ("claim_submit", world.teacher_user_a.pk),
        ("claim_school_review", world.coord_a.pk),
        ("claim_county_review", world.staff_x.pk),
        ("claim_publicity_end", None),
        ("claim_submit", world.teacher_user_a.pk),
        ("claim_withdraw", world.teacher_user_a.pk),
        ("claim_item_deactivate", world.staff_x.pk),
    ]


# The claim table


def test_county_staff_manage_the_claim_table(client_for, world):
    staff = client_for(world.staff_x)
    from assessment.credits import category_lookup

    category = category_lookup(county=world.county_x, key="self_study")
    response = staff.post(
        reverse("claim_item_create"),
        {"name": "竞赛获奖（县级一等奖）", "kind": "contest", "category": category.pk, "unit": "credits", "amount": "1.5",
         "per": "项", "max_per_year": "3", "active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    item = ClaimItem.objects.get()
    assert (item.county, item.amount, item.max_per_year) == (world.county_x, D("1.5"), D("3"))
    staff.post(reverse("claim_item_toggle", args=[item.pk]))
    item.refresh_from_db()
    assert not item.active
    assert "已停用" in staff.get(reverse("claim_item_list")).content.decode()
    response = staff.post(
        reverse("claim_item_edit", args=[item.pk]),
        {"name": "竞赛获奖（县级一等奖）", "kind": "contest", "category": category.pk, "unit": "credits", "amount": "0",
         "per": "项"},
    )  # fmt: skip
    assert response.status_code == 200 and response.context["form"].errors["amount"]
    assert client_for(world.staff_y).get(reverse("claim_item_edit", args=[item.pk])).status_code == 404


def test_another_countys_category_cannot_be_used(world):
    from assessment.credits import category_lookup

    with pytest.raises(ValidationError):
        claims.claim_item_save(
            county=world.county_x, actor=world.staff_x, name="x", kind="other",
            category=category_lookup(county=world.county_y, key="self_study"), unit="credits", amount=D(1),
        )  # fmt: skip


def test_the_publicity_days_are_a_county_setting(client_for, world):
    staff = client_for(world.staff_x)
    staff.post(reverse("credit_settings"), {"form": "settings", "hours_per_credit": "10", "mode": "full", "claim_publicity_days": "7"})
    assert credit_settings_for(world.county_x).claim_publicity_days == 7
    response = staff.post(
        reverse("credit_settings"), {"form": "settings", "hours_per_credit": "10", "mode": "full", "claim_publicity_days": "90"}
    )
    assert "公示天数应在 0 到 60 天之间" in response.content.decode()


# Query counts: the lists read the same number of queries for 5 rows as for 50


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _claims(world, item, n, *, stage):
    for _ in range(n):
        teacher = TeacherFactory(school=world.school_a)
        user = UserFactory(role=Role.TEACHER, teacher=teacher)
        claim = make_claim(user, item)
        if stage in ("county", "publicity"):
            _through_school(world, claim)
        if stage == "publicity":
            claims.claim_county_review(claim=claim, approve=True, actor=world.staff_x)


@pytest.mark.parametrize(
    ("user", "name", "stage"),
    [
        ("coord_a", "claim_school_queue", "school"),
        ("staff_x", "claim_county_queue", "county"),
        ("staff_x", "claim_publicity", "publicity"),
        ("teacher_user_a", "claim_publicity", "publicity"),
    ],
)
def test_review_and_publicity_lists_do_not_grow_with_rows(client_for, world, user, name, stage):
    _publicity(world.county_x, 7)
    item = make_claim_item(world.county_x)
    client = client_for(getattr(world, user))
    url = reverse(name)
    _claims(world, item, 5, stage=stage)
    five = _count(client, url)
    _claims(world, item, 45, stage=stage)
    # session, user, count, the page (teacher, school, item, category joined), the evidence prefetch
    assert _count(client, url) == five
    assert five <= 8


def test_my_claims_and_the_claim_table_do_not_grow_with_rows(client_for, world):
    client = client_for(world.teacher_user_a)
    item = make_claim_item(world.county_x)
    for _ in range(5):
        make_claim(world.teacher_user_a, item)
    five = _count(client, reverse("claim_list"))
    for _ in range(45):
        make_claim(world.teacher_user_a, item)
    assert _count(client, reverse("claim_list")) == five
    staff = client_for(world.staff_x)
    for n in range(5):
        make_claim_item(world.county_x, name=f"项目{n}")
    table = _count(staff, reverse("claim_item_list"))
    for n in range(5, 50):
        make_claim_item(world.county_x, name=f"项目{n}")
    assert _count(staff, reverse("claim_item_list")) == table


def test_the_home_page_counts_claims_waiting_for_each_review(client_for, world):
    item = make_claim_item(world.county_x)
    waiting_school = make_claim(world.teacher_user_a, item)
    _through_school(world, make_claim(world.teacher_user_a, item))
    for user, key, expected in ((world.coord_a, "claims_school", 1), (world.staff_x, "claims_county", 1)):
        client = client_for(user)
        response = client.get(reverse("home"))
        (figure,) = [f for s in response.context["desk"].sections for f in s.figures if f.key == key]
        assert figure.count == expected
        assert client.get(figure.url).context["page"].paginator.count == expected
    assert waiting_school.status == S.SUBMITTED
    figures = {f.key: f.count for s in client_for(world.coord_b).get(reverse("home")).context["desk"].sections for f in s.figures}
    assert figures["claims_school"] == 0


def test_the_transcript_lists_a_counted_claim_but_not_a_pending_one(client_for, world):
    counted = _approved(world, make_claim_item(world.county_x, name="课题结题（市级）", kind="research", per="项"))
    _publicity(world.county_x, 7)
    _approved(world, make_claim_item(world.county_x, name="竞赛获奖（县级）", kind="contest", per="项"))
    page = client_for(world.teacher_user_a).get(reverse("transcript", args=[world.teacher_a.pk])).content.decode()
    assert counted.item.name in page and "竞赛获奖（县级）" not in page


def test_only_the_county_sees_the_review_and_revoke_forms_on_a_claim(client_for, world):
    _publicity(world.county_x, 7)
    claim = _approved(world)
    revoke = reverse("claim_revoke", args=[claim.pk])
    assert revoke in client_for(world.staff_x).get(reverse("claim_detail", args=[claim.pk])).content.decode()
    for user in (world.teacher_user_a, world.coord_a):
        assert revoke not in client_for(user).get(reverse("claim_detail", args=[claim.pk])).content.decode()
    assert client_for(world.coord_a).post(revoke, {"comment": "异议"}).status_code == 403


def test_a_year_whose_tally_is_locked_takes_no_claim(world):
    item = make_claim_item(world.county_x)
    waiting = make_claim(world.teacher_user_a, item)
    _through_school(world, waiting)
    tally_credits(year=2026, county=world.county_x)
    CreditTally.objects.filter(teacher=world.teacher_a, year=2026).update(locked=True)  # registration submitted
    with pytest.raises(ValidationError) as exc:
        make_claim(world.teacher_user_a, item)
    assert exc.value.message_dict == {"year": [claims.ERR_YEAR_LOCKED]}
    with pytest.raises(ValidationError, match="锁定"):
        claims.claim_county_review(claim=waiting, approve=True, actor=world.staff_x)
    claims.claim_county_review(claim=waiting, approve=False, comment="本年度已登记", actor=world.staff_x)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_publicity_task_runs_in_a_real_worker(world, celery_broker):
    _publicity(world.county_x, 1)
    claim = make_claim(world.teacher_user_a, make_claim_item(world.county_x))
    _through_school(world, claim)
    claims.claim_county_review(claim=claim, approve=True, actor=world.staff_x, today=dt.date(2020, 1, 1))
    finished = threading.Event()

    def done(sender=None, **kwargs):
        if sender is not None and sender.name == "assessment.finalise_claim_publicity":
            finished.set()

    task_postrun.connect(done, weak=False)
    try:
        with start_worker(celery_broker, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            finalise_claim_publicity.delay()
            assert finished.wait(timeout=60)
    finally:
        task_postrun.disconnect(done)
    claim.refresh_from_db()
    assert claim.status == S.APPROVED
    assert CreditEntry.objects.get(source_id=claim.pk).status == CreditEntry.Status.COUNTED


def test_the_teacher_reads_why_a_claim_was_refused_in_their_list(client_for, world):
    claim = make_claim(world.teacher_user_a, make_claim_item(world.county_x))
    claims.claim_school_review(claim=claim, approve=False, comment="缺少刊物封面与目录页", actor=world.coord_a)
    page = client_for(world.teacher_user_a).get(reverse("claim_list")).content.decode()
    assert "初审未通过" in page and "缺少刊物封面与目录页" in page


# 公示异议: objections during the publicity period


def _in_publicity(world, days=7):
    _publicity(world.county_x, days)
    claim = _approved(world)
    assert claim.status == S.IN_PUBLICITY
    return claim


def _colleague(world):
    """Another teacher of county X, with an account (a colleague who reads the 公示 list)."""
    return UserFactory(role=Role.TEACHER, teacher=TeacherFactory(school=world.school_b))


def test_a_colleague_objects_from_the_publicity_list_and_the_county_sees_who_and_why(client_for, world):
    from assessment.models import ClaimObjection

    claim = _in_publicity(world)
    colleague = _colleague(world)
    client = client_for(colleague)
    page = client.get(reverse("claim_publicity")).content.decode()
    assert reverse("claim_object", args=[claim.pk]) in page
    response = client.post(reverse("claim_object", args=[claim.pk]), {"reason": "该论文第一作者不是本人"})
    assert response.status_code == 302 and response["Location"] == reverse("claim_publicity")
    objection = ClaimObjection.objects.get()
    assert (objection.claim, objection.raised_by, objection.status) == (claim, colleague, "open")
    assert AuditEntry.objects.filter(action="claim_objection", object_id=str(claim.pk)).exists()
    # The county sees the objector and the reason; the claimant and the school do not see who objected.
    staff_page = client_for(world.staff_x).get(reverse("claim_detail", args=[claim.pk])).content.decode()
    assert "该论文第一作者不是本人" in staff_page and "claim-objections" in staff_page
    for user in (world.teacher_user_a, world.coord_a):
        assert "该论文第一作者不是本人" not in client_for(user).get(reverse("claim_detail", args=[claim.pk])).content.decode()
    assert "1 条待处理" in client_for(world.staff_x).get(reverse("claim_publicity")).content.decode()


def test_an_objection_needs_a_reason_and_one_open_objection_per_person(client_for, world):
    claim = _in_publicity(world)
    client = client_for(_colleague(world))
    response = client.post(reverse("claim_object", args=[claim.pk]), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    client.post(reverse("claim_object", args=[claim.pk]), {"reason": "级别不符"})
    again = client.post(reverse("claim_object", args=[claim.pk]), {"reason": "再次提出"})
    assert again.status_code == 200 and "您对该申报的异议尚在处理中" in again.context["form"].errors["reason"]


def test_who_may_object(client_for, world):
    claim = _in_publicity(world)
    url = reverse("claim_object", args=[claim.pk])
    assert client_for(world.teacher_user_a).get(url).status_code == 403  # the claimant
    assert client_for(world.coord_b).get(url).status_code == 200  # a coordinator of the county
    assert client_for(world.staff_x).get(url).status_code == 403  # the county decides, it does not object
    assert client_for(world.staff_y).get(url).status_code == 404  # another county: not on its list
    other_county_teacher = UserFactory(role=Role.TEACHER, teacher=TeacherFactory(school=world.school_c))
    assert client_for(other_county_teacher).get(url).status_code == 404  # not on their 公示 list
    with pytest.raises(ValidationError):
        claims.claim_object(claim=claim, reason="自己", actor=world.teacher_user_a)


def test_no_objection_once_publicity_is_over_or_the_claim_left_it(world):
    claim = _in_publicity(world, days=3)
    colleague = _colleague(world)
    with pytest.raises(ValidationError) as exc:
        claims.claim_object(claim=claim, reason="晚了", actor=colleague, today=claim.publicity_until + dt.timedelta(days=1))
    assert exc.value.messages == [claims.ERR_PUBLICITY_OVER]
    claims.claims_publicity_finalise(today=claim.publicity_until + dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        claims.claim_object(claim=claim, reason="已计入", actor=colleague, today=claim.publicity_until)


def test_an_open_objection_holds_the_claim_until_the_county_dismisses_it(client_for, world):
    claim = _in_publicity(world, days=3)
    objection = claims.claim_object(claim=claim, reason="数量不符", actor=_colleague(world))
    after = claim.publicity_until + dt.timedelta(days=1)
    assert claims.claims_publicity_finalise(today=after) == 0  # waits for the decision
    entry = CreditEntry.objects.get(source_id=claim.pk)
    assert entry.status == CreditEntry.Status.PENDING
    response = client_for(world.staff_x).post(
        reverse("claim_objection_decide", args=[objection.pk]), {"decision": "dismiss", "handling_note": "核实无误"}
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert (objection.status, objection.handling_note, objection.handled_by) == ("dismissed", "核实无误", world.staff_x)
    assert claims.claims_publicity_finalise(today=after) == 1
    entry.refresh_from_db()
    assert entry.status == CreditEntry.Status.COUNTED


def test_an_upheld_objection_revokes_the_claim_and_closes_the_others(client_for, world):
    claim = _in_publicity(world)
    first = claims.claim_object(claim=claim, reason="成果不属本人", actor=_colleague(world))
    second = claims.claim_object(claim=claim, reason="同上", actor=world.coord_b)
    staff = client_for(world.staff_x)
    missing_note = staff.post(reverse("claim_objection_decide", args=[first.pk]), {"decision": "uphold"})
    assert missing_note.status_code == 302 and CreditClaim.objects.get(pk=claim.pk).status == S.IN_PUBLICITY
    staff.post(reverse("claim_objection_decide", args=[first.pk]), {"decision": "uphold", "handling_note": "经核实属实"})
    claim.refresh_from_db()
    assert (claim.status, claim.county_comment) == (S.REVOKED, "经核实属实")
    assert not CreditEntry.objects.filter(source_id=claim.pk, source_kind="claim").exists()
    second.refresh_from_db()
    assert second.status == "upheld"
    assert AuditEntry.objects.filter(action="claim_objection_decide", object_id=str(claim.pk)).exists()
    with pytest.raises(ValidationError):  # decided already
        claims.claim_objection_decide(objection=first, uphold=False, note="再议", actor=world.staff_x)


def test_only_the_claims_county_decides_an_objection(client_for, world):
    claim = _in_publicity(world)
    objection = claims.claim_object(claim=claim, reason="级别不符", actor=_colleague(world))
    url = reverse("claim_objection_decide", args=[objection.pk])
    data = {"decision": "uphold", "handling_note": "撤销"}
    assert client_for(world.coord_a).post(url, data).status_code == 403
    assert client_for(world.staff_y).post(url, data).status_code == 404
    with pytest.raises(PermissionDenied):
        claims.claim_objection_decide(objection=objection, uphold=True, note="撤销", actor=world.coord_a)
    assert CreditClaim.objects.get(pk=claim.pk).status == S.IN_PUBLICITY
