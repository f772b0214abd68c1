"""Reviewing many back-at-school task submissions at once (issue 13's bulk work)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from core import bulk
from core.forms_util import submit

from . import selectors, services
from .forms_bulk import ReviewManyForm


@login_required
def task_review_many(request, pk: int):
    task = selectors.task_get(user=request.user, pk=pk)
    selectors.require_reviewer(user=request.user, cycle=task.phase.cycle)
    data = request.POST if request.method == "POST" else None
    submissions = selectors.task_submissions(user=request.user, task=task)
    form = ReviewManyForm(data, rows=bulk.selected(data, submissions))
    comments = bulk.posted_texts(data, [s.pk for s in form.rows], "comment_", max_length=500) if data else {}
    done = submit(
        request,
        form,
        lambda cleaned: services.submissions_review(
            submissions=form.rows, actor=request.user, comments=comments, **cleaned
        ),
        success=_("已批阅 %(n)d 份提交") % {"n": len(form.rows)},
        then=("outreach_task_review_many", task.pk),
    )
    if done:
        return done
    rows = list(submissions)
    for row in rows:
        row.draft_comment = comments.get(row.pk, "")  # what the reviewer typed, kept when a post is refused
    context = {"task": task, "form": form, "submissions": rows}
    return render(request, "outreach/task_review_many.html", context)
