import io

import pytest
from django.core.management import CommandError, call_command

from core.importing import run_import
from tests.xlsx import make_xlsx
from trainees.importers import ERR_OUT_OF_SCOPE_COUNTY, SchoolImporter
from trainees.models import Region, School

HEADER = ["省", "市", "县区", "乡镇", "学校代码", "学校名称", "类型", "城乡"]


def run(rows, **options):
    return run_import(SchoolImporter(**options), io.BytesIO(make_xlsx(rows)))


def test_schools_and_their_regions_are_created(db):
    result = run(
        [
            HEADER,
            ["示范省", "示范市", "青山县", "东岭镇", "Q1", "东岭中心校", "乡镇中心校", "乡村"],
            ["示范省", "示范市", "青山县", "", "Q2", "青山一中", "中学", "城区"],
        ]
    )
    assert result.errors == [] and result.created == 2
    school = School.objects.get(code="Q1")
    assert (school.county.name, school.township.name, school.kind, school.area) == (
        "青山县",
        "东岭镇",
        "central",
        "rural",
    )
    assert school.county.parent.parent.level == Region.Level.PROVINCE
    assert School.objects.get(code="Q2").township is None


def test_reimport_updates_by_code(db):
    run([HEADER, ["示范省", "示范市", "青山县", "东岭镇", "Q1", "东岭中心校", "乡镇中心校", "乡村"]])
    result = run([HEADER, ["示范省", "示范市", "青山县", "东岭镇", "Q1", "东岭镇中心学校", "乡镇中心校", "乡村"]])
    assert (result.created, result.updated) == (0, 1)
    assert School.objects.get().name == "东岭镇中心学校"
    assert Region.objects.filter(level="township").count() == 1


def test_an_unknown_kind_is_reported_with_the_choices(db):
    result = run([HEADER, ["示范省", "示范市", "青山县", "", "Q1", "某校", "大学", "乡村"]])
    assert result.errors[0].column == "类型"
    assert "村小" in result.errors[0].message
    assert School.objects.count() == 0


def test_a_county_scoped_import_refuses_another_county(world):
    result = run([HEADER, ["测试省", "测试市", "乙县", "", "Q9", "某校", "村小", "乡村"]], county=world.county_x)
    assert [e.message for e in result.errors] == [ERR_OUT_OF_SCOPE_COUNTY]


def test_the_command_reports_bad_rows_and_exits_non_zero(db, tmp_path, capsys):
    path = tmp_path / "s.xlsx"
    make_xlsx([HEADER, ["示范省", "示范市", "青山县", "", "", "某校", "村小", "乡村"]], path=path)
    with pytest.raises(CommandError):
        call_command("import_schools", str(path))
    assert "第 2 行 [学校代码]：不能为空" in capsys.readouterr().err
