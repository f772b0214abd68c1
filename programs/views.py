from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.excel import xlsx_response
from core.forms_util import submit
from core.pagination import paginate
from core.pickers import is_picked_id
from core.scoping import (
    ALL,
    REGION,
    SELF,
    get_visible_or_404,
    is_admin,
    is_county_level,
    owns_region_record,
    require_county_level,
    require_reader,
    require_school_or_county,
    scope_of,
)
from trainees import selectors as registry

from . import notices, selectors, services
from .allocation import quota_proposal
from .exports import programs_workbook, signin_workbook
from .forms import (
    CategoryForm,
    CountyQuotaForm,
    NominateForm,
    NoticeAnswerForm,
    ProgramForm,
    QuotaForm,
    ReasonForm,
    SessionForm,
    SubProjectForm,
    SubstituteForm,
)


def _form_page(request, form, title, **extra):
    return render(request, "programs/form.html", {"form": form, "title": title, **extra})


def can_manage_program(user, program) -> bool:
    """County staff change their county's programs; a city or province office only its own."""
    if program.region_id:
        return owns_region_record(user, program.region_id)
    return is_county_level(user)


def _require_county_or_region(user) -> None:
    """Change pages of programs: county staff, or an office above the county (whose own programs they
    are is checked after the scoped lookup); everyone else 403 as before."""
    if scope_of(user).kind != REGION:
        require_county_level(user)


def _require_manager(user, program) -> None:
    """Called after the scoped lookup: outsiders have had their 404, onlookers get 403 here."""
    if not can_manage_program(user, program):
        raise PermissionDenied


# Categories (administrators) --------------------------------------------------------------------


def _require_category_admin(user) -> None:
    """County administrators keep their county's own categories; city and province administrators
    (and superusers) the shared ones."""
    from accounts.models import REGION_ADMIN_ROLES

    if not (is_admin(user) or (scope_of(user).kind == REGION and user.role in REGION_ADMIN_ROLES)):
        raise PermissionDenied


def _own_county(user):
    """A county administrator's new category is their county's own; one made above is shared."""
    return user.county if is_admin(user) and scope_of(user).kind != ALL else None


@login_required
def category_list(request):
    _require_category_admin(request.user)
    form = CategoryForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.category_create(county=_own_county(request.user), **data),
        success=_("类别已添加"),
        then="category_list",
    )
    if done:
        return done
    categories = [
        (c, services.can_change_category(request.user, c)) for c in selectors.category_list(user=request.user)
    ]
    return render(request, "programs/category_list.html", {"categories": categories, "form": form})


@login_required
def category_edit(request, pk: int):
    _require_category_admin(request.user)
    category = selectors.category_get(user=request.user, pk=pk)
    if not services.can_change_category(request.user, category):
        raise PermissionDenied
    form = CategoryForm(request.POST or None, instance=category)
    done = submit(
        request,
        form,
        lambda data: services.category_update(category=selectors.category_get(user=request.user, pk=pk), **data),
        success=_("类别已保存"),
        then="category_list",
    )
    if done:
        return done
    return _form_page(request, form, _("编辑类别"))


# Programs --------------------------------------------------------------------------------------


@login_required
def program_list(request):
    require_reader(request.user)
    flt, qs = selectors.program_list(user=request.user, params=request.GET)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(programs_workbook(programs=qs), "培训项目.xlsx")
    return render(request, "programs/program_list.html", {"filter": flt, "page": paginate(request, qs)})


@login_required
def program_detail(request, pk: int):
    require_reader(request.user)
    program = selectors.program_get(user=request.user, pk=pk)
    return render(
        request,
        "programs/program_detail.html",
        {
            "program": program,
            "subprojects": selectors.program_subprojects(program=program),
            "can_manage": can_manage_program(request.user, program),
        },
    )


def _program_form(request, instance=None):
    # An office above the county runs its programs at its own level; the form says so and hides the county.
    region = request.user.region if scope_of(request.user).kind == REGION else None
    return ProgramForm(
        request.POST or None,
        instance=instance,
        counties=registry.county_choices(user=request.user),
        categories=selectors.category_choices(user=request.user),
        region=region,
    )


@login_required
def program_create(request):
    if scope_of(request.user).kind != REGION:
        require_county_level(request.user)
    form = _program_form(request)
    done = submit(
        request,
        form,
        lambda data: services.program_create(region=form.region, **data),
        success=_("项目已创建"),
        then=lambda program: ("program_detail", program.pk),
    )
    if done:
        return done
    return _form_page(request, form, _("新建培训项目"))


@login_required
def program_edit(request, pk: int):
    _require_county_or_region(request.user)
    program = selectors.program_get(user=request.user, pk=pk)
    _require_manager(request.user, program)
    form = _program_form(request, instance=program)
    done = submit(
        request,
        form,
        lambda data: services.program_update(program=selectors.program_get(user=request.user, pk=pk), **data),
        success=_("项目已保存"),
        then=("program_detail", pk),
    )
    if done:
        return done
    return _form_page(request, form, _("编辑培训项目"), back=program)


# Sub-projects and sessions ------------------------------------------------------------------------


@login_required
def subproject_create(request, program_pk: int):
    _require_county_or_region(request.user)
    program = selectors.program_get(user=request.user, pk=program_pk)
    _require_manager(request.user, program)
    form = SubProjectForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.subproject_create(program=program, **data),
        success=_("子项目已创建"),
        then=lambda sub: ("subproject_detail", sub.pk),
    )
    if done:
        return done
    return _form_page(request, form, _("新建子项目"), back=program)


@login_required
def subproject_edit(request, pk: int):
    _require_county_or_region(request.user)
    sub = selectors.subproject_get(user=request.user, pk=pk)
    _require_manager(request.user, sub.program)
    form = SubProjectForm(request.POST or None, instance=sub)
    done = submit(
        request,
        form,
        lambda data: services.subproject_update(subproject=selectors.subproject_get(user=request.user, pk=pk), **data),
        success=_("子项目已保存"),
        then=("subproject_detail", pk),
    )
    if done:
        return done
    return _form_page(request, form, _("编辑子项目"), back=sub)


@login_required
def subproject_detail(request, pk: int):
    require_reader(request.user)
    sub = selectors.subproject_get(user=request.user, pk=pk)
    return render(
        request,
        "programs/subproject_detail.html",
        {
            "sub": sub,
            "sessions": selectors.subproject_sessions(subproject=sub),
            "quotas": selectors.quota_use(user=request.user, subproject=sub),
            "county_quotas": selectors.county_quota_use(user=request.user, subproject=sub),
            "roster": selectors.roster(user=request.user, subproject=sub),
            "can_manage": can_manage_program(request.user, sub.program),
            # County staff decide on their own teachers' places, in a city's program too.
            "can_decide": is_county_level(request.user),
            "can_nominate": scope_of(request.user).kind != REGION,
        },
    )


@login_required
def subproject_signin(request, pk: int):
    require_reader(request.user)
    sub = selectors.subproject_get(user=request.user, pk=pk)
    wb = signin_workbook(
        subproject=sub,
        sessions=list(selectors.subproject_sessions(subproject=sub)),
        enrolments=selectors.roster(user=request.user, subproject=sub, participating_only=True),
    )
    return xlsx_response(wb, f"{sub.name}签到表.xlsx")


def _session_form(request, sub, instance=None):
    schools = selectors.host_school_choices(user=request.user, subproject=sub)
    return SessionForm(request.POST or None, instance=instance, schools=schools)


@login_required
def session_create(request, subproject_pk: int):
    _require_county_or_region(request.user)
    sub = selectors.subproject_get(user=request.user, pk=subproject_pk)
    _require_manager(request.user, sub.program)
    form = _session_form(request, sub)
    done = submit(
        request,
        form,
        lambda data: services.session_create(subproject=sub, **data),
        success=_("培训活动已添加"),
        then=("subproject_detail", sub.pk),
    )
    if done:
        return done
    return _form_page(request, form, _("添加培训活动"), back=sub)


@login_required
def session_edit(request, pk: int):
    _require_county_or_region(request.user)
    session = selectors.session_get(user=request.user, pk=pk)
    _require_manager(request.user, session.subproject.program)
    form = _session_form(request, session.subproject, instance=session)
    done = submit(
        request,
        form,
        lambda data: services.session_update(session=selectors.session_get(user=request.user, pk=pk), **data),
        success=_("培训活动已保存"),
        then=("subproject_detail", session.subproject_id),
    )
    if done:
        return done
    return _form_page(request, form, _("编辑培训活动"), back=session.subproject)


@login_required
def quota_edit(request, pk: int):
    require_county_level(request.user, lookup=lambda: selectors.subproject_get(user=request.user, pk=pk))
    sub = selectors.subproject_get(user=request.user, pk=pk)
    rows = selectors.quota_use(user=request.user, subproject=sub, all_schools=True)
    places = selectors.quota_places(user=request.user, subproject=sub)
    if request.method == "POST" and "fill" in request.POST:
        # A proposal only: shown in the form to be checked and saved, nothing is written yet.
        form = QuotaForm(quota_proposal(rows=rows, places=places), rows=rows)
        messages.info(request, _("已按各校教师人数填入 {n} 个名额，请核对后保存").format(n=places))
        return render(request, "programs/quota_form.html", {"form": form, "sub": sub, "places": places})
    form = QuotaForm(request.POST or None, rows=rows)
    done = submit(
        request,
        form,
        lambda data: services.quotas_set(subproject=sub, quotas=form.changed_quotas()),
        success=_("名额已保存"),
        then=("subproject_detail", sub.pk),
    )
    if done:
        return done
    return render(request, "programs/quota_form.html", {"form": form, "sub": sub, "places": places})


@login_required
def county_quota_edit(request, pk: int):
    """A city's or province's office allots its sub-project's places to the counties below it."""
    _require_county_or_region(request.user)
    sub = selectors.subproject_get(user=request.user, pk=pk)
    if not sub.program.region_id:
        raise Http404  # a county's own sub-project has no county quotas
    _require_manager(request.user, sub.program)
    rows = selectors.county_quota_use(user=request.user, subproject=sub, all_counties=True)
    form = CountyQuotaForm(request.POST or None, rows=rows)
    done = submit(
        request,
        form,
        lambda data: services.county_quotas_set(subproject=sub, quotas=form.changed_quotas()),
        success=_("县区名额已保存"),
        then=("subproject_detail", sub.pk),
    )
    if done:
        return done
    return render(request, "programs/quota_form.html", {"form": form, "sub": sub, "counties": True})


# Enrolment ---------------------------------------------------------------------------------------


@login_required
def enrolment_nominate(request, pk: int):
    require_school_or_county(request.user, lookup=lambda: selectors.subproject_get(user=request.user, pk=pk))
    sub = selectors.subproject_get(user=request.user, pk=pk)
    if request.method == "POST" and is_picked_id(request.POST.get("teacher", "")):
        # Looked up through the registry's scope first: another school's teacher is not found (404).
        # A name or number typed without JavaScript is resolved by the form within the candidates.
        registry.teacher_get(user=request.user, pk=request.POST["teacher"])
    form = NominateForm(
        request.POST or None, candidates=selectors.nomination_candidates(user=request.user, subproject=sub)
    )
    done = submit(
        request,
        form,
        lambda data: services.enrolment_nominate(subproject=sub, teacher=data["teacher"], actor=request.user),
        success=_("已提名，等待县培训中心确认"),
        then=("enrolment_nominate", sub.pk),
        field="teacher",
    )
    if done:
        return done
    return render(request, "programs/nominate.html", {"form": form, "sub": sub})


def _county_enrolment(request, pk: int):
    require_county_level(request.user, lookup=lambda: selectors.enrolment_get(user=request.user, pk=pk))
    return selectors.enrolment_get(user=request.user, pk=pk)


def _enrolment_action(request, pk: int, action, success: str, **kwargs):
    enrolment = _county_enrolment(request, pk)
    try:
        action(enrolment=enrolment, actor=request.user, **kwargs)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("subproject_detail", pk=enrolment.subproject_id)


@login_required
@require_POST
def enrolment_confirm(request, pk: int):
    return _enrolment_action(request, pk, services.enrolment_confirm, _("报名已确认"))


@login_required
@require_POST
def enrolment_reject(request, pk: int):
    reason = ReasonForm(request.POST).data.get("reason", "")[:200]
    return _enrolment_action(request, pk, services.enrolment_reject, _("报名未通过"), reason=reason)


@login_required
@require_POST
def enrolment_withdraw(request, pk: int):
    reason = ReasonForm(request.POST).data.get("reason", "")[:200]
    return _enrolment_action(request, pk, services.enrolment_withdraw, _("已退出"), reason=reason)


@login_required
def enrolment_substitute(request, pk: int):
    enrolment = _county_enrolment(request, pk)
    candidates = selectors.nomination_candidates(user=request.user, subproject=enrolment.subproject)
    form = SubstituteForm(request.POST or None, candidates=candidates)
    done = submit(
        request,
        form,
        lambda data: services.enrolment_substitute(enrolment=enrolment, actor=request.user, **data),
        success=_("已换人"),
        then=("subproject_detail", enrolment.subproject_id),
    )
    if done:
        return done
    return render(request, "programs/substitute.html", {"form": form, "enrolment": enrolment})


@login_required
def school_trainees(request):
    require_reader(request.user)
    flt, qs = selectors.school_trainees(user=request.user, params=request.GET)
    return render(request, "programs/school_trainees.html", {"filter": flt, "page": paginate(request, qs)})


def _require_teacher(user):
    if scope_of(user).kind != SELF:
        raise PermissionDenied


@login_required
def my_enrolments(request):
    _require_teacher(request.user)
    return render(
        request,
        "programs/my_enrolments.html",
        {
            "enrolments": selectors.my_enrolments(user=request.user),
            "notices": selectors.my_notices(user=request.user)[:50],
        },
    )


@login_required
def notice_answer(request, pk: int):
    """The teacher's 确认参训 / 无法参加 on an enrolment notice (the list posts 确认参训 here directly)."""
    _require_teacher(request.user)
    notice = get_visible_or_404(selectors.my_notices(user=request.user), request.user, pk=pk, teacher="teacher")
    form = NoticeAnswerForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: notices.notice_answer(notice=notice, actor=request.user, **data),
        # Read after the answer is written: the message repeats what was recorded.
        success=lambda _result: _("已回复：{answer}").format(answer=notice.get_response_display()),
        then=f"{reverse('my_enrolments')}#notices",
    )
    if done:
        return done
    return render(request, "programs/notice_answer.html", {"form": form, "notice": notice})


@login_required
@require_POST
def notices_read(request):
    _require_teacher(request.user)
    services.notices_mark_read(teacher=request.user.teacher)
    return redirect("my_enrolments")
