"""What waits for a user in assessment and credits: 校本研修 and registrations to decide, the
registration to submit, surveys to answer, score grids to fill, this year's hours."""

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from core.scoping import ALL, COUNTY, SCHOOL, SELF, scope_of, visible
from desk.items import Entry, EntryList, Figure, Section, list_url
from programs.models import Enrolment

from . import selectors
from .models import CreditClaim, CreditRegistration, CreditTally, SchoolProject, SurveyAnswered

# A survey stays open from the sub-project's start until this many days after its end.
SURVEY_OPEN_DAYS = 30


def _county_section(user: Any, title: str) -> Section:
    projects = selectors.school_projects(user=user, status=SchoolProject.Status.SUBMITTED).count()
    by_year = (
        visible(
            CreditRegistration.objects.filter(status=CreditRegistration.Status.SUBMITTED),
            user,
            county="school__county",
            school="school",
        )
        .values("year")
        .annotate(n=Count("pk"))
        .order_by("-year")
    )
    entries = [
        Entry(
            title=_("{year} 年度学分登记").format(year=row["year"]),
            url=f"{reverse('registration_list')}?year={row['year']}&status={CreditRegistration.Status.SUBMITTED}",
            detail=_("{n} 所学校待审核").format(n=row["n"]),
        )
        for row in by_year
    ]
    return Section(
        "assessment",
        title,
        figures=[
            Figure(
                "school_projects",
                _("个校本研修申报待核准"),
                projects,
                f"{reverse('school_project_list')}?status={SchoolProject.Status.SUBMITTED}",
            ),
            Figure(
                "registrations",
                _("份学分登记待审核"),
                sum(row["n"] for row in by_year),
                list_url("registrations", entries),
            ),
            Figure(
                "claims_county",
                _("份学分申报待复核"),
                selectors.claims_for_review(user=user, status=CreditClaim.Status.SCHOOL_APPROVED).count(),
                reverse("claim_county_queue"),
            ),
        ],
        lists=[EntryList("registrations", _("待审核的学分登记"), entries, _("没有待审核的学分登记"))],
    )


def _school_section(user: Any, today: dt.date, title: str) -> Section:
    """Last year's and this year's registration, where tallies exist and it is not submitted or
    approved (missing or returned): one query."""
    school_id = scope_of(user).school_id
    settled = CreditRegistration.objects.filter(school_id=school_id, year=OuterRef("year")).exclude(
        status=CreditRegistration.Status.RETURNED
    )
    years = (
        visible(CreditTally.objects.filter(year__gte=today.year - 1), user, school="school")
        .filter(~Exists(settled))
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )
    entries = [
        Entry(
            title=_("{year} 年度学分审核登记").format(year=year),
            url=reverse("registration_detail", args=[school_id, year]),
            detail=_("待提交"),
        )
        for year in years
    ]
    return Section(
        "assessment",
        title,
        figures=[
            Figure("registration", _("份学分登记待提交"), len(entries), list_url("registration", entries)),
            Figure(
                "claims_school",
                _("份学分申报待初审"),
                selectors.claims_for_review(user=user, status=CreditClaim.Status.SUBMITTED).count(),
                reverse("claim_school_queue"),
            ),
        ],
        lists=[EntryList("registration", _("学分审核登记"), entries, _("没有待提交的学分登记"))],
    )


def _teacher_section(user: Any, today: dt.date, title: str) -> Section:
    surveys = (
        visible(Enrolment.objects.filter(status__in=Enrolment.PARTICIPATING), user, teacher="teacher")
        .filter(Q(subproject__start_date__isnull=True) | Q(subproject__start_date__lte=today))
        .filter(
            Q(subproject__end_date__isnull=True)
            | Q(subproject__end_date__gte=today - dt.timedelta(days=SURVEY_OPEN_DAYS))
        )
        .filter(~Exists(SurveyAnswered.objects.filter(enrolment_id=OuterRef("pk"))))
        .select_related("subproject")
        .order_by("subproject__start_date", "pk")
    )
    survey_entries = [
        Entry(title=e.subproject.name, url=reverse("survey_answer", args=[e.pk]), detail=_("满意度调查"))
        for e in surveys
    ]
    scoring = [
        Entry(
            title=f"{s.subproject.program.name} · {s.subproject.name}",
            url=reverse("score_grid", args=[s.pk]),
            detail=_("成绩录入"),
        )
        for s in selectors.tutor_schemes(user=user)
    ]
    # The one place the home page reads credits (the assessment app owns how hours are counted).
    hours = selectors.year_hours(teacher_id=user.teacher_id, year=today.year)
    figures = [
        Figure(
            "hours",
            _("{year} 年度学时").format(year=today.year),
            int(hours.hours),
            reverse("transcript_me"),
            total=hours.required,
            value=hours.hours,
        ),
        Figure("surveys", _("份满意度调查待填写"), len(survey_entries), list_url("surveys", survey_entries)),
    ]
    lists = [EntryList("surveys", _("待填写的满意度调查"), survey_entries, _("没有待填写的调查"))]
    if scoring:
        lists.append(EntryList("scoring", _("我辅导的学员：成绩录入"), scoring))
    return Section("assessment", title, figures=figures, lists=lists)


def waiting(*, user: Any, today: dt.date) -> Section:
    kind = scope_of(user).kind
    title = _("考核与学分")
    if kind in (ALL, COUNTY):
        return _county_section(user, title)
    if kind == SCHOOL:
        return _school_section(user, today, title)
    if kind == SELF:
        return _teacher_section(user, today, title)
    return Section("assessment", title)
