"""The satisfaction survey is answered once per enrolment and can never be tied to a person."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessment import surveys
from assessment.models import SurveyAnswered, SurveyResponse
from programs.models import Enrolment
from tests.factories import EnrolmentFactory, ProgramFactory, SubProjectFactory
from tests.factories.registry import TeacherFactory

RATINGS = {"q_content": 5, "q_teaching": 4, "q_organisation": 3, "q_usefulness": 5}


@pytest.fixture
def sub(world):
    return SubProjectFactory(program=ProgramFactory(county=world.county_x), name="送教下乡数学")


def _form(comment="", **overrides):
    return {**RATINGS, **overrides, "comment": comment}


def test_trainee_answers_once(client_for, world, sub):
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    client = client_for(world.teacher_user_a)
    url = reverse("survey_answer", args=[e.pk])
    assert client.post(url, _form("很好")).status_code == 302
    assert client.post(url, _form("再来一次")).status_code == 200
    assert SurveyResponse.objects.count() == 1
    assert "已填写过" in client.get(url).content.decode()


def test_service_refuses_a_second_answer(world, sub):
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    surveys.survey_answer(enrolment=e, ratings=RATINGS)
    with pytest.raises(ValidationError) as exc:
        surveys.survey_answer(enrolment=e, ratings=RATINGS)
    assert exc.value.messages == [surveys.ERR_ALREADY_ANSWERED]


def test_rating_outside_1_to_5_is_refused(world, sub):
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    with pytest.raises(ValidationError):
        surveys.survey_answer(enrolment=e, ratings={**RATINGS, "q_content": 6})
    assert not SurveyAnswered.objects.exists()


def test_non_participant_cannot_answer(world, sub):
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=Enrolment.Status.WITHDRAWN)
    with pytest.raises(ValidationError):
        surveys.survey_answer(enrolment=e, ratings=RATINGS)


def test_nobody_answers_for_a_trainee(client_for, world, sub):
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    url = reverse("survey_answer", args=[e.pk])
    assert client_for(world.coord_a).post(url, _form()).status_code == 403
    assert client_for(world.staff_x).post(url, _form()).status_code == 403
    assert client_for(world.staff_y).post(url, _form()).status_code == 404
    assert not SurveyResponse.objects.exists()


def test_answer_row_holds_nothing_that_identifies_the_trainee(world, sub):
    field_names = {f.name for f in SurveyResponse._meta.get_fields()}
    assert field_names == {"id", "subproject", "q_content", "q_teaching", "q_organisation", "q_usefulness", "comment"}
    marker_fields = {f.name for f in SurveyAnswered._meta.get_fields()}
    assert marker_fields == {"id", "enrolment"}


def test_results_page_shows_aggregates_but_no_names(client_for, world, sub):
    trainees = [world.teacher_a, world.teacher_b] + [TeacherFactory(school=world.school_a) for _ in range(2)]
    for index, teacher in enumerate(trainees):
        e = EnrolmentFactory(subproject=sub, teacher=teacher)
        surveys.survey_answer(enrolment=e, ratings={**RATINGS, "q_content": 1 + index}, comment=f"意见{index}")
    page = client_for(world.staff_x).get(reverse("survey_results", args=[sub.pk])).content.decode()
    assert "2.5" in page  # average of 1, 2, 3, 4
    assert all(f"意见{i}" in page for i in range(4))
    for teacher in trainees:
        assert teacher.name not in page
        assert teacher.masked_id_number not in page


def test_results_hidden_below_three_answers(client_for, world, sub):
    e = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    surveys.survey_answer(enrolment=e, ratings=RATINGS, comment="只有我一个人")
    page = client_for(world.staff_x).get(reverse("survey_results", args=[sub.pk])).content.decode()
    assert "只有我一个人" not in page
    assert surveys.survey_summary(subproject=sub).averages[0][1] is None


def test_answer_keys_are_random_not_sequential(world, sub):
    # A sequential key would line answers up with the markers' order; random UUIDs do not.
    assert SurveyResponse._meta.pk.get_internal_type() == "UUIDField"
    for _ in range(3):
        surveys.survey_answer(enrolment=EnrolmentFactory(subproject=sub), ratings=RATINGS)
    assert all(r.id.version == 4 for r in SurveyResponse.objects.all())
