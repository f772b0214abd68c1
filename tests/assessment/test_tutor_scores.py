"""Tutors and visiting-team members enter scores for their own cohort, and nothing else."""

import pytest
from django.urls import reverse

from assessment.models import ManualScore
from assessment.scoring import ComponentSpec, scheme_compute
from outreach import services as outreach_services
from tests.factories import EnrolmentFactory, TeacherFactory, UserFactory
from tests.factories.assessment import MANUAL, make_scheme
from tests.factories.outreach import make_cycle, make_team_member, make_workshop


@pytest.fixture
def workshop_scheme(world):
    workshop = make_workshop(county=world.county_x)
    scheme = make_scheme(workshop.subproject, components=[ComponentSpec("研修成果", 100, MANUAL)])
    trainee = EnrolmentFactory(subproject=workshop.subproject, teacher=world.teacher_b)
    scheme_compute(scheme=scheme)
    return workshop, scheme, trainee


@pytest.fixture
def tutor(world):
    teacher = TeacherFactory(name="辅导老师", school=world.school_a)
    return UserFactory(username="tutor", role="teacher", teacher=teacher)


def _post_score(client, scheme, enrolment, value):
    component = scheme.components.get()
    return client.post(
        reverse("score_grid", args=[scheme.pk]), {f"v-{enrolment.pk}": 0, f"s-{enrolment.pk}-{component.pk}": value}
    )


def test_a_workshop_tutor_enters_scores_for_the_cohort(client_for, world, workshop_scheme, tutor):
    workshop, scheme, trainee = workshop_scheme
    outreach_services.workshop_staff_add(workshop=workshop, teacher=tutor.teacher, role="tutor")
    client = client_for(tutor)
    assert client.get(reverse("score_grid", args=[scheme.pk])).status_code == 200
    assert _post_score(client, scheme, trainee, "88").status_code == 302
    assert ManualScore.objects.get(enrolment=trainee).value == 88


def test_a_visiting_team_member_enters_scores_for_the_cycle(client_for, world, tutor):
    cycle = make_cycle(county=world.county_x)
    make_team_member(cycle, name="辅导老师", teacher=tutor.teacher)
    scheme = make_scheme(cycle.subproject, components=[ComponentSpec("研修成果", 100, MANUAL)])
    assert client_for(tutor).get(reverse("score_grid", args=[scheme.pk])).status_code == 200


def test_a_teacher_who_tutors_nothing_gets_404_and_nothing_changes(client_for, world, workshop_scheme, tutor):
    _workshop, scheme, trainee = workshop_scheme
    client = client_for(tutor)
    assert client.get(reverse("score_grid", args=[scheme.pk])).status_code == 404
    assert _post_score(client, scheme, trainee, "99").status_code == 404
    assert not ManualScore.objects.filter(enrolment=trainee, value=99).exists()


def test_a_tutor_of_another_workshop_gets_404(client_for, world, workshop_scheme, tutor):
    _workshop, scheme, _trainee = workshop_scheme
    other = make_workshop(county=world.county_x, name="另一个工作坊")
    outreach_services.workshop_staff_add(workshop=other, teacher=tutor.teacher, role="tutor")
    assert client_for(tutor).get(reverse("score_grid", args=[scheme.pk])).status_code == 404


def test_a_tutor_may_not_publish_or_export_the_results(client_for, world, workshop_scheme, tutor):
    workshop, scheme, _trainee = workshop_scheme
    outreach_services.workshop_staff_add(workshop=workshop, teacher=tutor.teacher, role="tutor")
    client = client_for(tutor)
    assert client.post(reverse("scheme_publish", args=[scheme.pk])).status_code == 403
    assert client.get(reverse("excellent_export", args=[scheme.pk])).status_code == 403


def test_the_tutors_home_page_lists_the_grids_to_fill(client_for, world, workshop_scheme, tutor):
    workshop, scheme, _trainee = workshop_scheme
    home = reverse("home")
    assert reverse("score_grid", args=[scheme.pk]) not in client_for(tutor).get(home).content.decode()
    outreach_services.workshop_staff_add(workshop=workshop, teacher=tutor.teacher, role="tutor")
    assert reverse("score_grid", args=[scheme.pk]) in client_for(tutor).get(home).content.decode()
