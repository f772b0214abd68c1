"""What this app reads from programs, attendance and assessment: one function per fact, so a change
there (the credit records becoming a ledger) is met here and nowhere else in certificates/."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from assessment import selectors as assessment_selectors
from assessment.credits import passed_condition
from attendance import selectors as attendance_selectors
from programs.models import Enrolment, SubProject
from programs.selectors import roster


def attendance_percent_by_enrolment(*, subproject: SubProject) -> dict[int, Decimal]:
    """Per participating enrolment: the share of the sub-project's sessions attended, in percent."""
    rates = attendance_selectors.attendance_rate_by_enrolment(subproject_id=subproject.pk)
    return {pk: rate * 100 for pk, rate in rates.items()}


def session_count(*, subproject: SubProject) -> int:
    return subproject.sessions.count()


def has_assessment_scheme(*, subproject: SubProject) -> bool:
    from assessment.models import AssessmentScheme

    return AssessmentScheme.objects.filter(subproject=subproject).exists()


def passed_enrolment_ids(*, subproject: SubProject) -> set[int]:
    """Completed enrolments that passed the sub-project's scheme (published result) or have none."""
    return set(Enrolment.objects.filter(passed_condition(), subproject=subproject).values_list("pk", flat=True))


def subproject_enrolments(*, user: Any, subproject: SubProject) -> QuerySet[Enrolment]:
    return roster(user=user, subproject=subproject)


@dataclass(frozen=True)
class YearHours:
    year: int
    total_hours: Decimal
    lines: list[dict[str, Any]]  # one per training: title, dates, hours earned


def teacher_year_hours(*, teacher: Any, year: int) -> YearHours:
    """A teacher's hours of one year from the credit ledger, as the 学时证明 states them: one line per
    credited training and per other ledger row (校本, 送教上门, corrections…), and their sum as the
    total, so the document adds up the way the transcript does."""
    data = assessment_selectors.transcript(teacher=teacher).get(year) or {"enrolments": [], "entries": []}
    lines = [
        {
            "title": f"{e.subproject.program.name}·{e.subproject.name}",
            "start_date": e.subproject.start_date,
            "end_date": e.subproject.end_date,
            "hours": e.earned_hours,
        }
        for e in data["enrolments"]
        if e.earned_hours
    ]
    lines += [
        {"title": entry.title or entry.get_source_kind_display(), "start_date": None, "end_date": None, "hours": entry.hours}
        for entry in data.get("entries", [])
        if entry.hours
    ]
    total = data.get("hours", sum((line["hours"] for line in lines), Decimal(0)))
    return YearHours(year=year, total_hours=total, lines=lines)


def teacher_transcript(*, teacher: Any) -> Any:
    return assessment_selectors.transcript(teacher=teacher)


def teacher_cycle_results(*, teacher: Any) -> Any:
    return assessment_selectors.teacher_cycle_results(teacher=teacher)
