"""What waits for a user in outreach: submissions and resources to review, overdue and due tasks."""

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from core.scoping import ALL, COUNTY, SCHOOL, SELF, scope_of, visible
from desk.items import Entry, EntryList, Figure, Section, list_url
from programs.models import Enrolment

from . import selectors
from .models import PhaseTask, Resource, TaskSubmission


def _review(user: Any, kind: str) -> tuple[list[Figure], list[EntryList]]:
    """Submissions awaiting review, per task (one grouped query), and resources awaiting review."""
    submissions = selectors.submission_queryset(user=user).filter(status=TaskSubmission.Status.SUBMITTED)
    resources = selectors.resource_queryset(user=user).filter(status=Resource.Status.PENDING)
    if kind == SELF:  # a visiting-team member reviews their cycles' work, not their own
        cycles = selectors.team_cycle_ids(user=user)
        if not cycles:
            return [], []
        submissions = submissions.filter(task__phase__cycle_id__in=cycles)
        resources = resources.filter(cycle_id__in=cycles)
    by_task = (
        submissions.values("task_id", "task__title", "task__phase__cycle__subject", "task__due_date")
        .annotate(n=Count("pk"))
        .order_by("task__due_date", "task_id")
    )
    entries = [
        Entry(
            title=f"{row['task__phase__cycle__subject']} · {row['task__title']}",
            url=reverse("outreach_task_review_many", args=[row["task_id"]]),
            detail=_("{n} 份待批阅").format(n=row["n"]),
            when=row["task__due_date"],
        )
        for row in by_task
    ]
    figures = [
        Figure(
            "submissions", _("份返岗研修任务待批阅"), sum(row["n"] for row in by_task), list_url("submissions", entries)
        ),
        Figure(
            "resources",
            _("个生成性资源待审核"),
            resources.count(),
            f"{reverse('outreach_resource_list')}?status={Resource.Status.PENDING}",
        ),
    ]
    return figures, [EntryList("submissions", _("待批阅的任务"), entries, _("没有待批阅的提交"))]


def _tasks_due(user: Any, today: dt.date) -> tuple[Figure, EntryList]:
    """The teacher's back-at-school tasks without a submission waiting or accepted (one query)."""
    mine = visible(Enrolment.objects.filter(status__in=Enrolment.PARTICIPATING), user, teacher="teacher")
    handed_in = TaskSubmission.objects.filter(
        task_id=OuterRef("pk"),
        enrolment__in=mine,
        status__in=(TaskSubmission.Status.SUBMITTED, TaskSubmission.Status.DONE),
    )
    tasks = (
        PhaseTask.objects.filter(phase__cycle__subproject_id__in=mine.values("subproject_id"))
        .filter(~Exists(handed_in))
        .select_related("phase__cycle")
        .order_by("due_date", "pk")
    )
    entries = [
        Entry(
            title=f"{t.phase.cycle.subject} · {t.title}",
            url=reverse("outreach_task_detail", args=[t.pk]),
            detail=_("截止，已逾期") if t.due_date < today else _("截止"),
            when=t.due_date,
            warn=t.due_date < today,
        )
        for t in tasks
    ]
    figure = Figure("tasks_due", _("项返岗研修任务待完成"), len(entries), list_url("tasks", entries))
    return figure, EntryList("tasks", _("我的返岗研修任务"), entries, _("没有待完成的任务"))


def waiting(*, user: Any, today: dt.date) -> Section:
    kind = scope_of(user).kind
    title = _("送教下乡与工作坊")
    if kind in (ALL, COUNTY):
        figures, lists = _review(user, kind)
        return Section("outreach", title, figures=figures, lists=lists)
    if kind == SCHOOL:
        overdue = selectors.overdue(user=user, today=today).count()
        figure = Figure("overdue", _("项本校教师的返岗研修任务已逾期"), overdue, reverse("outreach_overdue_list"))
        return Section("outreach", title, figures=[figure])
    if kind == SELF:
        due, due_list = _tasks_due(user, today)
        figures, lists = _review(user, kind)
        return Section("outreach", title, figures=[due, *figures], lists=[due_list, *lists])
    return Section("outreach", title)
