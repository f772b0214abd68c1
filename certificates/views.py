from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment import selectors as assessment_selectors
from attendance import selectors as attendance_selectors
from core import jobs
from core.client_ip import client_ip
from core.forms_util import submit
from core.pagination import paginate
from core.scoping import (
    can_oversee,
    is_admin,
    is_county_level,
    require_admin,
    require_county_level,
    require_oversight,
    require_school_or_county,
    scope_of,
)
from programs import selectors as program_selectors

from . import documents, eligibility, selectors, serials, services
from .forms import LookupForm, RevokeForm, RuleForm, SettingsForm
from .models import Certificate


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


# The public verify page --------------------------------------------------------------------------


def _verify_response(request, *, certificate, via: str, asked: str, form=None):
    client = client_ip(request)
    if not services.verification_allowed(client=client):
        return render(request, "certificates/verify_limited.html", status=429)
    services.verification_log(
        certificate=certificate, via=via, asked=asked, client=client, user_agent=request.headers.get("user-agent", "")
    )
    if certificate is None:
        return render(request, "certificates/verify.html", {"form": form or LookupForm(), "missing": True}, status=404)
    return render(
        request,
        "certificates/verify.html",
        {"c": certificate, "masked_name": serials.mask_name(certificate.holder_name), "form": form or LookupForm()},
    )


def verify(request, token: str):
    return _verify_response(request, certificate=selectors.certificate_by_token(token=token), via="token", asked=token)


def lookup(request):
    form = LookupForm(request.GET or None)
    if not form.is_valid():
        return render(request, "certificates/verify.html", {"form": form})
    serial = form.cleaned_data["serial"]
    return _verify_response(
        request, certificate=selectors.certificate_by_serial(serial=serial), via="serial", asked=serial, form=form
    )


# Certificates of a user's scope ------------------------------------------------------------------


@login_required
def certificate_list(request):
    if scope_of(request.user).kind == "none":
        raise PermissionDenied
    subproject = request.GET.get("subproject", "")
    qs = selectors.certificate_list(
        user=request.user,
        subproject_id=int(subproject) if subproject.isdigit() else None,
        kind=request.GET.get("kind", ""),
    )
    return render(
        request,
        "certificates/list.html",
        {"page": paginate(request, qs), "can_change": is_county_level(request.user), "kinds": Certificate.Kind.choices},
    )


@login_required
def certificate_download(request, pk: int):
    cert = selectors.certificate_get(user=request.user, pk=pk)
    try:
        handle = cert.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=cert.download_name, content_type="application/pdf")


@require_POST
@login_required
def certificate_revoke(request, pk: int):
    cert = selectors.certificate_get(user=request.user, pk=pk)
    require_county_level(request.user)
    form = RevokeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("reason") or _(services.ERR_REASON_REQUIRED))
        services.certificate_revoke(certificate=cert, reason=form.cleaned_data["reason"], actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("证书 %s 已撤销") % cert.serial)
    return redirect("certificates:list")


@require_POST
@login_required
def certificate_reissue(request, pk: int):
    cert = selectors.certificate_get(user=request.user, pk=pk)
    require_county_level(request.user)
    try:
        new = services.certificate_reissue(certificate=cert, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已补发，新编号 %s") % new.serial)
    return redirect("certificates:list")


# County settings ---------------------------------------------------------------------------------


@login_required
def settings_view(request):
    require_admin(request.user)
    if not request.user.county_id:  # a deployment-wide superuser: no county to print for
        raise PermissionDenied
    current = services.county_settings(request.user.county)
    form = SettingsForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "issuing_unit": current.issuing_unit,
            "signatory": current.signatory,
            "serial_template": current.serial_template,
            "layout": current.layout,
        },
    )
    done = submit(
        request,
        form,
        lambda data: services.settings_update(user=request.user, **data),
        success=_("证书设置已保存"),
        then="certificates:settings",
    )
    if done:
        return done
    return render(request, "certificates/settings.html", {"form": form, "current": current})


# A sub-project: eligibility, rule, batch issuing -------------------------------------------------


@login_required
def subproject_view(request, pk: int):
    subproject = program_selectors.subproject_get(user=request.user, pk=pk)
    if not can_oversee(request.user):
        raise PermissionDenied
    if request.method == "POST":
        require_county_level(request.user)
    rule = eligibility.rule_for(subproject)
    form = RuleForm(
        request.POST or None, initial={"min_attendance": rule.min_attendance, "require_pass": rule.require_pass}
    )
    done = submit(
        request,
        form,
        lambda data: services.rule_set(user=request.user, subproject=subproject, **data),
        success=_("结业条件已保存"),
        then=("certificates:subproject", subproject.pk),
    )
    if done:
        return done
    enrolments = program_selectors.roster(user=request.user, subproject=subproject, participating_only=True)
    verdicts = eligibility.evaluate(subproject=subproject, enrolments=enrolments, rule=rule)
    issued = selectors.certificates_by_enrolment(user=request.user, enrolment_ids=[v.enrolment.pk for v in verdicts])
    for v in verdicts:
        v.certificate = issued.get(v.enrolment.pk)
    return render(
        request,
        "certificates/subproject.html",
        {
            "subproject": subproject,
            "form": form,
            "verdicts": verdicts,
            "eligible_count": sum(1 for v in verdicts if v.eligible),
            "jobs": selectors.job_list(user=request.user, subproject_id=subproject.pk)[:20],
            "can_issue": is_county_level(request.user),
        },
    )


@require_POST
@login_required
def subproject_issue(request, pk: int):
    subproject = program_selectors.subproject_get(user=request.user, pk=pk)
    require_county_level(request.user)
    try:
        services.issue_request(user=request.user, subproject=subproject)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已提交发证任务，完成后可下载压缩包"))
    return redirect("certificates:subproject", pk=subproject.pk)


@login_required
def job_status(request, pk: int):
    require_oversight(request.user)
    job = selectors.job_get(user=request.user, pk=pk)
    return jobs.status_response(job, download="certificates:job_download", issued=job.issued)


@login_required
def job_download(request, pk: int):
    require_oversight(request.user)
    return jobs.file_response(selectors.job_get(user=request.user, pk=pk), content_type="application/zip")


# Documents printed on demand ---------------------------------------------------------------------


@login_required
def transcript_pdf(request, pk: int):
    teacher = assessment_selectors.teacher_get(user=request.user, pk=pk)
    data = documents.transcript_pdf(teacher=teacher, full_ids=is_admin(request.user))
    return _pdf(data, f"{teacher.name}培训档案.pdf")


@require_POST
@login_required
def hours_issue(request, pk: int, year: int):
    teacher = assessment_selectors.teacher_get(user=request.user, pk=pk)
    require_county_level(request.user)
    try:
        cert = services.certificate_issue_hours(teacher=teacher, year=year, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("transcript", pk=teacher.pk)
    messages.success(request, _("学时证明 %s 已发放") % cert.serial)
    return redirect("certificates:list")


@login_required
def signin_sheet(request, pk: int):
    session = attendance_selectors.session_get(user=request.user, pk=pk)
    require_school_or_county(request.user)
    data = documents.signin_pdf(user=request.user, session=session)
    return _pdf(data, f"签到表-{session.date:%Y%m%d}-{session.pk}.pdf")
