"""Reading the grid's POST into rows."""

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from attendance.forms import ERR_BAD_ROW, parse_grid
from attendance.services import RowInput


def test_each_row_with_a_status_becomes_a_row_with_its_note():
    data = QueryDict("version=3&reason=+补录+&status-7=leave&note-7=+病假+&status-8=present&note-8=&status-9=&note-9=x")
    parsed = parse_grid(data)
    assert (parsed.version, parsed.reason) == (3, "补录")
    assert parsed.rows == [RowInput(7, "leave", "病假"), RowInput(8, "present", "")]


def test_a_status_without_a_note_field_gets_an_empty_note():
    assert parse_grid(QueryDict("version=0&status-5=absent")).rows == [RowInput(5, "absent", "")]


@pytest.mark.parametrize("body", ["version=x&status-1=present", "version=0&status-abc=present"])
def test_a_malformed_body_is_refused(body):
    with pytest.raises(ValidationError) as exc:
        parse_grid(QueryDict(body))
    assert exc.value.messages == [ERR_BAD_ROW]
