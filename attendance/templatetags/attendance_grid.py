"""The grid's table body, built in Python: 300 trainees × 5 radio buttons rendered node by node by
the template engine cost several times more than the query behind them (see bench/)."""

from html import escape  # the stdlib function Django's escape() wraps, without its lazy-string overhead

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from attendance.models import AttendanceRecord

register = template.Library()


@register.simple_tag
def grid_body(rows: list[dict], choices: list[tuple[str, str]], read_only: bool) -> SafeString:
    disabled = " disabled" if read_only else ""
    note_label = escape(_("备注"))
    current = escape(_("当前"))
    scanned = escape(_("扫码签到"))
    differs = escape(_("与考勤表不一致，请确认"))
    leave_hint = escape(_("请假须填写事由"))
    sources = {value: escape(str(label)) for value, label in AttendanceRecord.Source.choices}
    choices = [(escape(str(value)), escape(str(label))) for value, label in choices]
    # One reversed URL with the teacher's id swapped in per row, instead of 300 reverse() calls.
    teacher_url = reverse("attendance_teacher", args=[0])[:-2]
    tz = timezone.get_current_timezone()
    # The five radio buttons, rendered once per checked value with "\0" standing for the enrolment
    # id; each row then costs one str.replace instead of five formatted inputs.
    groups = {
        checked: "".join(
            f'<input type="radio" class="btn-check" name="status-\0" id="s\0-{value}" value="{value}"'
            f"{' checked' if value == checked else ''}{disabled}>"
            f'<label class="btn btn-outline-secondary" for="s\0-{value}">{label}</label>'
            for value, label in choices
        )
        for checked in ["", *(value for value, _label in choices)]
    }
    out: list[str] = []
    for item in rows:
        row = item["row"]
        pk, name = row.enrolment_id, escape(row.name)
        out.append('<tr class="table-warning">' if item["conflict"] else "<tr>")
        out.append(f'<th scope="row" class="fw-normal"><a href="{teacher_url}{row.teacher_id}/">{name}</a>')
        out.append(f'<div class="small text-muted">{escape(row.school_name)}')
        if row.status:
            t = row.updated_at.astimezone(tz)
            when = f"{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"  # strftime is slow × 300
            out.append(f" · {escape(row.updated_by) or sources.get(row.source, '')} {when}")
        out.append("</div>")
        if row.scanned_at is not None:
            t = row.scanned_at.astimezone(tz)
            odd = row.status not in ("", "present")
            out.append(
                f'<div class="small {"text-danger" if odd else "text-success"} grid-scan">{scanned} '
                f"{t.hour:02d}:{t.minute:02d}{'（' + differs + '）' if odd else ''}</div>"
            )
        for change in item["conflict"]:
            who = escape(str(change.changed_by)) if change.changed_by else sources.get(change.source, "")
            out.append(
                f'<div class="small text-danger">{current}：{escape(change.get_new_status_display())} '
                f"{escape(change.new_note)}（{who}）</div>"
            )
        # One line of buttons per trainee, on a phone too (see .grid-statuses in app.css).
        out.append(f'</th><td><div class="btn-group btn-group-sm grid-statuses" role="radiogroup" aria-label="{name}">')
        out.append(groups.get(item["status"], groups[""]).replace("\0", str(pk)))
        error = item.get("error", "")
        invalid = " is-invalid" if error else ""
        out.append(
            f'</div></td><td><input type="text" class="form-control form-control-sm grid-note{invalid}" name="note-{pk}" '
            f'value="{escape(item["note"])}" maxlength="200" aria-label="{name} {note_label}" '
            f'placeholder="{leave_hint if item["status"] == "leave" else note_label}" data-leave-hint="{leave_hint}" data-note-hint="{note_label}"{disabled}>'
        )
        if error:
            out.append(f'<div class="invalid-feedback">{escape(error)}</div>')
        out.append("</td></tr>")
    return mark_safe("".join(out))  # every interpolated value above is escaped or generated here
