"""Pages: the insider may act, the look-only role gets 403, the outsider 404."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from programs import services
from programs.models import Enrolment, Notice, Program, SchoolQuota, Session, SubProject
from tests.factories import CategoryFactory, TeacherFactory


def _nominated(world, subproject):
    return services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)


def test_county_staff_create_a_program_through_the_form(client_for, world):
    category = CategoryFactory()
    response = client_for(world.staff_x).post(
        reverse("program_create"),
        {
            "county": world.county_x.pk,
            "year": 2026,
            "level": "county",
            "category": category.pk,
            "name": "新项目",
            "status": "planning",
        },
    )
    program = Program.objects.get()
    assert response.status_code == 302 and response.url == reverse("program_detail", args=[program.pk])
    assert program.county == world.county_x


def test_county_staff_cannot_create_a_program_in_another_county(client_for, world):
    category = CategoryFactory()
    response = client_for(world.staff_x).post(
        reverse("program_create"),
        {
            "county": world.county_y.pk,
            "year": 2026,
            "level": "county",
            "category": category.pk,
            "name": "越权",
            "status": "planning",
        },
    )
    assert response.status_code == 200 and not Program.objects.exists()


def test_sub_project_and_session_forms_create_records(client_for, world, program):
    client = client_for(world.staff_x)
    client.post(
        reverse("subproject_create", args=[program.pk]),
        {
            "name": "新子项目",
            "kind": "short",
            "modality": "centralized",
            "start_date": "2026-10-01",
            "end_date": "2026-10-02",
            "hours": "12",
            "credit_category": "centralized",
            "quota": 20,
        },
    )
    sub = SubProject.objects.get(name="新子项目")
    response = client.post(
        reverse("session_create", args=[sub.pk]),
        {
            "title": "开班",
            "date": "2026-10-01",
            "start_time": "09:00",
            "end_time": "11:30",
            "hours": "2.5",
            "kind": "lecture",
            "host_school": world.school_a.pk,
        },
    )
    assert response.status_code == 302
    assert Session.objects.get().host_school == world.school_a


def test_quotas_are_set_per_school_through_the_form(client_for, world, subproject):
    response = client_for(world.staff_x).post(
        reverse("quota_edit", args=[subproject.pk]),
        {f"school_{world.school_a.pk}": 3, f"school_{world.school_b.pk}": 4},
    )
    assert response.status_code == 302
    assert dict(SchoolQuota.objects.values_list("school", "quota")) == {world.school_a.pk: 3, world.school_b.pk: 4}


def test_quotas_beyond_the_sub_project_quota_are_refused_on_the_form(client_for, world, subproject):
    response = client_for(world.staff_x).post(
        reverse("quota_edit", args=[subproject.pk]), {f"school_{world.school_b.pk}": 9}
    )
    assert response.status_code == 200
    assert "超过子项目名额" in response.content.decode()


def test_a_coordinator_nominates_their_own_teacher(client_for, world, subproject):
    response = client_for(world.coord_a).post(
        reverse("enrolment_nominate", args=[subproject.pk]), {"teacher": world.teacher_a.pk}
    )
    assert response.status_code == 302
    assert Enrolment.objects.get().teacher == world.teacher_a


def test_a_coordinator_nominating_another_schools_teacher_gets_404(client_for, world, subproject):
    response = client_for(world.coord_a).post(
        reverse("enrolment_nominate", args=[subproject.pk]), {"teacher": world.teacher_b.pk}
    )
    assert response.status_code == 404
    assert not Enrolment.objects.exists()


def test_the_nomination_page_offers_only_the_coordinators_teachers(client_for, world, subproject):
    client = client_for(world.coord_a)
    form = client.get(reverse("enrolment_nominate", args=[subproject.pk])).context["form"]
    assert list(form.fields["teacher"].queryset) == [world.teacher_a]
    # The picker on the page searches the same teachers (tests/core/test_pickers.py has the rest).
    found = client.get(reverse("picker_teachers")).json()["results"]
    assert [r["value"] for r in found] == [str(world.teacher_a.pk)]


def test_a_rule_violation_is_shown_on_the_nomination_form(client_for, world, subproject):
    client = client_for(world.coord_b)
    response = client.post(reverse("enrolment_nominate", args=[subproject.pk]), {"teacher": world.teacher_b.pk})
    assert response.status_code == 200
    assert services.ERR_NO_SCHOOL_QUOTA in response.content.decode()


def test_county_staff_confirm_from_the_roster(client_for, world, subproject):
    enrolment = _nominated(world, subproject)
    response = client_for(world.staff_x).post(reverse("enrolment_confirm", args=[enrolment.pk]))
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.CONFIRMED


def test_coordinators_get_403_on_county_actions(client_for, world, subproject):
    enrolment = _nominated(world, subproject)
    client = client_for(world.coord_a)
    for name in ("enrolment_confirm", "enrolment_reject", "enrolment_withdraw", "enrolment_substitute"):
        assert client.post(reverse(name, args=[enrolment.pk]), {"reason": "x"}).status_code == 403, name
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.NOMINATED


def test_staff_of_another_county_get_404_on_county_actions(client_for, world, subproject):
    enrolment = _nominated(world, subproject)
    client = client_for(world.staff_y)
    for name in ("enrolment_confirm", "enrolment_reject", "enrolment_withdraw", "enrolment_substitute"):
        assert client.post(reverse(name, args=[enrolment.pk]), {"reason": "x"}).status_code == 404, name


def test_a_withdrawal_without_reason_shows_the_error(client_for, world, subproject):
    enrolment = _nominated(world, subproject)
    client = client_for(world.staff_x)
    response = client.post(reverse("enrolment_withdraw", args=[enrolment.pk]), {"reason": ""}, follow=True)
    assert services.ERR_REASON_REQUIRED in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.NOMINATED


def test_county_staff_substitute_through_the_form(client_for, world, subproject):
    enrolment = services.enrolment_confirm(enrolment=_nominated(world, subproject), actor=world.staff_x)
    replacement = TeacherFactory(school=world.school_a)
    response = client_for(world.staff_x).post(
        reverse("enrolment_substitute", args=[enrolment.pk]), {"replacement": replacement.pk, "reason": "生病"}
    )
    assert response.status_code == 302
    new = Enrolment.objects.get(replaces=enrolment)
    assert (new.teacher, new.status) == (replacement, Enrolment.Status.CONFIRMED)


def test_the_roster_shows_a_coordinator_only_their_school(client_for, world, subproject):
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.staff_x)
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_b, actor=world.staff_x)
    page = client_for(world.coord_a).get(reverse("subproject_detail", args=[subproject.pk])).content.decode()
    assert world.teacher_a.name in page and world.teacher_b.name not in page
    staff_page = client_for(world.staff_x).get(reverse("subproject_detail", args=[subproject.pk])).content.decode()
    assert world.teacher_a.name in staff_page and world.teacher_b.name in staff_page


def test_my_school_trainees_shows_only_the_coordinators_school(client_for, world, subproject):
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.staff_x)
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_b, actor=world.staff_x)
    page = client_for(world.coord_b).get(reverse("school_trainees")).content.decode()
    assert world.teacher_b.name in page and world.teacher_a.name not in page


def test_a_teacher_sees_their_enrolments_and_notices(client_for, world, subproject):
    _nominated(world, subproject)
    services.enrolment_nominate(subproject=subproject, teacher=world.teacher_b, actor=world.staff_x)
    client = client_for(world.teacher_user_a)
    page = client.get(reverse("my_enrolments")).content.decode()
    assert "小学数学骨干班" in page and "培训报名通知：小学数学骨干班" in page
    assert world.teacher_b.name not in page
    # The home page (desk) lists the teacher's next sessions; its figures are tested in tests/desk/.
    services.subproject_update(subproject=subproject, start_date=timezone.localdate(), end_date=timezone.localdate())
    services.session_create(
        subproject=subproject, date=timezone.localdate(), start_time=dt.time(23, 0), end_time=dt.time(23, 30)
    )
    home = client.get(reverse("home")).content.decode()
    assert "小学数学骨干班" in home


def test_a_teacher_marks_notices_read(client_for, world, subproject):
    _nominated(world, subproject)
    assert client_for(world.teacher_user_a).post(reverse("notices_read")).status_code == 302
    assert not Notice.objects.filter(read_at__isnull=True).exists()


def test_administrators_add_categories_and_staff_may_not(client_for, world):
    assert (
        client_for(world.staff_x).post(reverse("category_list"), {"name": "新类", "sort_order": 1}).status_code == 403
    )
    response = client_for(world.admin_x).post(
        reverse("category_list"), {"name": "新类", "sort_order": 1, "is_active": "on"}
    )
    assert response.status_code == 302
    assert CategoryFactory._meta.model.objects.filter(name="新类").exists()


def test_program_list_filters_by_year_and_modality_and_searches(client_for, world, program, subproject):
    other = services.program_create(
        county=world.county_x, year=2025, level="provincial", category=CategoryFactory(name="中西部项目"), name="旧项目"
    )
    services.subproject_create(program=other, name="网络班", modality="online", start_date=dt.date(2025, 3, 1))
    client = client_for(world.staff_x)

    def names(params):
        page = client.get(reverse("program_list"), params).context["page"]
        return [p.name for p in page]

    assert names({"year": 2025}) == ["旧项目"]
    assert names({"modality": "online"}) == ["旧项目"]
    assert names({"modality": "centralized"}) == [program.name]
    assert names({"q": "数学骨干"}) == [program.name]
    assert names({"level": "provincial"}) == ["旧项目"]
    assert client_for(world.staff_y).get(reverse("program_list")).context["page"].paginator.count == 0


def test_the_quota_form_saves_nothing_when_one_school_fails(client_for, world, subproject):
    response = client_for(world.staff_x).post(
        reverse("quota_edit", args=[subproject.pk]),
        {f"school_{world.school_a.pk}": 5, f"school_{world.school_b.pk}": 6},
    )
    assert response.status_code == 200
    assert dict(SchoolQuota.objects.values_list("school", "quota")) == {world.school_a.pk: 2}
