"""County staff's per-school summary, the xlsx attendance sheet and the teacher's attendance record."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.services import RowInput, attendance_grid_save
from tests.factories.attendance import trainees
from tests.xlsx import read_xlsx


def _save(session, user, rows, version):
    return attendance_grid_save(session=session, user=user, rows=rows, version=version)


def test_summary_counts_each_status_by_school(client_for, world, roster):
    extra = trainees(roster.session, world.school_a, 3)
    _save(
        roster.session,
        world.staff_x,
        [
            RowInput(roster.enrol_a.pk, "present"),
            RowInput(extra[0].pk, "late"),
            RowInput(extra[1].pk, "leave", "病假"),
            RowInput(roster.enrol_b.pk, "absent"),
        ],
        0,
    )
    response = client_for(world.staff_x).get(reverse("attendance_summary", args=[roster.session.pk]))
    assert response.status_code == 200
    by_school = {row["school__name"]: row for row in response.context["rows"]}
    a, b = by_school["甲县一小"], by_school["甲县二小"]
    assert (a["enrolled"], a["present"], a["late"], a["leave"], a["absent"], a["unrecorded"]) == (4, 1, 1, 1, 0, 1)
    assert a["rate"] == Decimal("0.5000")
    assert (b["enrolled"], b["absent"], b["rate"]) == (1, 1, Decimal(0))
    assert response.context["totals"]["enrolled"] == 5


def test_summary_is_for_county_staff_only(client_for, world, roster):
    url = reverse("attendance_summary", args=[roster.session.pk])
    assert client_for(world.coord_a).get(url).status_code == 403
    assert client_for(world.staff_y).get(url).status_code == 404


def test_summary_queries_do_not_grow_with_schools(client_for, world, roster):
    client = client_for(world.staff_x)
    url = reverse("attendance_summary", args=[roster.session.pk])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    trainees(roster.session, world.school_b, 5)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)


def test_export_lists_the_coordinators_own_trainees_with_masked_ids(client_for, world, roster):
    _save(roster.session, world.coord_a, [RowInput(roster.enrol_a.pk, "leave", "=HYPERLINK(1)")], 0)
    response = client_for(world.coord_a).get(reverse("attendance_export", args=[roster.session.pk]))
    assert response.status_code == 200
    rows = read_xlsx(response.content)
    assert rows[1][:5] == ("学校", "姓名", "身份证号", "出勤状态", "备注")
    assert len(rows) == 3
    school, name, id_number, status, note = rows[2][:5]
    assert (school, name, status) == ("甲县一小", "张三", "请假")
    assert "*" in id_number
    assert note == "'=HYPERLINK(1)"


def test_export_for_county_staff_lists_every_school(client_for, world, roster):
    response = client_for(world.staff_x).get(reverse("attendance_export", args=[roster.session.pk]))
    names = {row[1] for row in read_xlsx(response.content)[2:]}
    assert names == {"张三", "李四"}
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_teacher_record_shows_attendance_and_every_change(client_for, world, roster):
    _save(roster.session, world.coord_a, [RowInput(roster.enrol_a.pk, "absent")], 0)
    _save(roster.session, world.staff_x, [RowInput(roster.enrol_a.pk, "leave", "病假")], 1)
    url = reverse("attendance_teacher", args=[world.teacher_a.pk])
    response = client_for(world.teacher_user_a).get(url)
    assert response.status_code == 200
    assert [r.status for r in response.context["records"]] == ["leave"]
    changes = list(response.context["changes"])
    assert [(c.old_status, c.new_status, c.changed_by) for c in changes] == [
        ("absent", "leave", world.staff_x),
        ("", "absent", world.coord_a),
    ]
    assert response.content.decode().count('class="attendance-change"') == 2


def test_teacher_record_is_scoped(client_for, world, roster):
    url = reverse("attendance_teacher", args=[world.teacher_a.pk])
    assert client_for(world.coord_a).get(url).status_code == 200
    assert client_for(world.coord_b).get(url).status_code == 404
    assert client_for(world.staff_y).get(url).status_code == 404
