import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from certificates import serials, services
from certificates.models import Certificate, Verification
from tests.factories.certificates import completed


def test_names_are_masked_but_first_and_last_characters_stay():
    assert serials.mask_name("张小明") == "张*明"
    assert serials.mask_name("张三") == "张*"
    assert serials.mask_name("欧阳小明") == "欧**明"


@pytest.mark.parametrize(
    "template,error",
    [
        ("{县区代码}-{年度}", serials.ERR_TEMPLATE_NUMBER),
        ("{县区代码}-{姓名}-{序号}", serials.ERR_TEMPLATE_FIELD),
        ("{序号:05d", serials.ERR_TEMPLATE_SYNTAX),
        ("{序号:xyz}", serials.ERR_TEMPLATE_SYNTAX),
    ],
)
def test_a_bad_serial_template_is_refused_with_a_chinese_reason(template, error):
    with pytest.raises(ValidationError) as exc:
        serials.check_template(template)
    assert exc.value.messages == [error]


def test_serials_follow_the_default_template_and_count_up(world, cert_a, cert_b):
    code = world.county_x.code or f"{world.county_x.pk:06d}"
    assert cert_a.serial == f"{code}-2026-00001"
    assert cert_b.serial == f"{code}-2026-00002"
    assert cert_a.token != cert_b.token and len(cert_a.token) >= 26


def test_the_database_refuses_a_duplicate_serial(cert_a, cert_b):
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.filter(pk=cert_b.pk).update(serial=cert_a.serial)


def test_a_second_issue_for_the_same_enrolment_returns_the_certificate_in_force(world, enrolment_a, cert_a):
    again = services.certificate_issue(enrolment=enrolment_a, actor=world.staff_x)
    assert again.pk == cert_a.pk
    assert Certificate.objects.count() == 1


def test_the_verify_page_shows_a_valid_certificate_with_the_name_masked(client, cert_a):
    response = client.get(reverse("certificates:verify", args=[cert_a.token]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "有效" in page and "张*" in page and "张三" not in page
    assert cert_a.title in page and cert_a.issuing_unit in page and "24" in page
    assert cert_a.holder_id_masked not in page  # nothing beyond the listed fields


def test_the_verify_page_answers_404_for_an_unknown_token_and_logs_it(client, cert_a):
    response = client.get(reverse("certificates:verify", args=["x" * 27]))
    assert response.status_code == 404
    log = Verification.objects.get()
    assert log.found is False and log.asked == "x" * 27 and log.via == "token"


def test_each_verification_is_logged_with_the_client_address(client, cert_a):
    client.get(reverse("certificates:verify", args=[cert_a.token]), REMOTE_ADDR="10.1.2.3")
    log = Verification.objects.get()
    assert log.certificate == cert_a and log.found and log.client == "10.1.2.3"


def test_revoking_needs_a_reason_and_then_the_page_says_revoked_with_the_date(client, world, cert_a):
    with pytest.raises(ValidationError) as exc:
        services.certificate_revoke(certificate=cert_a, reason="  ", actor=world.staff_x)
    assert exc.value.message_dict == {"reason": [services.ERR_REASON_REQUIRED]}
    revoked = services.certificate_revoke(certificate=cert_a, reason="学时造假", actor=world.staff_x)
    page = client.get(reverse("certificates:verify", args=[cert_a.token])).content.decode()
    # The page shows the local date (Asia/Shanghai): after 16:00 UTC that is the next day.
    assert "已撤销" in page and timezone.localtime(revoked.revoked_at).strftime("%Y-%m-%d") in page


def test_the_database_refuses_a_revoked_certificate_without_a_reason(cert_a):
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.filter(pk=cert_a.pk).update(status="revoked", revoked_at=timezone.now())


def test_a_reissue_keeps_the_serial_with_a_suffix_and_the_old_one_points_to_it(client, world, cert_a):
    first = services.certificate_reissue(certificate=cert_a, actor=world.staff_x)
    second = services.certificate_reissue(certificate=first, actor=world.staff_x)
    assert first.serial == f"{cert_a.serial}-R1" and second.serial == f"{cert_a.serial}-R2"
    assert len({cert_a.token, first.token, second.token}) == 3
    page = client.get(reverse("certificates:verify", args=[cert_a.token])).content.decode()
    assert "已补发" in page and first.serial in page
    assert "有效" in client.get(reverse("certificates:verify", args=[second.token])).content.decode()


def test_a_revoked_certificate_cannot_be_reissued(world, cert_a):
    services.certificate_revoke(certificate=cert_a, reason="错发", actor=world.staff_x)
    with pytest.raises(ValidationError) as exc:
        services.certificate_reissue(certificate=cert_a, actor=world.staff_x)
    assert exc.value.messages == [services.ERR_ONLY_VALID]


def test_a_typed_serial_finds_the_certificate_and_an_unknown_one_answers_404(client, cert_a):
    ok = client.get(reverse("certificates:lookup"), {"serial": f"  {cert_a.serial} "})
    assert ok.status_code == 200 and "有效" in ok.content.decode()
    missing = client.get(reverse("certificates:lookup"), {"serial": "000000-2026-99999"})
    assert missing.status_code == 404 and "未找到" in missing.content.decode()
    assert Verification.objects.filter(via="serial").count() == 2


def test_the_lookup_form_without_a_serial_shows_the_form_and_logs_nothing(client, db):
    response = client.get(reverse("certificates:lookup"))
    assert response.status_code == 200
    assert Verification.objects.count() == 0


def test_verification_is_rate_limited_per_client(client, settings, cert_a):
    settings.CERTIFICATE_VERIFY_LIMIT = 3
    url = reverse("certificates:verify", args=[cert_a.token])
    statuses = [client.get(url, REMOTE_ADDR="10.0.0.9").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # another client is not held back by the first one's look-ups
    assert client.get(url, REMOTE_ADDR="10.0.0.10").status_code == 200
    assert Verification.objects.count() == 4  # the refused look-up is not counted as a verification


def test_a_changed_template_that_repeats_an_old_serial_skips_over_it(world, course, cert_a):
    from certificates.models import CountyCertificateSettings

    CountyCertificateSettings.objects.create(
        county=world.county_x, issuing_unit="甲县教师发展中心", serial_template="QS{序号:03d}"
    )
    first = services.certificate_issue(enrolment=completed(course, world.teacher_b), actor=world.staff_x)
    assert first.serial == "QS002"  # the counter continues; QS001 would be new, but 002 is next
    Certificate.objects.filter(pk=first.pk).update(serial="QS003", base_serial="QS003")
    from tests.factories.registry import TeacherFactory

    other = completed(course, TeacherFactory(school=world.school_a))
    assert services.certificate_issue(enrolment=other, actor=world.staff_x).serial == "QS004"


def test_only_county_staff_issue(world, enrolment_a):
    with pytest.raises(ValidationError):
        services.certificate_issue(enrolment=enrolment_a, actor=world.coord_a)
