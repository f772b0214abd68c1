from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .services import RowInput

ERR_BAD_ROW = "提交的数据格式不正确"


@dataclass
class GridInput:
    version: int
    reason: str
    rows: list[RowInput]


def parse_grid(data) -> GridInput:
    """Read the grid's POST: `status-<enrolment id>` and `note-<enrolment id>` per row.

    A row left without a status is not saved (a trainee nobody has recorded yet stays unrecorded).
    """
    try:
        version = int(data.get("version", "0"))
    except ValueError as exc:
        raise ValidationError(_(ERR_BAD_ROW)) from exc
    statuses: dict[str, str] = {}
    notes: dict[str, str] = {}
    for key, values in data.lists():  # one pass over the 600 fields of a 300-row grid
        kind, _dash, pk = key.partition("-")
        if kind == "status":
            statuses[pk] = values[-1].strip()
        elif kind == "note":
            notes[pk] = values[-1].strip()
    rows: list[RowInput] = []
    for pk, status in statuses.items():
        if not status:
            continue
        try:
            enrolment_id = int(pk)
        except ValueError as exc:
            raise ValidationError(_(ERR_BAD_ROW)) from exc
        rows.append(RowInput(enrolment_id=enrolment_id, status=status, note=notes.get(pk, "")))
    return GridInput(version=version, reason=data.get("reason", "").strip()[:200], rows=rows)


class CheckInForm(forms.Form):
    # The signed single-use ticket the page was given with a fresh code (see services).
    ticket = forms.CharField(widget=forms.HiddenInput, max_length=200)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=64)
    id_tail = forms.CharField(
        label=gettext_lazy("身份证号后六位"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "autocapitalize": "characters"}),
    )


class TypedCheckInForm(CheckInForm):
    """For halls where phones cannot scan: the six digits on the screen instead of the QR code."""

    ticket = None
    code = forms.CharField(
        label=gettext_lazy("签到码（屏幕上的 6 位数字）"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    field_order = ["code", "name", "id_tail"]
