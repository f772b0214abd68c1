"""The score-entry grid, the score import and the 优秀学员 export."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from assessment.importers import ERR_NAME_MISMATCH, ERR_TRAINEE_UNKNOWN, ScoreImporter
from assessment.models import Grade, ManualScore, Result
from assessment.scoring import ComponentSpec, scheme_compute, scheme_publish
from core.importing import run_import
from tests.factories import EnrolmentFactory, ProgramFactory, SubProjectFactory
from tests.factories.assessment import MANUAL, make_scheme
from tests.xlsx import make_xlsx, read_xlsx


@pytest.fixture
def setup(world):
    program = ProgramFactory(county=world.county_x, year=2026, name="县级骨干培训")
    sub = SubProjectFactory(program=program, name="小学数学")
    scheme = make_scheme(
        sub, components=[ComponentSpec("作业", 50, MANUAL), ComponentSpec("展示", 50, MANUAL)], threshold=90
    )
    ea = EnrolmentFactory(subproject=sub, teacher=world.teacher_a)
    eb = EnrolmentFactory(subproject=sub, teacher=world.teacher_b)
    scheme_compute(scheme=scheme)
    return scheme, ea, eb


def _post(client, scheme, enrolment, version, **scores):
    data = {f"v-{enrolment.pk}": version}
    for label, value in scores.items():
        data[f"s-{enrolment.pk}-{scheme.components.get(label=label).pk}"] = value
    return client.post(reverse("score_grid", args=[scheme.pk]), data)


def test_grid_saves_scores_and_shows_grades(client_for, world, setup):
    scheme, ea, _eb = setup
    client = client_for(world.staff_x)
    assert _post(client, scheme, ea, 0, 作业=90, 展示=96).status_code == 302
    result = Result.objects.get(enrolment=ea)
    assert (result.final_score, result.grade, result.version) == (Decimal("93.0"), Grade.EXCELLENT, 1)
    page = client.get(reverse("score_grid", args=[scheme.pk])).content.decode()
    assert "93.0" in page and "优秀" in page


def test_grid_stale_save_does_not_overwrite(client_for, world, setup):
    scheme, ea, _eb = setup
    client = client_for(world.staff_x)
    _post(client, scheme, ea, 0, 作业=80, 展示=80)
    response = _post(client_for(world.admin_x), scheme, ea, 0, 作业=10, 展示=10)  # a form shown before
    assert response.status_code == 302
    assert Result.objects.get(enrolment=ea).final_score == Decimal("80.0")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("已被他人修改" in m for m in messages)


def test_grid_unchanged_stale_row_is_not_a_conflict(client_for, world, setup):
    scheme, ea, eb = setup
    _post(client_for(world.staff_x), scheme, ea, 0, 作业=80, 展示=80)
    # The other user's form still shows A's row at version 0 with the values just saved: not a conflict.
    response = _post(client_for(world.admin_x), scheme, ea, 0, 作业=80, 展示=80)
    assert not any("已被他人修改" in str(m) for m in response.wsgi_request._messages)


def test_grid_refuses_changes_after_publication(client_for, world, setup):
    scheme, ea, _eb = setup
    scheme_publish(scheme=scheme, actor=world.staff_x)
    assert _post(client_for(world.staff_x), scheme, ea, 0, 作业=50).status_code == 403
    assert not ManualScore.objects.exists()


def test_grid_of_other_county_is_404(client_for, world, setup):
    scheme, ea, _eb = setup
    assert _post(client_for(world.staff_y), scheme, ea, 0, 作业=50).status_code == 404


HEADER = ["年度", "项目名称", "子项目名称", "身份证号", "姓名", "作业", "展示"]


def _import(world, rows, user=None):
    importer = ScoreImporter.for_user(user or world.staff_x)
    from io import BytesIO

    return run_import(importer, BytesIO(make_xlsx([HEADER, *rows])))


def test_import_scores_writes_every_row(world, setup):
    _scheme, ea, eb = setup
    result = _import(
        world,
        [
            [2026, "县级骨干培训", "小学数学", world.teacher_a.id_number, "张三", 90, 92],
            [2026, "县级骨干培训", "小学数学", world.teacher_b.id_number, "李四", 50, 60],
        ],
    )
    assert result.ok and result.written and result.updated == 2
    assert Result.objects.get(enrolment=ea).grade == Grade.EXCELLENT
    assert Result.objects.get(enrolment=eb).grade == Grade.FAIL


def test_import_scores_rejects_the_whole_file_on_a_bad_row(world, setup):
    result = _import(
        world,
        [
            [2026, "县级骨干培训", "小学数学", world.teacher_a.id_number, "张三", 90, 92],
            [2026, "县级骨干培训", "小学数学", world.teacher_b.id_number, "王二", 50, 60],
            [2026, "县级骨干培训", "小学数学", world.teacher_c.id_number, "王五", 50, 160],
        ],
    )
    messages = [e.message for e in result.errors]
    assert ERR_NAME_MISMATCH.format(name="李四") in messages
    assert ERR_TRAINEE_UNKNOWN in messages
    assert not result.written and not ManualScore.objects.exists()


def test_import_scores_out_of_county_sees_no_scheme(world, setup):
    result = _import(
        world, [[2026, "县级骨干培训", "小学数学", world.teacher_a.id_number, "张三", 90, 92]], world.staff_y
    )
    assert not result.written


def test_import_scores_command(world, setup, tmp_path):
    path = tmp_path / "scores.xlsx"
    make_xlsx([HEADER, [2026, "县级骨干培训", "小学数学", world.teacher_a.id_number, "张三", 70, 80]], path=path)
    call_command("import_scores", str(path))
    assert ManualScore.objects.count() == 2
    bad = tmp_path / "bad.xlsx"
    make_xlsx([HEADER, [2026, "无此项目", "小学数学", world.teacher_a.id_number, "张三", 70, 80]], path=bad)
    with pytest.raises(CommandError):
        call_command("import_scores", str(bad))


def test_excellent_export_lists_only_excellent_trainees_masked(client_for, world, setup):
    scheme, ea, eb = setup
    client = client_for(world.staff_x)
    _post(client, scheme, ea, 0, 作业=95, 展示=95)
    _post(client, scheme, eb, 0, 作业=70, 展示=70)
    response = client.get(reverse("excellent_export", args=[scheme.pk]))
    rows = read_xlsx(response.content)
    assert rows[1] == ("序号", "姓名", "身份证号", "学校", "总评成绩")
    assert [r[1] for r in rows[2:]] == ["张三"]
    assert rows[2][2] == world.teacher_a.masked_id_number


def test_scheme_can_be_created_through_the_page_and_weights_are_checked(client_for, world):
    sub = SubProjectFactory(program=ProgramFactory(county=world.county_x))
    client = client_for(world.staff_x)
    url = reverse("subproject_scheme", args=[sub.pk])
    form = {
        "name": "方案",
        "pass_mark": "60",
        "c-TOTAL_FORMS": "2",
        "c-INITIAL_FORMS": "0",
        "c-0-label": "出勤",
        "c-0-weight": "30",
        "c-0-source": "attendance",
        "c-1-label": "作业",
        "c-1-weight": "60",
        "c-1-source": "manual",
    }
    response = client.post(url, form)
    assert response.status_code == 200 and "权重之和必须为 100" in response.content.decode()
    response = client.post(url, {**form, "c-1-weight": "70"})
    assert response.status_code == 302
    assert sub.assessment_scheme.components.count() == 2


def test_copy_template_and_publish_through_the_pages(client_for, world):
    from tests.factories.assessment import make_template

    template = make_template(world.county_x)
    sub = SubProjectFactory(program=ProgramFactory(county=world.county_x))
    client = client_for(world.staff_x)
    page = client.get(reverse("subproject_scheme", args=[sub.pk])).content.decode()
    assert "通用模板" in page
    response = client.post(reverse("subproject_scheme_copy", args=[sub.pk]), {"template": template.pk})
    scheme = sub.__class__.objects.get(pk=sub.pk).assessment_scheme
    assert response.url == reverse("scheme_detail", args=[scheme.pk])
    client.post(reverse("scheme_publish", args=[scheme.pk]))
    scheme.refresh_from_db()
    assert scheme.published_at is not None
    assert client.get(reverse("scheme_edit", args=[scheme.pk])).status_code == 403


def test_other_countys_template_cannot_be_copied(client_for, world):
    from tests.factories.assessment import make_template

    template = make_template(world.county_y)
    sub = SubProjectFactory(program=ProgramFactory(county=world.county_x))
    response = client_for(world.staff_x).post(
        reverse("subproject_scheme_copy", args=[sub.pk]), {"template": template.pk}
    )
    assert response.status_code == 404
    assert not hasattr(sub.__class__.objects.get(pk=sub.pk), "assessment_scheme")
