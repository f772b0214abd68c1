"""The grid page itself: a radio group per trainee, the 全部出勤 shortcut from a static file,
no inline script, escaped names."""

import re

from django.urls import reverse

from attendance.services import RowInput, attendance_grid_save
from tests.factories.attendance import enrol, session_for
from tests.factories.registry import TeacherFactory


def test_each_trainee_gets_one_radio_group_and_a_note_field(client_for, world, roster):
    attendance_grid_save(
        session=roster.session, user=world.coord_a, rows=[RowInput(roster.enrol_a.pk, "leave", "病假")], version=0
    )
    html = client_for(world.coord_a).get(reverse("attendance_grid", args=[roster.session.pk])).content.decode()
    radios = re.findall(rf'name="status-{roster.enrol_a.pk}"[^>]*>', html)
    assert len(radios) == 5
    assert [r for r in radios if "checked" in r] == [
        f'name="status-{roster.enrol_a.pk}" id="s{roster.enrol_a.pk}-leave" value="leave" checked>'
    ]
    assert f'name="note-{roster.enrol_a.pk}" value="病假"' in html
    assert 'name="version" value="1"' in html


def test_the_all_present_shortcut_comes_from_a_static_file_not_an_inline_script(client_for, world, roster):
    html = client_for(world.coord_a).get(reverse("attendance_grid", args=[roster.session.pk])).content.decode()
    assert "js-all-present" in html
    assert "attendance/grid.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_names_are_escaped(client_for, world):
    session = session_for(world.county_x)
    enrol(session, TeacherFactory(name="<b>坏</b>", school=world.school_a))
    html = client_for(world.coord_a).get(reverse("attendance_grid", args=[session.pk])).content.decode()
    assert "<b>坏</b>" not in html
    assert "&lt;b&gt;坏&lt;/b&gt;" in html
