from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.client_ip import client_ip
from core.excel import xlsx_response
from core.pagination import paginate
from core.scoping import can_see_full_id_numbers, is_county_level, require_county_level, require_school_or_county
from trainees.selectors import teacher_get

from . import qr, selectors, services
from .exports import session_sheet_workbook
from .forms import CheckInForm, parse_grid
from .models import Status


@login_required
def session_list(request):
    require_school_or_county(request.user)
    when = request.GET.get("when", "")
    when = when if when in selectors.WHEN_CHOICES else ""
    page = paginate(request, selectors.session_list(user=request.user, when=when))
    return render(request, "attendance/session_list.html", {"page": page, "when": when})


def _grid_url(session, school) -> str:
    url = reverse("attendance_grid", args=[session.pk])
    return f"{url}?school={school.pk}" if school else url


@login_required
def grid(request, pk: int):
    require_school_or_county(request.user)
    session = selectors.session_get(user=request.user, pk=pk, for_display=request.method != "POST")
    school = selectors.grid_school(user=request.user, session=session, school_id=request.GET.get("school"))
    version, posted, conflicts, errors, reason = None, None, [], [], ""
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
            errors = exc.messages
        else:
            if result.saved:
                messages.success(request, _("考勤已保存（{n} 处修改）").format(n=result.changed))
                return redirect(_grid_url(session, school))
            version, conflicts = result.version, result.conflicts
    if version is None:
        version = selectors.sheet_version(session=session)
    rows = selectors.grid_rows(user=request.user, session=session, school_id=school.pk if school else None)
    context = _grid_context(request, session, school, rows, posted, conflicts)
    context.update(version=version, errors=errors, reason=reason)
    return render(request, "attendance/grid.html", context)


def _grid_context(request, session, school, rows, posted, conflicts) -> dict:
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
    require_county_level(request.user)
    session = selectors.session_get(user=request.user, pk=pk)
    rows = selectors.session_summary(user=request.user, session=session)
    return render(
        request,
        "attendance/summary.html",
        {"session": session, "rows": rows, "totals": selectors.summary_totals(rows), "statuses": Status},
    )


@login_required
def export(request, pk: int):
    require_school_or_county(request.user)
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


@login_required
def checkin_screen(request, pk: int):
    require_county_level(request.user)
    session = selectors.session_get(user=request.user, pk=pk)
    sheet = selectors.sheet_get(session=session)
    context = {"session": session, "sheet": sheet, "window": services.session_window(session)}
    if sheet is not None and sheet.qr_token:
        url = request.build_absolute_uri(reverse("attendance_checkin", args=[services.qr_code_for(sheet)]))
        context.update(checkin_url=url, qr_data_uri=qr.data_uri(url))
    return render(request, "attendance/checkin_screen.html", context)


@login_required
@require_POST
def checkin_open(request, pk: int):
    require_county_level(request.user)
    session = selectors.session_get(user=request.user, pk=pk)
    services.qr_open(session=session, actor=request.user, rotate=request.POST.get("rotate") == "1")
    return redirect("attendance_checkin_screen", pk=session.pk)


def checkin(request, code: str):
    """The trainee's phone page: no login, identity by name and the ID number's last six."""
    session = selectors.checkin_session(code=code)
    if session is None:
        raise Http404
    start, end = services.session_window(session)
    is_open = start <= timezone.now() <= end
    form = CheckInForm(request.POST or None)
    done, error = False, ""
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_qr_check_in(
                session=session,
                name=form.cleaned_data["name"],
                id_tail=form.cleaned_data["id_tail"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            done = True
    return render(
        request,
        "attendance/checkin.html",
        {"session": session, "form": form, "done": done, "error": error, "is_open": is_open},
    )
