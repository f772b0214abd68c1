from django.urls import reverse

from certificates import selectors
from tests.factories.certificates import completed
from tests.factories.registry import TeacherFactory


def test_a_teacher_sees_and_downloads_only_their_own_certificates(client_for, world, cert_a, cert_b):
    client = client_for(world.teacher_user_a)
    page = client.get(reverse("certificates:list")).content.decode()
    assert cert_a.serial in page and cert_b.serial not in page
    own = client.get(reverse("certificates:download", args=[cert_a.pk]))
    assert own.status_code == 200 and own["Content-Type"] == "application/pdf"
    assert client.get(reverse("certificates:download", args=[cert_b.pk])).status_code == 404


def test_a_coordinator_sees_their_schools_teachers_certificates_only(client_for, world, cert_a, cert_b):
    client = client_for(world.coord_a)
    page = client.get(reverse("certificates:list")).content.decode()
    assert cert_a.serial in page and cert_b.serial not in page
    assert client.get(reverse("certificates:download", args=[cert_a.pk])).status_code == 200
    assert client.get(reverse("certificates:download", args=[cert_b.pk])).status_code == 404


def test_another_countys_staff_see_nothing_of_county_x(client_for, world, cert_a):
    client = client_for(world.staff_y)
    assert cert_a.serial not in client.get(reverse("certificates:list")).content.decode()
    assert client.get(reverse("certificates:download", args=[cert_a.pk])).status_code == 404
    assert client.post(reverse("certificates:revoke", args=[cert_a.pk]), {"reason": "x"}).status_code == 404


def test_a_coordinator_may_not_revoke_or_reissue(client_for, world, cert_a):
    client = client_for(world.coord_a)
    assert client.post(reverse("certificates:revoke", args=[cert_a.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("certificates:reissue", args=[cert_a.pk])).status_code == 403
    cert_a.refresh_from_db()
    assert cert_a.status == "valid"


def test_an_office_above_reads_but_may_not_revoke(client_for, world, cert_a):
    client = client_for(world.city_staff)
    assert client.get(reverse("certificates:download", args=[cert_a.pk])).status_code == 200
    assert client.post(reverse("certificates:revoke", args=[cert_a.pk]), {"reason": "x"}).status_code == 403


def test_county_staff_revoke_from_the_list_and_an_empty_reason_is_refused(client_for, world, cert_a):
    client = client_for(world.staff_x)
    response = client.post(reverse("certificates:revoke", args=[cert_a.pk]), {"reason": ""}, follow=True)
    assert "请填写撤销原因" in response.content.decode() or "这个字段是必填项" in response.content.decode()
    cert_a.refresh_from_db()
    assert cert_a.status == "valid"
    client.post(reverse("certificates:revoke", args=[cert_a.pk]), {"reason": "重复发放"})
    cert_a.refresh_from_db()
    assert cert_a.status == "revoked" and cert_a.revoke_reason == "重复发放"


def test_my_enrolments_links_the_certificate_of_each_completed_training(client_for, world, cert_a):
    page = client_for(world.teacher_user_a).get(reverse("my_enrolments")).content.decode()
    assert reverse("certificates:download", args=[cert_a.pk]) in page


def test_the_transcript_links_the_pdf_and_the_certificates(client_for, world, cert_a):
    page = client_for(world.teacher_user_a).get(reverse("transcript", args=[world.teacher_a.pk])).content.decode()
    assert reverse("certificates:transcript_pdf", args=[world.teacher_a.pk]) in page
    assert reverse("certificates:list") in page


def test_the_list_query_count_does_not_grow_with_certificates(client_for, world, course, django_assert_num_queries):
    from certificates.services import certificate_issue

    for i in range(6):
        certificate_issue(
            enrolment=completed(course, TeacherFactory(name=f"学员{i}", school=world.school_a)), actor=world.staff_x
        )
    client = client_for(world.staff_x)
    client.get(reverse("certificates:list"))  # warm the session
    # session, user, count for the paginator, the page of certificates with school (one join)
    with django_assert_num_queries(4):
        client.get(reverse("certificates:list"))


def test_the_selector_for_a_teacher_returns_nothing_for_staff(world, cert_a):
    assert list(selectors.my_certificates(user=world.staff_x)) == []
    assert list(selectors.my_certificates(user=world.teacher_user_a)) == [cert_a]


def test_the_teachers_home_page_counts_their_certificates_to_download(client_for, world, cert_a, cert_b):
    page = client_for(world.teacher_user_a).get(reverse("home")).content.decode()
    assert 'data-figure="certificates"' in page


def test_county_staff_see_a_failed_batch_on_their_home_page(client_for, world, course):
    from certificates.models import IssueJob

    IssueJob.objects.create(subproject=course, county=world.county_x, status=IssueJob.Status.FAILED, error="x")
    page = client_for(world.staff_x).get(reverse("home")).content.decode()
    assert 'data-figure="certificate_batches"' in page
    assert 'data-figure="certificate_batches"' not in client_for(world.staff_y).get(reverse("home")).content.decode()


def test_the_list_ignores_a_malformed_filter(client_for, world, cert_a):
    response = client_for(world.staff_x).get(reverse("certificates:list"), {"subproject": "1 OR 1=1", "kind": "<x>"})
    assert response.status_code == 200 and cert_a.serial in response.content.decode()
