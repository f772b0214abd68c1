"""The anonymous satisfaction survey 满意度."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count

from programs.models import Enrolment, SubProject

from .models import SURVEY_QUESTIONS, SurveyAnswered, SurveyResponse

ERR_ALREADY_ANSWERED = "您已填写过本项目的满意度调查"
ERR_NOT_PARTICIPANT = "只有参训学员可以填写满意度调查"
ERR_RATING = "评分应为 1 到 5"

# Below this many answers only the count is shown: with two answers a trainee could tell the other's.
MIN_ANSWERS_SHOWN = 3


@transaction.atomic
def survey_answer(*, enrolment: Enrolment, ratings: dict[str, int], comment: str = "") -> None:
    """Store one anonymous answer and, separately, that this enrolment has answered. No actor is
    recorded and nothing is audited, on purpose: either would tie the answer to the trainee."""
    if enrolment.status not in Enrolment.PARTICIPATING:
        raise ValidationError(ERR_NOT_PARTICIPANT)
    if set(ratings) != {name for name, _label in SURVEY_QUESTIONS} or any(
        not isinstance(v, int) or not 1 <= v <= 5 for v in ratings.values()
    ):
        raise ValidationError(ERR_RATING)
    try:
        with transaction.atomic():
            SurveyAnswered.objects.create(enrolment=enrolment)
    except IntegrityError as exc:
        raise ValidationError(ERR_ALREADY_ANSWERED) from exc
    response = SurveyResponse(subproject_id=enrolment.subproject_id, comment=comment.strip(), **ratings)
    response.full_clean()
    response.save(force_insert=True)


def survey_has_answered(*, enrolment: Enrolment) -> bool:
    return SurveyAnswered.objects.filter(enrolment=enrolment).exists()


@dataclass
class SurveySummary:
    answers: int
    invited: int
    shown: bool
    averages: list[tuple[str, Any]]
    comments: list[str]


def survey_summary(*, subproject: SubProject) -> SurveySummary:
    """Aggregates only: averages per question and the comments, in the responses' random-key order."""
    responses = SurveyResponse.objects.filter(subproject=subproject)
    figures = responses.aggregate(n=Count("pk"), **{name: Avg(name) for name, _label in SURVEY_QUESTIONS})
    invited = subproject.enrolments.filter(status__in=Enrolment.PARTICIPATING).count()
    shown = figures["n"] >= MIN_ANSWERS_SHOWN
    averages = [
        (str(label), round(figures[name], 2) if shown and figures[name] else None) for name, label in SURVEY_QUESTIONS
    ]
    comments = list(responses.exclude(comment="").values_list("comment", flat=True)) if shown else []
    return SurveySummary(figures["n"], invited, shown, averages, comments)
