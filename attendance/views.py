from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.client_ip import client_ip
from core.excel import xlsx_response
from core.pagination import paginate
from core.scoping import (
    can_see_full_id_numbers,
    is_county_level,
    require_oversight,
    require_reader,
    require_school_or_county,
)
from trainees.selectors import teacher_get

from . import qr, selectors, services
from .exports import session_sheet_workbook
from .forms import CheckInForm, TypedCheckInForm, parse_grid
from .models import Status


@login_required
def session_list(request):
    require_reader(request.user)
    when = request.GET.get("when", "")
    when = when if when in selectors.WHEN_CHOICES else ""
    page = paginate(request, selectors.session_list(user=request.user, when=when))
    return render(request, "attendance/session_list.html", {"page": page, "when": when})


def _grid_url(session, school) -> str:
    url = reverse("attendance_grid", args=[session.pk])
    return f"{url}?school={school.pk}" if school else url


@login_required
def grid(request, pk: int):
    # Offices above the county read the summary and the export, not the grid.
    require_school_or_county(request.user, lookup=lambda: selectors.session_get(user=request.user, pk=pk))
    session = selectors.session_get(user=request.user, pk=pk, for_display=request.method != "POST")
    school = selectors.grid_school(user=request.user, session=session, school_id=request.GET.get("school"))
    version, posted, conflicts, errors, reason, invalid = None, None, [], [], "", {}
    if request.method == "POST":
        try:
            data = parse_grid(request.POST)
            # A refused save re-renders at the version the user loaded, so fixing the error and
            # saving again still detects what others changed meanwhile.
            version, reason, posted = data.version, data.reason, {row.enrolment_id: row for row in data.rows}
            result = services.attendance_grid_save(
                session=session, user=request.user, rows=data.rows, version=data.version, reason=data.reason
            )
        except ValidationError as exc:
            invalid = _row_errors(exc)
            errors = [_("请为请假的学员填写事由（已在下表标出），未保存任何修改")] if invalid else exc.messages
        else:
            if result.saved:
                messages.success(request, _("考勤已保存（{n} 处修改）").format(n=result.changed))
                return redirect(_grid_url(session, school))
            version, conflicts = result.version, result.conflicts
    if version is None:
        version = selectors.sheet_version(session=session)
    rows = selectors.grid_rows(user=request.user, session=session, school_id=school.pk if school else None)
    context = _grid_context(request, session, school, rows, posted, conflicts, invalid)
    context.update(version=version, errors=errors, reason=reason)
    return render(request, "attendance/grid.html", context)


def _row_errors(exc: ValidationError) -> dict[int, str]:
    """{enrolment id: message} of the rows a refused save names (`note-<id>` keys), if any."""
    if not hasattr(exc, "error_dict"):
        return {}
    return {
        int(key.partition("-")[2]): messages[0]
        for key, messages in exc.message_dict.items()
        if key.startswith("note-") and key.partition("-")[2].isdigit()
    }


def _grid_context(request, session, school, rows, posted, conflicts, invalid=None) -> dict:
    by_enrolment: dict[int, list] = {}
    for change in conflicts:
        by_enrolment.setdefault(change.enrolment_id, []).append(change)
    display = []
    for row in rows:
        mine = posted.get(row.enrolment_id) if posted is not None else None
        display.append(
            {
                "row": row,
                # After a conflict the page keeps what the user typed; rows they left blank show the
                # stored value (a blank row is never saved, so it cannot overwrite anything).
                "status": mine.status if mine else row.status,
                "note": mine.note if mine else row.note,
                "conflict": by_enrolment.get(row.enrolment_id, []),
                "error": (invalid or {}).get(row.enrolment_id, ""),
            }
        )
    locked = services.session_is_locked(session)
    county = is_county_level(request.user)
    return {
        "session": session,
        "school": school,
        "schools": selectors.grid_schools(user=request.user, session=session) if county else [],
        "rows": display,
        "choices": [(value, str(label)) for value, label in Status.choices],
        "conflicts": conflicts,
        "locked": locked,
        "read_only": locked and not county,
        "lock_days": services.lock_days(),
        "is_county": county,
        "full_ids": can_see_full_id_numbers(request.user),
    }


@login_required
def summary(request, pk: int):
    require_oversight(request.user)
    session = selectors.session_get(user=request.user, pk=pk)
    rows = selectors.session_summary(user=request.user, session=session)
    return render(
        request,
        "attendance/summary.html",
        {"session": session, "rows": rows, "totals": selectors.summary_totals(rows), "statuses": Status},
    )


@login_required
def export(request, pk: int):
    require_reader(request.user)
    session = selectors.session_get(user=request.user, pk=pk)
    school = selectors.grid_school(user=request.user, session=session, school_id=request.GET.get("school"))
    rows = selectors.grid_rows(user=request.user, session=session, school_id=school.pk if school else None)
    wb = session_sheet_workbook(session=session, rows=rows, full_ids=can_see_full_id_numbers(request.user))
    return xlsx_response(wb, f"考勤表_{session.date:%Y%m%d}_{session.pk}.xlsx")


@login_required
def teacher_history(request, pk: int):
    teacher = teacher_get(user=request.user, pk=pk)
    return render(
        request,
        "attendance/teacher_history.html",
        {
            "teacher": teacher,
            "records": selectors.teacher_records(teacher=teacher),
            "changes": selectors.teacher_changes(teacher=teacher),
        },
    )


def _screen_codes(request, sheet) -> dict:
    """What the hall screen shows now: the QR image, its address, the typed code, when they change."""
    url = request.build_absolute_uri(reverse("attendance_checkin", args=[services.qr_code_for(sheet)]))
    return {
        "qr": qr.data_uri(url),
        "url": url,
        "code": services.typed_code_for(sheet),
        "typed_url": request.build_absolute_uri(reverse("attendance_checkin_typed")),
        "refresh_in": services.qr_seconds_left(),
    }


@login_required
def checkin_screen(request, pk: int):
    require_school_or_county(request.user, lookup=lambda: selectors.session_get(user=request.user, pk=pk))
    session = selectors.session_get(user=request.user, pk=pk)
    sheet = selectors.sheet_get(session=session)
    context = {"session": session, "sheet": sheet, "window": services.session_window(session)}
    if sheet is not None and sheet.qr_token:
        context["codes"] = _screen_codes(request, sheet)
        context["expected"], context["checkins"] = selectors.checkins(user=request.user, session=session)
    return render(request, "attendance/checkin_screen.html", context)


@login_required
def checkin_status(request, pk: int):
    """The screen's live figures, polled by static/attendance/checkin.js (no inline scripts)."""
    require_school_or_county(request.user, lookup=lambda: selectors.session_get(user=request.user, pk=pk))
    session = selectors.session_get(user=request.user, pk=pk)
    sheet = selectors.sheet_get(session=session)
    if sheet is None or not sheet.qr_token:
        return JsonResponse({"open": False})
    expected, people = selectors.checkins(user=request.user, session=session)
    labels = dict(Status.choices)
    data = {
        "open": True,
        "expected": expected,
        "checked_in": len(people),
        "people": [
            {
                "name": p.name,
                "school": p.school_name,
                "at": timezone.localtime(p.scanned_at).strftime("%H:%M"),
                "mark": "" if p.status == Status.PRESENT else str(labels.get(p.status, "")),
            }
            for p in people[:300]
        ],
        **_screen_codes(request, sheet),
    }
    return JsonResponse(data, headers={"Cache-Control": "no-store"})


@login_required
@require_POST
def checkin_open(request, pk: int):
    require_school_or_county(request.user, lookup=lambda: selectors.session_get(user=request.user, pk=pk))
    session = selectors.session_get(user=request.user, pk=pk)
    services.qr_open(session=session, actor=request.user, rotate=request.POST.get("rotate") == "1")
    return redirect("attendance_checkin_screen", pk=session.pk)


@login_required
@require_POST
def checkin_reopen(request, pk: int):
    require_school_or_county(request.user, lookup=lambda: selectors.session_get(user=request.user, pk=pk))
    session = selectors.session_get(user=request.user, pk=pk)
    services.qr_reopen(session=session, actor=request.user)
    messages.success(request, _("已重新开放签到：此前输错次数的限制已解除"))
    return redirect("attendance_checkin_screen", pk=session.pk)


def _checkin_page(request, session, form, *, done=False, error="", status=200):
    context = {"session": session, "form": form, "done": done, "error": error}
    if session is not None:
        start, end = services.session_window(session)
        context["is_open"] = start <= timezone.now() <= end
    return render(request, "attendance/checkin.html", context, status=status)


def checkin(request, code: str):
    """The trainee's phone page from the QR code: no login, identity by name and the ID's last six.

    A code that is forged, rotated out or revoked gets the same neutral page (with the typed-code
    form) as a replayed or foreign ticket: nobody learns which it was."""
    session = selectors.checkin_session(code=code)
    if session is None:
        return _checkin_page(request, None, TypedCheckInForm(), error=_(services.ERR_QR_CODE), status=404)
    if request.method != "POST":
        return _checkin_page(request, session, CheckInForm(initial={"ticket": services.ticket_for(session)}))
    form = CheckInForm(request.POST)
    if not form.is_valid():
        return _checkin_page(request, session, form)
    nonce = services.ticket_nonce(form.cleaned_data["ticket"], session=session)
    if nonce is None:
        return _checkin_page(request, None, TypedCheckInForm(), error=_(services.ERR_QR_CODE))
    return _check_in(request, session, form, nonce=nonce)


def checkin_typed(request):
    """The same check-in with the six digits shown on the screen, for phones that cannot scan."""
    form = TypedCheckInForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _checkin_page(request, None, form)
    ip = client_ip(request)
    session = None if services.typed_limited(ip=ip) else selectors.typed_session(code=form.cleaned_data["code"])
    if session is None:
        services.typed_failure(ip=ip)
        return _checkin_page(request, None, form, error=_(services.ERR_QR_CODE))
    return _check_in(request, session, form, nonce=None)


def _check_in(request, session, form, *, nonce):
    try:
        services.attendance_qr_check_in(
            session=session,
            name=form.cleaned_data["name"],
            id_tail=form.cleaned_data["id_tail"],
            ip=client_ip(request),
            nonce=nonce,
        )
    except ValidationError as exc:
        if nonce is not None:  # the page keeps a fresh ticket for a corrected answer
            form = CheckInForm(initial={**form.cleaned_data, "ticket": services.ticket_for(session)})
        return _checkin_page(request, session, form, error=exc.messages[0])
    return _checkin_page(request, session, form, done=True)
