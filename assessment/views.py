from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.excel import xlsx_response
from core.forms_util import apply_validation_error
from core.pagination import paginate
from core.params import query_int, query_year
from core.pickers import SchoolFilterForm
from core.scoping import (
    SCHOOL,
    SELF,
    can_see_full_id_numbers,
    is_county_level,
    require_admin,
    require_county_level,
    require_oversight,
    require_reader,
    require_school_or_county,
    scope_of,
)

from . import credits, registration, scoring, selectors, surveys
from .exports import excellent_workbook, transcript_workbook
from .forms import (
    CategoryForm,
    ComponentFormSet,
    CopyTemplateForm,
    CorrectionForm,
    CreditSettingsForm,
    CycleForm,
    ReasonForm,
    RequirementForm,
    SchemeForm,
    SchoolProjectForm,
    SchoolSessionForm,
    SurveyForm,
    TallyRunForm,
    grid_rows_from_post,
)
from .models import CreditRegistration, SchoolProject, TallyRun


def _year(request) -> int:
    return query_year(request, default=timezone.localdate().year)


def _require_school(user) -> None:
    if scope_of(user).kind != SCHOOL:
        raise PermissionDenied


# Schemes and scores


@login_required
def scheme_list(request):
    require_oversight(request.user)
    subprojects, templates = selectors.scheme_overview(user=request.user)
    return render(
        request, "assessment/scheme_list.html", {"page": paginate(request, subprojects), "templates": templates}
    )


def _scheme_form(request, *, county, scheme=None, subproject=None):
    """Bind the scheme form and its component formset; on a valid POST save through the service."""
    form = SchemeForm(request.POST or None, instance=scheme)
    initial = [s.__dict__ for s in scoring.scheme_components(scheme)] if scheme else []
    formset = ComponentFormSet(request.POST or None, initial=initial, prefix="c")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        specs = [
            scoring.ComponentSpec(f["label"], f["weight"], f["source"], f.get("target_hours"))
            for f in formset.cleaned_data
            if f and not f.get("DELETE")
        ]
        try:
            return (
                scoring.scheme_save(
                    scheme=scheme,
                    county=county,
                    subproject=subproject,
                    components=specs,
                    actor=request.user,
                    **form.cleaned_data,
                ),
                form,
                formset,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
    return None, form, formset


@login_required
def template_create(request):
    require_county_level(request.user)
    county = selectors.counties(user=request.user).filter(pk=request.user.county_id).first()
    if county is None:
        raise PermissionDenied
    saved, form, formset = _scheme_form(request, county=county)
    if saved:
        messages.success(request, _("模板已保存"))
        return redirect("scheme_detail", pk=saved.pk)
    return render(
        request, "assessment/scheme_form.html", {"form": form, "formset": formset, "title": _("新建考核模板")}
    )


@login_required
def subproject_scheme(request, pk: int):
    require_county_level(request.user, lookup=lambda: selectors.subproject_get(user=request.user, pk=pk))
    subproject = selectors.subproject_get(user=request.user, pk=pk)
    if hasattr(subproject, "assessment_scheme"):
        return redirect("scheme_detail", pk=subproject.assessment_scheme.pk)
    saved, form, formset = _scheme_form(request, county=subproject.program.county, subproject=subproject)
    if saved:
        messages.success(request, _("考核方案已保存"))
        return redirect("scheme_detail", pk=saved.pk)
    copy_form = CopyTemplateForm(
        templates=selectors.template_choices(user=request.user, county_id=subproject.program.county_id)
    )
    context = {"form": form, "formset": formset, "copy_form": copy_form, "subproject": subproject}
    return render(request, "assessment/scheme_form.html", {**context, "title": _("考核方案：%s") % subproject})


@login_required
@require_POST
def subproject_scheme_copy(request, pk: int):
    require_county_level(request.user)
    subproject = selectors.subproject_get(user=request.user, pk=pk)
    form = CopyTemplateForm(
        request.POST, templates=selectors.template_choices(user=request.user, county_id=subproject.program.county_id)
    )
    if not form.is_valid():
        raise Http404
    try:
        scheme = scoring.scheme_copy(template=form.cleaned_data["template"], subproject=subproject, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("subproject_scheme", pk=pk)
    messages.success(request, _("已从模板复制考核方案"))
    return redirect("scheme_detail", pk=scheme.pk)


@login_required
def scheme_detail(request, pk: int):
    require_oversight(request.user)
    scheme = selectors.scheme_get(user=request.user, pk=pk)
    counts = scoring.grade_counts(scheme) if scheme.subproject_id else None
    return render(
        request,
        "assessment/scheme_detail.html",
        {"scheme": scheme, "counts": counts, "can_manage": is_county_level(request.user)},
    )


@login_required
def scheme_edit(request, pk: int):
    require_county_level(request.user, lookup=lambda: selectors.scheme_get(user=request.user, pk=pk))
    scheme = selectors.scheme_get(user=request.user, pk=pk)
    if scheme.is_published:
        raise PermissionDenied
    saved, form, formset = _scheme_form(request, county=scheme.county, scheme=scheme, subproject=scheme.subproject)
    if saved:
        messages.success(request, _("考核方案已保存"))
        return redirect("scheme_detail", pk=pk)
    return render(
        request, "assessment/scheme_form.html", {"form": form, "formset": formset, "title": _("编辑：%s") % scheme}
    )


def _scored_scheme(request, pk: int, *, change: bool = True):
    """A sub-project's scheme; offices above the county may read (export) it, only the county changes it."""
    lookup = lambda: selectors.scheme_get(user=request.user, pk=pk)  # noqa: E731
    if change:
        require_county_level(request.user, lookup=lookup)
    require_oversight(request.user)
    scheme = lookup()
    if scheme.subproject_id is None:
        raise Http404
    return scheme


@login_required
def score_grid(request, pk: int):
    scheme = selectors.scheme_for_scoring(user=request.user, pk=pk)
    components, rows = selectors.score_grid(scheme=scheme)
    if request.method == "POST":
        if scheme.is_published:
            raise PermissionDenied
        try:
            conflicts = scoring.scores_save(
                scheme=scheme, rows=grid_rows_from_post(request.POST, components), actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if conflicts:
                messages.warning(request, _("%d 名学员的成绩已被他人修改，未覆盖，请核对后重新录入") % len(conflicts))
            else:
                messages.success(request, _("成绩已保存"))
            return redirect("score_grid", pk=pk)
    return render(request, "assessment/score_grid.html", {"scheme": scheme, "components": components, "rows": rows})


@login_required
@require_POST
def scheme_publish(request, pk: int):
    scheme = _scored_scheme(request, pk)
    try:
        scoring.scheme_publish(scheme=scheme, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("考核结果已发布并锁定"))
    return redirect("scheme_detail", pk=pk)


@login_required
def excellent_export(request, pk: int):
    scheme = _scored_scheme(request, pk, change=False)
    wb = excellent_workbook(
        scheme=scheme,
        results=selectors.excellent_trainees(scheme=scheme),
        full_ids=can_see_full_id_numbers(request.user),
    )
    return xlsx_response(wb, f"{scheme.subproject.name}优秀学员.xlsx")


# Satisfaction survey


@login_required
def survey_answer(request, pk: int):
    enrolment = selectors.enrolment_get(user=request.user, pk=pk)
    if scope_of(request.user).kind != SELF:
        raise PermissionDenied  # only the trainee answers; nobody answers for them
    if surveys.survey_has_answered(enrolment=enrolment):
        return render(request, "assessment/survey_done.html", {"enrolment": enrolment})
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            surveys.survey_answer(enrolment=enrolment, ratings=form.ratings(), comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("感谢您的评价"))
            return redirect("transcript_me")
    return render(request, "assessment/survey_form.html", {"form": form, "enrolment": enrolment})


@login_required
def survey_results(request, pk: int):
    require_oversight(request.user)
    subproject = selectors.subproject_get(user=request.user, pk=pk)
    summary = surveys.survey_summary(subproject=subproject)
    return render(request, "assessment/survey_results.html", {"subproject": subproject, "summary": summary})


# Credit settings and requirements


SETTINGS_FORMS = ("settings", "requirement", "category", "cycle")


def _settings_forms(request, county) -> dict:
    post = request.POST if request.method == "POST" else None
    which = post.get("form") if post else None
    categories = credits.categories_ensure(county=county)
    return {
        "settings": CreditSettingsForm(
            post if which == "settings" else None, instance=credits.credit_settings_for(county)
        ),
        "requirement": RequirementForm(post if which == "requirement" else None, categories=categories),
        "category": CategoryForm(post if which == "category" else None),
        "cycle": CycleForm(post if which == "cycle" else None),
    }


def _save_settings(which: str, form, *, county, actor) -> None:
    if which == "settings":
        credits.credit_settings_save(county=county, actor=actor, **form.cleaned_data)
    elif which == "requirement":
        credits.requirement_save(county=county, actor=actor, **form.service_kwargs())
    elif which == "category":
        credits.category_save(county=county, actor=actor, **form.cleaned_data)
    else:
        credits.cycle_save(county=county, actor=actor, **form.cleaned_data)


@login_required
def credit_settings(request):
    require_county_level(request.user)
    county = (
        selectors.counties(user=request.user)
        .filter(pk=query_int(request, "county", default=request.user.county_id))
        .first()
    )
    if county is None:
        raise Http404
    forms_by_name = _settings_forms(request, county)
    which = request.POST.get("form") if request.method == "POST" else None
    if which in SETTINGS_FORMS and forms_by_name[which].is_valid():
        try:
            _save_settings(which, forms_by_name[which], county=county, actor=request.user)
        except ValidationError as exc:
            apply_validation_error(forms_by_name[which], exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("credit_settings")
    context = {
        "county": county,
        **{f"{name}_form": form for name, form in forms_by_name.items()},
        "requirements": selectors.requirements(user=request.user).filter(county=county),
        "categories": selectors.credit_categories(county=county),
        "cycles": selectors.cycles(county=county),
    }
    return render(request, "assessment/credit_settings.html", context)


# School-based training


@login_required
def school_project_list(request):
    require_reader(request.user)
    return render(
        request,
        "assessment/school_project_list.html",
        {
            "page": paginate(
                request, selectors.school_projects(user=request.user, status=request.GET.get("status", ""))
            ),
            "status": SchoolProject.Status(request.GET["status"]).label
            if request.GET.get("status") in SchoolProject.Status.values
            else "",
            "is_school": scope_of(request.user).kind == SCHOOL,
        },
    )


@login_required
def school_project_create(request):
    _require_school(request.user)
    form = SchoolProjectForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            project = credits.school_project_submit(school=request.user.school, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已申报，等待县培训中心核准"))
            return redirect("school_project_detail", pk=project.pk)
    return render(request, "assessment/form.html", {"form": form, "title": _("申报校本研修项目")})


@login_required
def school_project_detail(request, pk: int):
    require_reader(request.user)
    project = selectors.school_project_get(user=request.user, pk=pk)
    scope = scope_of(request.user)
    return render(
        request,
        "assessment/school_project_detail.html",
        {
            "project": project,
            "is_school": scope.kind == SCHOOL,
            "is_county": is_county_level(request.user),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def school_project_decide(request, pk: int):
    require_county_level(request.user, lookup=lambda: selectors.school_project_get(user=request.user, pk=pk))
    project = selectors.school_project_get(user=request.user, pk=pk)
    try:
        credits.school_project_decide(
            project=project,
            approve=request.POST.get("decision") == "approve",
            reason=request.POST.get("reason", ""),
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("school_project_detail", pk=pk)


@login_required
@require_POST
def school_project_recognise(request, pk: int):
    require_county_level(request.user, lookup=lambda: selectors.school_project_get(user=request.user, pk=pk))
    project = selectors.school_project_get(user=request.user, pk=pk)
    try:
        recognised = {s.pk: Decimal(request.POST.get(f"r-{s.pk}") or s.hours) for s in project.session_list}
        credits.school_project_recognise(project=project, recognised=recognised, actor=request.user)
    except (ValidationError, InvalidOperation) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [_("学时格式不正确")])))
    else:
        messages.success(request, _("学时已认定"))
    return redirect("school_project_detail", pk=pk)


@login_required
def school_session_create(request, pk: int):
    require_school_or_county(request.user, lookup=lambda: selectors.school_project_get(user=request.user, pk=pk))
    project = selectors.school_project_get(user=request.user, pk=pk)
    _require_school(request.user)
    form = SchoolSessionForm(request.POST or None, teachers=selectors.school_teachers(school=project.school))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            credits.school_session_record(
                project=project, teachers=list(data.pop("teachers")), actor=request.user, **data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("活动与出勤已记录"))
            return redirect("school_project_detail", pk=pk)
    return render(request, "assessment/form.html", {"form": form, "title": _("记录校本研修活动：%s") % project})


# Tally


@login_required
def tally_list(request):
    require_oversight(request.user)
    year = _year(request)
    school_form = SchoolFilterForm(request.GET, schools=selectors.schools(user=request.user))
    school = school_form.chosen(request)
    qs = selectors.tallies(user=request.user, year=year, school_id=school.pk if school else None)
    context = {
        "year": year,
        "page": paginate(request, qs),
        "run_form": TallyRunForm(initial={"year": year}) if is_county_level(request.user) else None,
        "school_form": school_form,
    }
    return render(request, "assessment/tally_list.html", context)


@login_required
@require_POST
def tally_run_start(request):
    require_county_level(request.user)
    form = TallyRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("年度不正确"))
        return redirect("tally_list")
    county = selectors.counties(user=request.user).filter(pk=request.user.county_id).first()
    run = credits.tally_run_create(actor=request.user, county=county, **form.cleaned_data)
    return redirect("tally_run_detail", pk=run.pk)


@login_required
def tally_run_detail(request, pk: int):
    require_oversight(request.user)
    run = selectors.tally_run_get(user=request.user, pk=pk)
    finished = run.status in (TallyRun.Status.DONE, TallyRun.Status.FAILED)
    return render(request, "assessment/tally_run.html", {"run": run, "finished": finished})


@login_required
def tally_correct(request, pk: int):
    tally = selectors.tally_get(user=request.user, pk=pk)
    require_county_level(request.user)
    categories, sums = selectors.tally_category_hours(tally=tally)
    form = CorrectionForm(
        request.POST or None, categories=categories, initial={f"hours_{c.pk}": sums.get(c.pk, 0) for c in categories}
    )
    if request.method == "POST" and form.is_valid():
        try:
            registration.tally_correct(
                tally=tally, actor=request.user, reason=form.cleaned_data["reason"], hours=form.hours()
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("已更正，原值已保留"))
            return redirect("registration_detail", school=tally.school_id, year=tally.year)
    return render(request, "assessment/tally_correct.html", {"form": form, "tally": tally})


@login_required
def national_training_export(request):
    """The national system's 国内培训 table of the administrator's county (full ID numbers), audited."""
    require_admin(request.user)
    year = _year(request)
    county = selectors.counties(user=request.user).filter(pk=request.user.county_id).first()
    workbook = credits.national_training_export(year=year, county=county, user=request.user, actor=request.user)
    return xlsx_response(workbook, f"国内培训{year}.xlsx")


# Registration 学分审核登记


@login_required
def registration_list(request):
    require_reader(request.user)
    year = _year(request)
    status = request.GET.get("status", "")
    status = status if status in CreditRegistration.Status.values else ""
    rows = selectors.registrations(user=request.user, year=year, status=status)
    context = {"year": year, "page": paginate(request, rows), "status": status}
    return render(request, "assessment/registration_list.html", context)


@login_required
def registration_detail(request, school: int, year: int):
    require_reader(request.user)
    school_obj = selectors.school_get(user=request.user, pk=school)
    context = {
        "school": school_obj,
        "year": year,
        "registration": selectors.registration_for(school=school_obj, year=year),
        "tallies": selectors.tallies(user=request.user, year=year, school_id=school_obj.pk),
        "is_school": scope_of(request.user).kind == SCHOOL,
        "reason_form": ReasonForm(),
        "statuses": CreditRegistration.Status,
    }
    return render(request, "assessment/registration_detail.html", context)


@login_required
@require_POST
def registration_submit(request, school: int, year: int):
    school_obj = selectors.school_get(user=request.user, pk=school)
    _require_school(request.user)
    try:
        registration.registration_submit(school=school_obj, year=year, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已提交县培训中心审核"))
    return redirect("registration_detail", school=school, year=year)


@login_required
@require_POST
def registration_decide(request, school: int, year: int):
    school_obj = selectors.school_get(user=request.user, pk=school)
    require_county_level(request.user)
    record = selectors.registration_for(school=school_obj, year=year)
    if record is None:
        raise Http404
    try:
        if request.POST.get("decision") == "approve":
            registration.registration_approve(registration=record, actor=request.user)
        else:
            registration.registration_return(
                registration=record, reason=request.POST.get("reason", ""), actor=request.user
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("registration_detail", school=school, year=year)


# Transcript 培训档案


def _transcript_context(request, pk: int):
    teacher = selectors.teacher_get(user=request.user, pk=pk)
    return {
        "teacher": teacher,
        "years": selectors.transcript(teacher=teacher),
        "full_ids": can_see_full_id_numbers(request.user),
        "own": scope_of(request.user).kind == SELF,
        # 周期核定 results (views_cycles.py)
        "cycle_results": selectors.teacher_cycle_results(teacher=teacher),
    }


@login_required
def transcript(request, pk: int):
    context = _transcript_context(request, pk)
    if request.GET.get("format") == "xlsx":
        wb = transcript_workbook(teacher=context["teacher"], years=context["years"], full_ids=context["full_ids"])
        return xlsx_response(wb, f"{context['teacher'].name}培训档案.xlsx")
    return render(request, "assessment/transcript.html", context)


@login_required
def transcript_print(request, pk: int):
    return render(request, "assessment/transcript_print.html", _transcript_context(request, pk))


@login_required
def transcript_me(request):
    if scope_of(request.user).kind != SELF:
        raise PermissionDenied
    return redirect("transcript", pk=request.user.teacher_id)
