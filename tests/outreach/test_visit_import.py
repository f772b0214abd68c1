"""送教 records from Excel: all or nothing, every problem named by row and column, re-import updates."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.importing import run_import
from outreach import importers, services
from outreach.importers import OutreachVisitImporter
from outreach.models import Cycle, Visit, VisitActivity, VisitDay
from programs.models import Session, SubProject
from tests.factories.programs import ProgramFactory, SessionFactory, SubProjectFactory
from tests.factories.registry import TeacherFactory
from tests.xlsx import make_xlsx

HEADER = ["年度", "项目名称", "子项目名称", "学科", "学段", "阶段", "送教次序", "日期", "送教学校", "活动类型",
          "活动主题", "主讲人身份证号", "学时"]  # fmt: skip


@pytest.fixture
def setup(world):
    program = ProgramFactory(county=world.county_x, year=2026, name="2026年送教下乡")
    sub = SubProjectFactory(
        program=program,
        name="小学数学送教",
        kind=SubProject.Kind.OUTREACH,
        modality=SubProject.Modality.OUTREACH,
        start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 12, 31),
    )
    expert = TeacherFactory(name="周老师", school=world.school_b)
    pool = services.pool_member_create(county=world.county_x, name="", teacher=expert)
    outsider = services.pool_member_create(
        county=world.county_x, name="高校专家", member_type="university", id_number="110101197503151230"
    )
    return sub, pool, outsider


def row(sub, *, phase="诊断示范", number=1, date="2026-04-16", school="甲县一小", kind="示范课", title="示范课一",
        presenter=None, hours=2, subject="数学", stage="小学", program=None, subproject=None):  # fmt: skip
    return [sub.program.year, program or sub.program.name, subproject or sub.name, subject, stage, phase, number,
            date, school, kind, title, presenter, hours]  # fmt: skip


def _run(rows, **options):
    return run_import(OutreachVisitImporter(**options), io.BytesIO(make_xlsx([HEADER, *rows])))


def _good_rows(sub, pool):
    expert = pool.teacher.id_number
    return [
        row(sub, date="2026-04-16", title="《分数》示范课", presenter=expert),
        row(sub, date="2026-04-16", kind="专题讲座", title="课堂诊断", presenter=expert, hours=3),
        row(sub, date="2026-04-17", kind="研讨", title="分组研讨", presenter=None),
        row(sub, phase="研课磨课", number=2, date="2026-06-11", kind="同课异构", title="周长", presenter=expert),
    ]


def test_a_good_file_creates_the_cycle_its_visits_days_and_activities(world, setup):
    sub, pool, _outsider = setup
    result = _run(_good_rows(sub, pool))
    assert result.ok and result.written and (result.created, result.updated) == (4, 0)
    cycle = Cycle.objects.get(subproject=sub)
    assert (cycle.subject, cycle.stage) == ("数学", "小学")
    first, second = cycle.visits.order_by("number")
    assert [d.session.date for d in first.days.order_by("session__date")] == [
        dt.date(2026, 4, 16),
        dt.date(2026, 4, 17),
    ]
    assert first.phase.name == "诊断示范" and second.phase.name == "研课磨课"
    day_one = first.days.get(session__date=dt.date(2026, 4, 16))
    assert day_one.session.hours == 5 and day_one.session.host_school == world.school_a
    assert day_one.activities.count() == 2
    assert cycle.team.get().member == pool  # the presenter joined the team from the pool
    seminar = VisitActivity.objects.get(kind="seminar")
    assert seminar.presenter is None


def test_re_importing_updates_and_never_duplicates(world, setup):
    sub, pool, _outsider = setup
    _run(_good_rows(sub, pool))
    rows = _good_rows(sub, pool)
    rows[0][-1] = 4  # hours of the first activity change
    rows.append(row(sub, date="2026-04-17", kind="评课", title="评课议课", presenter=pool.teacher.id_number))
    result = _run(rows)
    assert result.ok and (result.created, result.updated) == (1, 4)
    assert (Visit.objects.count(), VisitDay.objects.count(), VisitActivity.objects.count()) == (2, 3, 5)
    assert VisitActivity.objects.get(title="《分数》示范课").hours == 4


def test_a_non_registry_expert_is_found_by_the_pool_id_number(world, setup):
    sub, _pool, outsider = setup
    result = _run([row(sub, kind="专题讲座", title="讲座", presenter=outsider.id_number)])
    assert result.ok
    assert VisitActivity.objects.get().presenter.member == outsider


def _errors(result):
    return [(e.row, e.column, e.message) for e in result.errors]


def _nothing_written():
    return not Cycle.objects.exists() and not Visit.objects.exists() and not VisitActivity.objects.exists()


def test_an_unknown_phase_is_named_and_nothing_is_written(world, setup):
    sub, pool, _ = setup
    result = _run([*_good_rows(sub, pool), row(sub, phase="总结", title="x", presenter=pool.teacher.id_number)])
    assert _errors(result) == [
        (6, "阶段", "阶段“总结”不是本周期的阶段，可选：诊断示范、研课磨课、成果展示、总结提升"),
    ]
    assert _nothing_written()


def test_a_presenter_outside_the_pool_is_named(world, setup):
    sub, pool, _ = setup
    stranger = TeacherFactory(school=world.school_a)
    result = _run([*_good_rows(sub, pool), row(sub, title="x", presenter=stranger.id_number)])
    assert _errors(result) == [(6, "主讲人身份证号", importers.ERR_PRESENTER_NOT_IN_POOL)]
    assert _nothing_written()


def test_a_presenter_is_required_except_for_a_seminar(world, setup):
    sub, pool, _ = setup
    result = _run([row(sub, kind="说课", title="说课", presenter=None)])
    assert _errors(result) == [(2, "主讲人身份证号", importers.ERR_PRESENTER_REQUIRED)]


def test_a_date_outside_the_sub_project_is_named(world, setup):
    sub, pool, _ = setup
    result = _run([*_good_rows(sub, pool), row(sub, date="2027-01-05", title="x", presenter=pool.teacher.id_number)])
    assert _errors(result) == [(6, "日期", "日期不在子项目起止日期（2026-03-01 至 2026-12-31）内")]
    assert _nothing_written()


def test_a_sub_project_that_is_not_outreach_is_named(world, setup):
    sub, pool, _ = setup
    other = SubProjectFactory(program=sub.program, name="暑期集中培训", kind=SubProject.Kind.SHORT_CENTRALIZED)
    result = _run([*_good_rows(sub, pool), row(sub, subproject=other.name, presenter=pool.teacher.id_number)])
    assert _errors(result) == [(6, "子项目名称", "子项目“暑期集中培训”的类型是“短期集中培训”，不是送教下乡")]
    assert _nothing_written()


def test_duplicate_rows_are_named(world, setup):
    sub, pool, _ = setup
    rows = _good_rows(sub, pool)
    result = _run([*rows, rows[1]])
    assert _errors(result) == [(6, "活动主题", "与第 3 行重复")]
    assert _nothing_written()


def test_rows_that_disagree_with_each_other_are_named(world, setup):
    sub, pool, _ = setup
    expert = pool.teacher.id_number
    result = _run(
        [
            row(sub, date="2026-04-16", presenter=expert),
            row(sub, date="2026-04-16", school="甲县二小", kind="评课", title="评课", presenter=expert),
            row(sub, phase="研课磨课", date="2026-04-17", kind="评课", title="再评", presenter=expert),
            row(sub, number=2, date="2026-04-16", kind="说课", title="说课", presenter=expert),
            row(sub, number=3, date="2026-03-20", phase="成果展示", kind="说课", title="早", presenter=expert),
            row(sub, number=4, date="2026-05-01", subject="语文", kind="说课", title="语", presenter=expert),
        ]
    )
    found = {(r, c) for r, c, _m in _errors(result)}
    assert (3, "送教学校") in found  # two schools on one day
    assert (4, "阶段") in found  # visit 1 given two phases
    assert (5, "送教次序") in found  # one date in two visits
    assert (6, "日期") in found  # 成果展示 dated before 诊断示范
    assert (7, "学科") in found
    assert _nothing_written()


def test_a_date_taken_by_another_session_of_the_sub_project_is_named(world, setup):
    sub, pool, _ = setup
    SessionFactory(subproject=sub, date=dt.date(2026, 4, 16))
    result = _run([row(sub, presenter=pool.teacher.id_number)])
    assert _errors(result) == [(2, "日期", importers.ERR_DATE_TAKEN)]


def test_field_limits_are_checked_in_the_row_rules(world, setup):
    sub, pool, _ = setup
    expert = pool.teacher.id_number
    result = _run(
        [
            row(sub, title="题" * 129, presenter=expert),
            row(sub, hours=1e9, title="a", presenter=expert),
            row(sub, hours="NaN", title="b", presenter=expert),
            row(sub, number=0, title="c", presenter=expert),
            row(sub, subject="学" * 33, title="d", presenter=expert),
            row(sub, school="不存在的学校", title="e", presenter=expert),
            row(sub, kind="上课", title="f", presenter=expert),
        ]
    )
    assert [(r, c) for r, c, _m in _errors(result)] == [
        (2, "活动主题"), (3, "学时"), (4, "学时"), (5, "送教次序"), (6, "学科"), (7, "送教学校"), (8, "活动类型")
    ]  # fmt: skip
    assert _nothing_written()


def test_the_command_imports_and_prints_row_errors(world, setup, tmp_path, capsys):
    sub, pool, _ = setup
    good = tmp_path / "good.xlsx"
    make_xlsx([HEADER, *_good_rows(sub, pool)], path=good)
    call_command("import_outreach_visits", str(good), "--county", "甲县")
    assert Visit.objects.count() == 2
    bad = tmp_path / "bad.xlsx"
    make_xlsx([HEADER, row(sub, phase="总结", presenter=pool.teacher.id_number)], path=bad)
    with pytest.raises(CommandError):
        call_command("import_outreach_visits", str(bad))
    assert "第 2 行 [阶段]" in capsys.readouterr().err


def test_another_county_does_not_find_the_program(world, setup):
    sub, pool, _ = setup
    importer = OutreachVisitImporter.for_user(world.staff_y)
    result = run_import(importer, io.BytesIO(make_xlsx([HEADER, row(sub, presenter=pool.teacher.id_number)])))
    assert _errors(result) == [(2, "项目名称", "找不到 2026 年度的项目“2026年送教下乡”")]


def test_staff_upload_preview_and_confirm_in_the_browser(world, setup, client_for):
    sub, pool, _ = setup
    data = make_xlsx([HEADER, *_good_rows(sub, pool)])
    client = client_for(world.staff_x)
    assert client_for(world.coord_a).get(reverse("import_upload", args=["outreach_visits"])).status_code == 403
    client = client_for(world.staff_x)
    response = client.post(
        reverse("import_upload", args=["outreach_visits"]), {"file": SimpleUploadedFile("送教.xlsx", data)}
    )
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert "《分数》示范课" in preview.content.decode() and not Visit.objects.exists()
    done = client.post(response["Location"] + "confirm/")
    assert done.status_code == 200 and Visit.objects.count() == 2
    assert Session.objects.filter(subproject=sub).count() == 3
