"""Bulk nomination, withdrawal, confirmation and refusal: all or nothing, every row scoped, and a fixed
number of queries however many rows are checked."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs import services
from programs.models import Enrolment, Notice
from tests.factories import TeacherFactory

from .conftest import make_subproject


def _teachers(school, n):
    return [TeacherFactory(school=school) for _ in range(n)]


def _nominate_url(sub):
    return reverse("enrolment_nominate_many", args=[sub.pk])


def test_a_coordinator_nominates_several_own_teachers_at_once(client_for, world, subproject):
    extra = _teachers(world.school_a, 1)[0]
    response = client_for(world.coord_a).post(_nominate_url(subproject), {"ids": [world.teacher_a.pk, extra.pk]})
    assert response.status_code == 302
    rows = Enrolment.objects.filter(subproject=subproject)
    assert {e.teacher_id for e in rows} == {world.teacher_a.pk, extra.pk}
    assert {e.status for e in rows} == {Enrolment.Status.NOMINATED}
    assert Notice.objects.filter(teacher__in=[world.teacher_a, extra]).count() == 2


def test_one_foreign_teacher_among_own_ones_writes_nothing_and_answers_404(client_for, world, subproject):
    response = client_for(world.coord_a).post(
        _nominate_url(subproject), {"ids": [world.teacher_a.pk, world.teacher_b.pk]}
    )
    assert response.status_code == 404
    assert not Enrolment.objects.exists()
    assert not Notice.objects.exists()


def test_another_countys_teacher_posted_by_county_staff_writes_nothing(client_for, world, subproject):
    response = client_for(world.staff_x).post(
        _nominate_url(subproject), {"ids": [world.teacher_a.pk, world.teacher_c.pk]}
    )
    assert response.status_code == 404
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("junk", ["abc", "-1", "0", "9999999999999999999"])
def test_junk_ids_answer_404(client_for, world, subproject, junk):
    response = client_for(world.coord_a).post(_nominate_url(subproject), {"ids": [world.teacher_a.pk, junk]})
    assert response.status_code == 404
    assert not Enrolment.objects.exists()


def test_more_teachers_than_places_left_writes_nothing_and_says_so(client_for, world, subproject):
    chosen = [world.teacher_a.pk] + [t.pk for t in _teachers(world.school_a, 2)]  # the school has 2 places
    response = client_for(world.coord_a).post(_nominate_url(subproject), {"ids": chosen})
    assert response.status_code == 200
    assert services.ERR_SCHOOL_PLACES_LEFT.format(left=2, chosen=3) in response.content.decode()
    assert not Enrolment.objects.exists()


def test_one_teacher_already_enrolled_refuses_the_whole_batch_naming_them(client_for, world, subproject):
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    other = _teachers(world.school_a, 1)[0]
    response = client_for(world.coord_a).post(_nominate_url(subproject), {"ids": [other.pk, world.teacher_a.pk]})
    assert response.status_code == 200
    page = response.content.decode()
    assert services.ERR_ROW.format(name=world.teacher_a.name, message=services.ERR_DUPLICATE) in page
    assert Enrolment.objects.count() == 1


def test_nothing_checked_is_an_error_not_a_write(client_for, world, subproject):
    response = client_for(world.coord_a).post(_nominate_url(subproject), {})
    assert response.status_code == 200
    assert "请至少勾选一名教师" in response.content.decode()


def test_the_page_shows_places_left_and_only_own_candidates(client_for, world, subproject):
    page = client_for(world.coord_a).get(_nominate_url(subproject)).content.decode()
    assert 'data-places-left="2"' in page
    assert world.teacher_a.name in page and world.teacher_b.name not in page


def test_a_coordinator_withdraws_own_nominations_before_confirmation(client_for, world, subproject):
    extra = _teachers(world.school_a, 1)[0]
    first = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    second = services.enrolment_nominate(subproject=subproject, teacher=extra, actor=world.coord_a)
    url = reverse("nominations_withdraw", args=[subproject.pk])
    assert client_for(world.coord_a).post(url, {"ids": [first.pk, second.pk], "reason": "时间冲突"}).status_code == 302
    assert set(Enrolment.objects.values_list("status", flat=True)) == {Enrolment.Status.WITHDRAWN}


def test_a_confirmed_place_cannot_be_withdrawn_by_the_coordinator(client_for, world, subproject):
    extra = _teachers(world.school_a, 1)[0]
    first = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    confirmed = services.enrolment_confirm(
        enrolment=services.enrolment_nominate(subproject=subproject, teacher=extra, actor=world.coord_a),
        actor=world.staff_x,
    )
    url = reverse("nominations_withdraw", args=[subproject.pk])
    client_for(world.coord_a).post(url, {"ids": [first.pk, confirmed.pk]})
    assert Enrolment.objects.get(pk=first.pk).status == Enrolment.Status.NOMINATED
    assert Enrolment.objects.get(pk=confirmed.pk).status == Enrolment.Status.CONFIRMED


def test_withdrawing_another_schools_nomination_writes_nothing_and_answers_404(client_for, world, subproject):
    services.quota_set(subproject=subproject, school=world.school_b, quota=1)
    own = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    other = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_b, actor=world.coord_b)
    url = reverse("nominations_withdraw", args=[subproject.pk])
    assert client_for(world.coord_a).post(url, {"ids": [own.pk, other.pk]}).status_code == 404
    assert set(Enrolment.objects.values_list("status", flat=True)) == {Enrolment.Status.NOMINATED}


# Staff decide many at once


def _nominated(world, subproject, n):
    services.quota_set(subproject=subproject, school=world.school_a, quota=n)
    teachers = _teachers(world.school_a, n)
    return services.enrolments_nominate(subproject=subproject, teachers=teachers, actor=world.coord_a)


def test_staff_confirm_many_at_once(client_for, world, subproject):
    rows = _nominated(world, subproject, 3)
    response = client_for(world.staff_x).post(
        reverse("nominations_decide"), {"action": "confirm", "ids": [e.pk for e in rows]}
    )
    assert response.status_code == 302
    assert set(Enrolment.objects.values_list("status", flat=True)) == {Enrolment.Status.CONFIRMED}
    assert Notice.objects.filter(subject__startswith="培训报名确认").count() == 3


def test_refusing_asks_for_confirmation_and_a_reason_before_writing(client_for, world, subproject):
    rows = _nominated(world, subproject, 2)
    client = client_for(world.staff_x)
    ids = [e.pk for e in rows]
    step = client.post(reverse("nominations_decide"), {"action": "reject", "ids": ids})
    assert step.status_code == 200 and "确认不通过" in step.content.decode()
    assert set(Enrolment.objects.values_list("status", flat=True)) == {Enrolment.Status.NOMINATED}
    no_reason = client.post(reverse("nominations_decide"), {"action": "reject_confirmed", "ids": ids, "reason": " "})
    assert no_reason.status_code == 200
    assert set(Enrolment.objects.values_list("status", flat=True)) == {Enrolment.Status.NOMINATED}
    done = client.post(reverse("nominations_decide"), {"action": "reject_confirmed", "ids": ids, "reason": "名额调整"})
    assert done.status_code == 302
    assert set(Enrolment.objects.values_list("status", "reason")) == {(Enrolment.Status.REJECTED, "名额调整")}


def test_one_other_countys_nomination_among_them_writes_nothing_and_answers_404(client_for, world, subproject):
    rows = _nominated(world, subproject, 2)
    program_y = services.program_create(
        county=world.county_y, year=2026, level="county", category=subproject.program.category, name="乙县项目"
    )
    sub_y = make_subproject(program_y)
    foreign = services.enrolment_nominate(subproject=sub_y, teacher=world.teacher_c, actor=world.staff_y)
    response = client_for(world.staff_x).post(
        reverse("nominations_decide"), {"action": "confirm", "ids": [rows[0].pk, foreign.pk, rows[1].pk]}
    )
    assert response.status_code == 404
    assert set(Enrolment.objects.values_list("status", flat=True)) == {Enrolment.Status.NOMINATED}


def test_an_already_decided_row_refuses_the_batch(client_for, world, subproject):
    rows = _nominated(world, subproject, 2)
    services.enrolment_confirm(enrolment=rows[0], actor=world.staff_x)
    response = client_for(world.staff_x).post(
        reverse("nominations_decide"), {"action": "confirm", "ids": [e.pk for e in rows]}
    )
    # The decided row is no longer a waiting nomination: it is not on the page's list, so 404.
    assert response.status_code == 404
    assert Enrolment.objects.get(pk=rows[1].pk).status == Enrolment.Status.NOMINATED


def test_a_coordinator_may_not_decide(client_for, world, subproject):
    rows = _nominated(world, subproject, 1)
    response = client_for(world.coord_a).post(reverse("nominations_decide"), {"action": "confirm", "ids": [rows[0].pk]})
    assert response.status_code == 403
    assert Enrolment.objects.get().status == Enrolment.Status.NOMINATED


# Queries: the same at 5 and 50 rows


def _post_count(client, url, data):
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return len(ctx.captured_queries)


def _big_subproject(world, program, name, n):
    sub = make_subproject(program, name, quota=200)
    services.quota_set(subproject=sub, school=world.school_a, quota=n)
    return sub, _teachers(world.school_a, n)


def test_bulk_nomination_queries_do_not_grow_with_rows(client_for, world, program):
    client = client_for(world.coord_a)
    counts = []
    for n in (5, 50):
        sub, teachers = _big_subproject(world, program, f"批量{n}", n)
        counts.append(_post_count(client, _nominate_url(sub), {"ids": [t.pk for t in teachers]}))
        assert Enrolment.objects.filter(subproject=sub).count() == n
    assert counts[0] == counts[1]


@pytest.mark.parametrize("action", ["confirm", "reject_confirmed"])
def test_bulk_decision_queries_do_not_grow_with_rows(client_for, world, program, action):
    client = client_for(world.staff_x)
    counts = []
    for n in (5, 50):
        sub, teachers = _big_subproject(world, program, f"批量{n}", n)
        rows = services.enrolments_nominate(subproject=sub, teachers=teachers, actor=world.coord_a)
        data = {"action": action, "ids": [e.pk for e in rows], "reason": "名额调整"}
        counts.append(_post_count(client, reverse("nominations_decide"), data))
        assert not Enrolment.objects.filter(subproject=sub, status=Enrolment.Status.NOMINATED).exists()
    assert counts[0] == counts[1]


def test_bulk_withdrawal_queries_do_not_grow_with_rows(client_for, world, program):
    client = client_for(world.coord_a)
    counts = []
    for n in (5, 50):
        sub, teachers = _big_subproject(world, program, f"批量{n}", n)
        rows = services.enrolments_nominate(subproject=sub, teachers=teachers, actor=world.coord_a)
        url = reverse("nominations_withdraw", args=[sub.pk])
        counts.append(_post_count(client, url, {"ids": [e.pk for e in rows]}))
    assert counts[0] == counts[1]


def test_refusing_with_nothing_checked_says_so(client_for, world, subproject):
    response = client_for(world.staff_x).post(reverse("nominations_decide"), {"action": "reject"})
    assert response.status_code == 200
    assert "请至少勾选一名教师" in response.content.decode()


def test_a_citys_sub_project_binds_a_batch_to_the_places_allotted_to_the_county(world):
    from django.core.exceptions import ValidationError

    from tests.factories import CategoryFactory

    program = services.program_create(
        region=world.city_x, year=2026, level="municipal", category=CategoryFactory(), name="市级批量项目"
    )
    sub = services.subproject_create(program=program, name="市级子项目", quota=10)
    services.county_quota_set(subproject=sub, county=world.county_x, quota=2)
    teachers = [world.teacher_a, *_teachers(world.school_b, 2)]
    with pytest.raises(ValidationError) as exc:
        services.enrolments_nominate(subproject=sub, teachers=teachers, actor=world.staff_x)
    assert services.ERR_COUNTY_PLACES_LEFT.format(left=2, chosen=3) in str(exc.value)
    assert not Enrolment.objects.exists()
    services.enrolments_nominate(subproject=sub, teachers=teachers[:2], actor=world.staff_x)
    assert Enrolment.objects.filter(subproject=sub).count() == 2


@pytest.mark.parametrize("value", ["abc", "9999999999999999999", "０", "-3"])
def test_a_junk_filter_in_the_query_string_is_ignored(client_for, world, subproject, value):
    assert client_for(world.staff_x).get(_nominate_url(subproject), {"school": value}).status_code == 200
    assert client_for(world.staff_x).get(reverse("nominations_decide"), {"subproject": value}).status_code == 200
    assert client_for(world.admin_x).get(reverse("teacher_accounts_create"), {"school": value}).status_code == 200
