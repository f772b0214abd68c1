from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms_util import run, submit
from core.pagination import paginate
from core.pickers import search_response, search_term
from core.scoping import (
    SELF,
    is_county_level,
    require_county_level,
    require_oversight,
    require_reader,
    scope_of,
)
from programs.models import SubProject

from . import forms, selectors, services
from .uploads import CONTENT_TYPES


def _file_response(stored, *, name, file_type):
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES.get(file_type))


# Cycles


@login_required
def cycle_list(request):
    cycles = selectors.cycle_list(user=request.user)
    return render(request, "outreach/cycle_list.html", {"page": paginate(request, cycles)})


@login_required
def cycle_create(request):
    require_county_level(request.user)
    subprojects = selectors.subproject_choices(user=request.user, kind=SubProject.Kind.OUTREACH)
    form = forms.CycleForm(request.POST or None, subprojects=subprojects)
    done = submit(
        request,
        form,
        lambda data: services.cycle_create(**data),
        success=_("送教下乡周期已建立"),
        then=lambda cycle: ("outreach_cycle_detail", cycle.pk),
    )
    if done:
        return done
    return render(request, "outreach/form.html", {"form": form, "title": _("新建送教下乡周期")})


@login_required
def cycle_detail(request, pk: int):
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    context = {
        "cycle": cycle,
        "page": selectors.cycle_page(cycle=cycle),
        "packs": selectors.pack_list(cycle=cycle),
        "can_manage": is_county_level(request.user),
        "can_review": selectors.can_review(user=request.user, cycle=cycle),
    }
    return render(request, "outreach/cycle_detail.html", context)


@login_required
def cycle_stats(request, pk: int):
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    require_reader(request.user)
    return render(request, "outreach/cycle_stats.html", {"cycle": cycle, "stats": selectors.cycle_stats(cycle=cycle)})


@login_required
def phase_edit(request, pk: int):
    phase = selectors.phase_get(user=request.user, pk=pk)
    selectors.require_cycle_manager(user=request.user)
    form = forms.PhaseForm(request.POST or None, initial={"name": phase.name})
    done = submit(
        request,
        form,
        lambda data: services.phase_rename(phase=phase, **data),
        success=None,
        then=("outreach_cycle_detail", phase.cycle_id),
    )
    if done:
        return done
    return render(request, "outreach/form.html", {"form": form, "title": _("修改阶段名称")})


@login_required
def visit_create(request, pk: int):
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    selectors.require_cycle_manager(user=request.user)
    form = forms.VisitForm(
        request.POST or None, phases=cycle.phases.all(), schools=selectors.school_choices(cycle=cycle)
    )
    done = submit(
        request,
        form,
        lambda data: services.visit_create(**data),
        success=_("送教活动已安排"),
        then=("outreach_cycle_detail", cycle.pk),
    )
    if done:
        return done
    return render(request, "outreach/form.html", {"form": form, "title": _("安排送教活动"), "cycle": cycle})


@login_required
def visit_detail(request, pk: int):
    visit = selectors.visit_get(user=request.user, pk=pk)
    cycle = visit.cycle
    team = cycle.team.select_related("member")
    form = forms.ActivityForm(request.POST or None, days=visit.days.select_related("session"), team=team)
    if request.method == "POST":
        selectors.require_cycle_manager(user=request.user)
    done = submit(
        request,
        form,
        lambda data: services.activity_add(**data),
        success=_("活动内容已添加"),
        then=("outreach_visit_detail", visit.pk),
    )
    if done:
        return done
    can_manage = is_county_level(request.user)
    context = {
        "visit": visit,
        "cycle": cycle,
        "days": selectors.visit_days(visit=visit),
        "form": form,
        "can_manage": can_manage,
    }
    if can_manage:
        context["booking_form"] = forms.BookingForm(days=visit.days.select_related("session"), team=team)
        context["day_form"] = forms.VisitDayForm(schools=selectors.school_choices(cycle=cycle))
    return render(request, "outreach/visit_detail.html", context)


@login_required
def visit_day_add(request, pk: int):
    visit = selectors.visit_get(user=request.user, pk=pk)
    selectors.require_cycle_manager(user=request.user)
    form = forms.VisitDayForm(request.POST or None, schools=selectors.school_choices(cycle=visit.cycle))
    done = submit(
        request,
        form,
        lambda data: services.visit_day_add(visit=visit, **data),
        success=_("已添加送教日"),
        then=("outreach_visit_detail", visit.pk),
    )
    if done:
        return done
    return render(request, "outreach/form.html", {"form": form, "title": _("添加送教日"), "cycle": visit.cycle})


@login_required
def team_stats(request, pk: int):
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    require_oversight(request.user)
    context = {
        "cycle": cycle,
        "rows": selectors.team_statistics(cycle=cycle),
        "kinds": selectors.activity_kind_labels(),
    }
    return render(request, "outreach/team_stats.html", context)


@login_required
def pool_edit(request, pk: int):
    member = selectors.pool_member_get(user=request.user, pk=pk)
    require_county_level(request.user)
    initial = {"member_type": member.member_type, "is_active": member.is_active}
    form = forms.PoolTypeForm(request.POST or None, initial=initial)
    done = submit(
        request,
        form,
        lambda data: services.pool_member_update(member=member, **data),
        success=_("已保存"),
        then="outreach_pool_list",
    )
    if done:
        return done
    return render(request, "outreach/form.html", {"form": form, "title": member.name})


@login_required
def team_add(request, pk: int):
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    selectors.require_cycle_manager(user=request.user)
    form = forms.TeamMemberForm(request.POST or None, pool=selectors.pool_choices(cycle=cycle))
    done = submit(
        request,
        form,
        lambda data: services.team_member_add(cycle=cycle, **data),
        success=_("团队成员已加入"),
        then=("outreach_cycle_detail", cycle.pk),
    )
    if done:
        return done
    return render(request, "outreach/form.html", {"form": form, "title": _("加入送培团队"), "cycle": cycle})


def _own_county(user):
    if user.county is None:  # a deployment-wide account keeps no county's pool
        raise PermissionDenied
    return user.county


@login_required
def pool_list(request):
    require_oversight(request.user)
    if request.method == "POST":
        require_county_level(request.user)  # offices above the county read the pool, counties keep it
    form = None
    if is_county_level(request.user):
        form = forms.PoolMemberForm(request.POST or None, teachers=selectors.teacher_choices(user=request.user))
    if form is not None:
        done = submit(
            request,
            form,
            lambda data: services.pool_member_create(county=_own_county(request.user), **data),
            success=_("已加入培训团队库"),
            then="outreach_pool_list",
        )
        if done:
            return done
    members = selectors.pool_queryset(user=request.user).order_by("name", "pk")
    return render(request, "outreach/pool_list.html", {"page": paginate(request, members), "form": form})


# Tasks


@login_required
def task_create(request, pk: int):
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    selectors.require_cycle_manager(user=request.user)
    form = forms.TaskForm(request.POST or None, phases=cycle.phases.all())
    done = submit(
        request,
        form,
        lambda data: services.task_create(**data),
        success=_("返岗研修任务已布置"),
        then=("outreach_cycle_detail", cycle.pk),
    )
    if done:
        return done
    return render(request, "outreach/form.html", {"form": form, "title": _("布置返岗研修任务"), "cycle": cycle})


@login_required
def task_detail(request, pk: int):
    task = selectors.task_get(user=request.user, pk=pk)
    teacher_id = request.user.teacher_id if scope_of(request.user).kind == SELF else None
    context = {
        "task": task,
        "submissions": selectors.task_submissions(user=request.user, task=task),
        "own": selectors.own_submission(task=task, teacher_id=teacher_id),
        "can_submit": bool(teacher_id),
        "can_review": selectors.can_review(user=request.user, cycle=task.phase.cycle),
        "review_form": forms.ReviewForm(auto_id=False),
    }
    return render(request, "outreach/task_detail.html", context)


@login_required
def task_submit(request, pk: int):
    task = selectors.task_get(user=request.user, pk=pk)
    if scope_of(request.user).kind != SELF:
        raise PermissionDenied
    form = forms.SubmissionForm(request.POST or None, request.FILES or None)
    done = submit(
        request,
        form,
        lambda data: services.submission_submit(task=task, teacher=request.user.teacher, **data),
        success=_("任务已提交"),
        then=("outreach_task_detail", task.pk),
        field="files",
    )
    if done:
        return done
    return render(request, "outreach/form.html", {"form": form, "title": task.title, "multipart": True})


@login_required
@require_POST
def submission_review(request, pk: int):
    submission = selectors.submission_get(user=request.user, pk=pk)
    selectors.require_reviewer(user=request.user, cycle=submission.task.phase.cycle)
    form = forms.ReviewForm(request.POST)
    if run(form, lambda: services.submission_review(submission=submission, actor=request.user, **form.cleaned_data)):
        messages.success(request, _("已批阅"))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("outreach_task_detail", pk=submission.task_id)


@login_required
def submission_file(request, pk: int):
    stored = selectors.submission_file_get(user=request.user, pk=pk)
    return _file_response(stored.file, name=stored.original_name, file_type=stored.file_type)


@login_required
def overdue_list(request):
    require_reader(request.user)
    return render(
        request, "outreach/overdue_list.html", {"page": paginate(request, selectors.overdue(user=request.user))}
    )


# Resources


@login_required
def resource_list(request):
    flt, qs = selectors.resource_list(user=request.user, params=request.GET)
    context = {"filter": flt, "page": paginate(request, qs), "team_cycles": selectors.team_cycle_ids(user=request.user)}
    return render(request, "outreach/resource_list.html", context)


@login_required
def resource_upload(request, pk: int):
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    selectors.require_resource_uploader(user=request.user)
    visits = selectors.cycle_visits(cycle=cycle)
    form = forms.ResourceForm(request.POST or None, request.FILES or None, phases=cycle.phases.all(), visits=visits)
    done = submit(
        request,
        form,
        lambda data: services.resource_upload(cycle=cycle, actor=request.user, **data),
        success=_("资源已上传，等待审核"),
        then="outreach_resource_list",
    )
    if done:
        return done
    return render(request, "outreach/form.html", {"form": form, "title": _("上传生成性资源"), "multipart": True})


@login_required
def resource_review(request, pk: int):
    resource = selectors.resource_get(user=request.user, pk=pk)
    selectors.require_reviewer(user=request.user, cycle=resource.cycle)
    form = forms.ResourceReviewForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.resource_review(resource=resource, actor=request.user, **data),
        success=_("审核结果已保存"),
        then="outreach_resource_list",
    )
    if done:
        return done
    return render(request, "outreach/resource_review.html", {"form": form, "resource": resource})


@login_required
def resource_download(request, pk: int):
    resource = selectors.resource_get(user=request.user, pk=pk)
    return _file_response(resource.file, name=resource.original_name, file_type=resource.file_type)


@login_required
@require_POST
def pack_request(request, pk: int):
    cycle = selectors.cycle_get(user=request.user, pk=pk)
    selectors.require_cycle_manager(user=request.user)
    services.pack_request(cycle=cycle, actor=request.user)
    messages.success(request, _("资源包正在生成，请稍后刷新"))
    return redirect("outreach_cycle_detail", pk=cycle.pk)


@login_required
def pack_download(request, pk: int):
    pack = selectors.pack_get(user=request.user, pk=pk)
    require_reader(request.user)
    if not pack.file:
        raise Http404
    return FileResponse(pack.file.open("rb"), as_attachment=True, filename=f"资源包-{pack.cycle}.zip")


# Workshops


@login_required
def workshop_list(request):
    return render(
        request, "outreach/workshop_list.html", {"page": paginate(request, selectors.workshop_list(user=request.user))}
    )


@login_required
def workshop_create(request):
    require_county_level(request.user)
    form = forms.WorkshopForm(
        request.POST or None,
        subprojects=selectors.subproject_choices(user=request.user, kind=SubProject.Kind.WORKSHOP),
        teachers=selectors.teacher_choices(user=request.user),
    )
    done = submit(
        request,
        form,
        lambda data: services.workshop_create(**data),
        success=_("工作坊已建立"),
        then=lambda workshop: ("outreach_workshop_detail", workshop.pk),
    )
    if done:
        return done
    return render(request, "outreach/form.html", {"form": form, "title": _("新建教师工作坊")})


@login_required
def workshop_detail(request, pk: int):
    workshop = selectors.workshop_get(user=request.user, pk=pk)
    can_manage = is_county_level(request.user)
    runs = selectors.can_see_all_members(user=request.user, workshop=workshop)
    context = {
        "workshop": workshop,
        "members": selectors.workshop_members(workshop=workshop, user=request.user),
        "groups": selectors.workshop_groups(workshop=workshop),
        "staff": selectors.workshop_staff(workshop=workshop),
        "evaluations": selectors.workshop_evaluations(workshop=workshop) if runs else [],
        "bulletin": selectors.latest_bulletin(workshop=workshop) if runs else None,
        "stats": selectors.workshop_stats(workshop=workshop),
        "can_manage": can_manage,
        "runs": runs,
    }
    if can_manage:
        context["member_form"] = forms.WorkshopMemberForm(
            candidates=selectors.workshop_candidates(workshop=workshop), groups=workshop.groups.all()
        )
    return render(request, "outreach/workshop_detail.html", context)


@login_required
def workshop_member_add(request, pk: int):
    workshop = selectors.workshop_get(user=request.user, pk=pk)
    require_county_level(request.user)
    form = forms.WorkshopMemberForm(
        request.POST or None, candidates=selectors.workshop_candidates(workshop=workshop), groups=workshop.groups.all()
    )
    done = submit(
        request,
        form,
        lambda data: services.workshop_member_add(workshop=workshop, **data),
        success=_("成员已加入"),
        then=("outreach_workshop_detail", workshop.pk),
        field="enrolment",
    )
    if done:
        return done
    return render(request, "outreach/form.html", {"form": form, "title": _("加入工作坊成员")})


@login_required
def workshop_weights(request, pk: int):
    workshop = selectors.workshop_get(user=request.user, pk=pk)
    require_county_level(request.user)
    initial = {name: getattr(workshop, name) for name in services.EVALUATION_FIELDS}
    form = forms.WeightsForm(request.POST or None, initial=initial)
    done = submit(
        request,
        form,
        lambda data: services.workshop_set_evaluation(workshop=workshop, **data),
        success=_("评价设置已保存"),
        then=("outreach_workshop_detail", workshop.pk),
    )
    if done:
        return done
    return render(request, "outreach/form.html", {"form": form, "title": _("工作坊评价设置")})


@login_required
def workshop_staff_add(request, pk: int):
    workshop = selectors.workshop_get(user=request.user, pk=pk)
    require_county_level(request.user)
    form = forms.WorkshopStaffForm(request.POST or None, teachers=selectors.teacher_choices(user=request.user))
    done = submit(
        request,
        form,
        lambda data: services.workshop_staff_add(workshop=workshop, **data),
        success=_("团队成员已加入"),
        then=("outreach_workshop_detail", workshop.pk),
    )
    if done:
        return done
    return render(request, "outreach/form.html", {"form": form, "title": _("核心团队与辅导教师")})


@login_required
def workshop_group_add(request, pk: int):
    workshop = selectors.workshop_get(user=request.user, pk=pk)
    require_county_level(request.user)
    form = forms.ResearchGroupForm(
        request.POST or None,
        teachers=selectors.teacher_choices(user=request.user),
        tutors=selectors.workshop_staff(workshop=workshop).filter(role="tutor"),
    )
    done = submit(
        request,
        form,
        lambda data: services.research_group_create(workshop=workshop, **data),
        success=_("研修小组已建立"),
        then=("outreach_workshop_detail", workshop.pk),
    )
    if done:
        return done
    return render(request, "outreach/form.html", {"form": form, "title": _("新建研修小组")})


@login_required
@require_POST
def visit_book(request, pk: int):
    visit = selectors.visit_get(user=request.user, pk=pk)
    selectors.require_cycle_manager(user=request.user)
    form = forms.BookingForm(request.POST, days=visit.days.all(), team=visit.cycle.team.all())
    if run(form, lambda: services.visit_book(**form.cleaned_data)):
        messages.success(request, _("已安排团队成员"))
    else:
        messages.error(request, _("请选择本次送教的日期和本周期的团队成员"))
    return redirect("outreach_visit_detail", pk=visit.pk)


@login_required
def picker_members(request):
    """The team-member picker's search: the active members of the user's county pool."""
    require_oversight(request.user)
    return search_response(selectors.member_search(user=request.user, term=search_term(request)), kind="members")
