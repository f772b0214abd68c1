"""The command line: credit_requirement, tally_credits --out and export_national_training, and the
browser's national export (administrators only, audited)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from assessment.credits import requirement_save, tally_credits
from assessment.models import AuditEntry, CountyCreditCategory, CreditRequirement
from programs.models import CreditCategory, Enrolment, Level, SubProject
from tests.factories import EnrolmentFactory, ProgramFactory, SubProjectFactory
from tests.xlsx import read_xlsx

D = Decimal
COMPLETED = Enrolment.Status.COMPLETED


def test_credit_requirement_sets_total_minimums_and_rates(world, capsys):
    call_command(
        "credit_requirement",
        "--county", "甲县", "--year", "2026", "--unit", "学分", "--total", "48",
        "--min", "集中培训=16", "--min", "网络研修=8", "--min", "校本研修=24",
        "--hours-per-credit", "网络研修=20",
    )  # fmt: skip
    requirement = CreditRequirement.objects.get(county=world.county_x, year=2026)
    assert (requirement.unit, requirement.total_hours) == ("credits", 48)
    assert {m.category.name: m.minimum for m in requirement.minimums.all()} == {
        "集中培训": 16,
        "网络研修": 8,
        "校本研修": 24,
    }
    assert CountyCreditCategory.objects.get(county=world.county_x, name="网络研修").hours_per_credit == 20
    assert "已保存" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--county", "无此县"], "找不到县区"),
        (["--min", "集中培训"], "类别=数值"),
        (["--min", "无此类别=3"], "找不到学分类别"),
    ],
)
def test_credit_requirement_refuses_bad_input_clearly(world, args, message):
    base = {"--county": "甲县", "--year": "2026", "--unit": "学时", "--total": "72"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value if flag != "--min" else base.get(flag, value)
    argv = [x for pair in base.items() for x in pair]
    with pytest.raises(CommandError) as exc:
        call_command("credit_requirement", *argv)
    assert message in str(exc.value)
    assert not CreditRequirement.objects.exists()


def test_tally_credits_writes_the_tally_sheet_in_the_countys_unit(world, tmp_path):
    requirement_save(county=world.county_x, year=2026, unit="credits", total=D(3), actor=None)
    sub = SubProjectFactory(program=ProgramFactory(county=world.county_x, year=2026), hours=36)
    EnrolmentFactory(subproject=sub, teacher=world.teacher_a, status=COMPLETED)
    out = tmp_path / "tally.xlsx"
    call_command("tally_credits", "--year", "2026", "--county", "甲县", "--out", str(out))
    rows = read_xlsx(out.read_bytes())
    header = rows[1]
    assert header[:3] == ("身份证号", "姓名", "学校")
    assert header[3:7] == ("集中培训", "网络研修", "校本研修", "自主研修")
    assert header[7:11] == ("合计", "要求", "达标", "差额")
    by_name = {r[1]: r for r in rows[2:]}
    a, b = by_name["张三"], by_name["李四"]
    assert a[0] == world.teacher_a.id_number  # full: an administrator's command
    assert (a[3], a[7], a[8], a[9], a[10]) == (3.6, 3.6, 3, "是", 0)
    assert (b[7], b[9], b[10]) == (0, "否", 3)
    assert "王五" not in by_name  # another county


def _training(world, *, level=Level.COUNTY, modality=SubProject.Modality.CENTRALIZED, days=3, hours="12.5", **kw):
    start = dt.date(2026, 3, 1)
    program = ProgramFactory(county=world.county_x, year=2026, level=level, name=kw.pop("name", "县培"))
    return SubProjectFactory(
        program=program,
        name=kw.pop("sub", "骨干研修"),
        institution="县教师发展中心",
        modality=modality,
        start_date=start,
        end_date=start + dt.timedelta(days=days - 1),
        hours=D(hours),
        credit_category=kw.pop("category", CreditCategory.CENTRALIZED),
    )


def _national(world, tmp_path):
    out = tmp_path / "national.xlsx"
    call_command("export_national_training", "--year", "2026", "--county", "甲县", "--out", str(out))
    return read_xlsx(out.read_bytes())


def test_national_export_codes_integers_and_only_completed_trainings(world, tmp_path):
    EnrolmentFactory(subproject=_training(world, hours=D("12.5")), teacher=world.teacher_a, status=COMPLETED)
    EnrolmentFactory(
        subproject=_training(world, level=Level.NATIONAL, name="国培", sub="置换脱产", days=60, hours=D(240)),
        teacher=world.teacher_a,
        status=COMPLETED,
    )
    EnrolmentFactory(
        subproject=_training(
            world, level=Level.PROVINCIAL, name="省培", sub="网络研修", modality="online", category="online"
        ),
        teacher=world.teacher_a,
        status=COMPLETED,
    )
    EnrolmentFactory(
        subproject=_training(world, level=Level.SCHOOL, name="校本", sub="混合", modality="blended"),
        teacher=world.teacher_b,
        status=COMPLETED,
    )
    EnrolmentFactory(subproject=_training(world, name="未完成"), teacher=world.teacher_b, status="confirmed")
    tally_credits(year=2026, county=world.county_x)
    rows = _national(world, tmp_path)
    assert rows[0] == (
        "身份证件号", "姓名", "培训年度", "培训类别", "培训项目名称", "培训机构名称", "培训方式", "培训获得学时", "培训获得学分",
    )  # fmt: skip
    body = {r[4]: r for r in rows[1:]}
    assert set(body) == {"县培 骨干研修", "国培 置换脱产", "省培 网络研修", "校本 混合"}  # not the unfinished one
    assert body["县培 骨干研修"][3:] == (
        40,
        "县培 骨干研修",
        "县教师发展中心",
        2,
        13,
        1.25,
    )  # 12.5 学时 → 13 (an integer)
    assert body["国培 置换脱产"][3] == 10 and body["国培 置换脱产"][6] == 1  # over a month: 长期脱产
    assert body["省培 网络研修"][3] == 20 and body["省培 网络研修"][6] == 3
    assert body["校本 混合"][3] == 60 and body["校本 混合"][6] == 4
    assert all(isinstance(r[7], int) for r in rows[1:])
    assert body["县培 骨干研修"][0] == world.teacher_a.id_number
    assert AuditEntry.objects.filter(action="national_training_export").count() == 1


def test_national_export_in_the_browser_is_the_administrators_and_audited(client_for, world):
    EnrolmentFactory(subproject=_training(world), teacher=world.teacher_a, status=COMPLETED)
    tally_credits(year=2026, county=world.county_x)
    url = reverse("national_training_export") + "?year=2026"
    assert client_for(world.staff_x).get(url).status_code == 403
    response = client_for(world.admin_x).get(url)
    rows = read_xlsx(response.content)
    assert [r[1] for r in rows[1:]] == ["张三"] and rows[1][0] == world.teacher_a.id_number
    entry = AuditEntry.objects.get(action="national_training_export")
    assert (entry.actor, entry.detail["rows"], entry.detail["county"]) == (world.admin_x, 1, "甲县")


def test_national_export_of_another_county_is_not_the_administrators(client_for, world):
    from tests.factories import SchoolFactory, TeacherFactory

    other = TeacherFactory(school=SchoolFactory(county=world.county_y))
    sub = SubProjectFactory(program=ProgramFactory(county=world.county_y, year=2026), hours=10)
    EnrolmentFactory(subproject=sub, teacher=other, status=COMPLETED)
    response = client_for(world.admin_x).get(reverse("national_training_export") + "?year=2026")
    assert read_xlsx(response.content)[1:] == []
