"""Every column of every row is checked in one pass, against its parser and its model field's limits,
so the preview names every problem and a confirmation never fails on what the preview accepted."""

import io

import pytest
from django.core.management import CommandError, call_command

from core.importing import (
    ERR_DECIMAL_DIGITS,
    ERR_HALF_WIDTH,
    ERR_ID_AS_NUMBER,
    ERR_NOT_FINITE,
    ERR_OUT_OF_RANGE,
    ERR_PHONE,
    ERR_REQUIRED,
    ERR_TOO_LONG,
    run_import,
)
from programs.importers import ProgramImporter
from programs.models import SubProject
from tests.factories import CategoryFactory, SchoolFactory, make_id_number
from tests.programs.test_import_programs import HEADER as PROGRAM_HEADER
from tests.programs.test_import_programs import row as program_row
from tests.xlsx import make_ods, make_xlsx
from trainees.idcard import ERR_CHECKSUM
from trainees.idcard import ERR_HALF_WIDTH as ERR_ID_HALF_WIDTH
from trainees.importers import ERR_SCHOOL_UNKNOWN, TeacherImporter
from trainees.models import Teacher

TEACHER_HEADER = ["姓名", "身份证号", "性别", "手机号", "学校", "学段", "入职年份"]


@pytest.fixture
def school(db):
    return SchoolFactory(code="X001", name="东岭中心校")


def teachers(rows, data=None):
    return run_import(TeacherImporter(), io.BytesIO(data or make_xlsx([TEACHER_HEADER, *rows])))


def test_five_problems_in_one_row_get_five_messages_with_their_values(school):
    good = make_id_number()
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    result = teachers(
        [["张三", bad_check, "未知", "1380000", "西山小学", "大学", 2010], ["李四", good, "男", "", "X001", "", ""]]
    )
    assert sorted((e.row, e.column, e.message, e.value) for e in result.errors) == sorted(
        [
            (2, "学段", "学段“大学”无效，可选：幼儿园、小学、初中、高中、中职、特教", "大学"),
            (2, "学校", ERR_SCHOOL_UNKNOWN.format(value="西山小学"), "西山小学"),
            (2, "性别", "性别应为“男”或“女”", "未知"),
            (2, "手机号", ERR_PHONE, "1380000"),
            (2, "身份证号", ERR_CHECKSUM, bad_check),
        ]
    )
    assert Teacher.objects.count() == 0


def test_an_id_that_a_spreadsheet_turned_into_a_number_gets_its_own_message(school):
    result = teachers([["张三", 3.699011987070724e17, "", "", "X001", "", ""]])
    assert [(e.column, e.message, e.value) for e in result.errors] == [
        ("身份证号", ERR_ID_AS_NUMBER, "3.699011987070724e+17")
    ]


@pytest.mark.parametrize("digits", ["３２０１０２１９８５０６１５００１２", "³²⁰¹⁰²¹⁹⁸⁵⁰⁶¹⁵⁰⁰¹²"])
def test_full_width_or_superscript_digits_in_an_id_are_refused(school, digits):
    result = teachers([["张三", digits, "", "", "X001", "", ""]])
    assert [e.message for e in result.errors] == [ERR_ID_HALF_WIDTH]


@pytest.mark.parametrize(
    ("phone", "ok"),
    [("13907310001", True), (13907310001, True), ("0731-84123456", True), ("073184123456", True),
     ("1234567", False), ("23907310001", False), ("１３９０７３１０００１", False), ("84123456", False)],
)  # fmt: skip
def test_phone_numbers_are_mobile_or_landline_with_area_code(school, phone, ok):
    result = teachers([["张三", make_id_number(), "", phone, "X001", "", ""]])
    assert result.ok is ok
    if not ok:
        assert [e.message for e in result.errors] == [ERR_PHONE]


def test_a_name_longer_than_the_field_is_named_in_the_preview(school):
    result = teachers([["张" * 65, make_id_number(), "", "", "X001", "", ""]])
    assert [e.message for e in result.errors] == [ERR_TOO_LONG.format(limit=64, length=65)]


def test_an_entry_year_beyond_the_column_is_an_error_not_a_crash(school):
    result = teachers([["张三", make_id_number(), "", "", "X001", "", 99999999999]])
    assert [e.message for e in result.errors] == [ERR_OUT_OF_RANGE.format(low=0, high=32767)]


@pytest.fixture
def category(world):
    return CategoryFactory(name="示范性项目")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("学时", 1e9, ERR_DECIMAL_DIGITS.format(digits=5)),
        ("学时", "Infinity", ERR_NOT_FINITE),
        ("学时", "NaN", ERR_NOT_FINITE),
        ("学时", "１２", ERR_HALF_WIDTH),
        ("名额", 99999999999, ERR_OUT_OF_RANGE.format(low=0, high=2147483647)),
        ("名额", "²", ERR_HALF_WIDTH),
        ("子项目名称", "班" * 129, ERR_TOO_LONG.format(limit=128, length=129)),
    ],
)
def test_program_numbers_and_texts_beyond_their_columns_are_row_errors(category, column, value, message):
    values = dict(zip(PROGRAM_HEADER, program_row(), strict=True)) | {column: value}
    data = make_xlsx([PROGRAM_HEADER, [values[h] for h in PROGRAM_HEADER]])
    result = run_import(ProgramImporter(), io.BytesIO(data))
    assert [(e.column, e.message) for e in result.errors] == [(column, message)]
    assert SubProject.objects.count() == 0


def test_an_ods_infinity_cell_is_a_row_error(category):
    values = dict(zip(PROGRAM_HEADER, program_row(), strict=True)) | {"学时": float("inf")}
    data = make_ods([PROGRAM_HEADER, [values[h] for h in PROGRAM_HEADER]])
    result = run_import(ProgramImporter(), io.BytesIO(data), name="p.ods")
    assert [(e.column, e.message) for e in result.errors] == [("学时", ERR_NOT_FINITE)]


def test_the_command_prints_row_errors_for_hostile_values_and_no_traceback(category, tmp_path, capsys):
    values = dict(zip(PROGRAM_HEADER, program_row(), strict=True)) | {"学时": "NaN", "名额": 99999999999}
    path = tmp_path / "p.xlsx"
    make_xlsx([PROGRAM_HEADER, [values[h] for h in PROGRAM_HEADER]], path=path)
    with pytest.raises(CommandError):
        call_command("import_programs", str(path))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines() == [
        f"第 2 行 [名额]：{ERR_OUT_OF_RANGE.format(low=0, high=2147483647)}（填写的是“99999999999”）",
        f"第 2 行 [学时]：{ERR_NOT_FINITE}（填写的是“NaN”）",
    ]


@pytest.mark.parametrize("partial", [False, True], ids=["whole-rows", "partial-rows"])
def test_clean_columns_sees_failed_rows_only_when_the_importer_asks_for_partial_rows(partial):
    from core.importing import Column, Importer, Table, parse_int

    seen = []

    class Probe(Importer):
        kind = "probe"
        columns = (Column("数", "n", required=True, parse=parse_int), Column("名", "name"))
        clean_partial_rows = partial

        def clean_columns(self, columns, rows, errors):
            seen.append((rows, columns["n"], columns["name"]))
            return list(rows)

        def write(self, cleaned):
            return len(cleaned), 0

    table = Table(sheet="", sheets=[], first_row=1, rows=[["数", "名"], [1, "a"], ["x", "b"], [3, "c"]])
    result = run_import(Probe(), None, table=table, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(3, "数")]
    if partial:
        assert seen == [([2, 3, 4], [1, None, 3], ["a", "b", "c"])]
    else:
        assert seen == [([2, 4], [1, 3], ["a", "c"])]
    assert result.created == 2  # the failed row is never among the cleaned ones


def test_a_value_repeated_within_each_block_is_parsed_once():
    """A list sorted by sub-project repeats each name a few hundred times, rarely across blocks: the
    column stays remembered and each distinct name is checked once (not once a cell)."""
    from core.importing import Column, Importer, Table, parse_text

    calls = []

    def parse(value):
        calls.append(value)
        return parse_text(value)

    class Probe(Importer):
        kind = "probe"
        columns = (Column("子项目", "sub", required=True, parse=parse),)

        def clean_row(self, values, row, errors):
            return values["sub"]

        def write(self, cleaned):
            return len(cleaned), 0

    rows = [["子项目"], *([f"班{i // 200:03d}"] for i in range(10_000))]
    result = run_import(Probe(), None, table=Table(sheet="", sheets=[], first_row=1, rows=rows), dry_run=True)
    assert result.errors == [] and result.created == 10_000
    assert sorted(calls) == [f"班{n:03d}" for n in range(50)]


@pytest.mark.django_db
@pytest.mark.parametrize("fails", [False, True], ids=["written", "write-fails"])
def test_the_cycle_collector_rests_during_an_import_and_resumes_after_it(fails):
    """Checking and writing run with Python's cycle collector paused (they make no cycles); it is on
    again afterwards, whether the import wrote, failed inside, or was already paused by the caller."""
    import gc

    from core.importing import Column, Importer, Table, parse_text

    during = []

    class Probe(Importer):
        kind = "probe"
        columns = (Column("名", "name", required=True, parse=parse_text),)

        def clean_row(self, values, row, errors):
            during.append(gc.isenabled())
            return values["name"]

        def write(self, cleaned):
            during.append(gc.isenabled())
            if fails:
                raise RuntimeError("boom")
            return len(cleaned), 0

    table = Table(sheet="", sheets=[], first_row=1, rows=[["名"], ["甲"]])
    assert gc.isenabled()
    if fails:
        with pytest.raises(RuntimeError):
            run_import(Probe(), None, table=table)
    else:
        assert run_import(Probe(), None, table=table).created == 1
    assert during == [False, False]
    assert gc.isenabled()
    gc.disable()
    try:
        run_import(Probe(), None, table=table, dry_run=True)
        assert not gc.isenabled()  # a caller's own pause is left as it was
    finally:
        gc.enable()


def test_a_column_no_longer_remembered_still_names_each_bad_cell():
    """Past MEMO_TRIAL cells a column of distinct values is checked cell by cell: a blank required cell,
    one its parser refuses and one too long for its field are each reported on their own row."""
    from core.importing import MEMO_TRIAL, Column, Importer, Table, parse_int
    from trainees.models import Teacher

    class Probe(Importer):
        kind = "probe"
        columns = (
            Column("数", "n", required=True, parse=parse_int),
            Column("姓名", "name", field=Teacher.name),
        )

        def clean_row(self, values, row, errors):
            return values

        def write(self, cleaned):
            return len(cleaned), 0

    count = MEMO_TRIAL + 3000
    rows = [["数", "姓名"], *([n, f"教师{n}"] for n in range(count))]
    late = MEMO_TRIAL + 1000  # well past the trial: the column has stopped being remembered
    rows[late + 1] = ["", "教师甲"]
    rows[late + 2] = ["abc", "教师乙"]
    rows[late + 3] = [7, "长" * 65]
    result = run_import(Probe(), None, table=Table(sheet="", sheets=[], first_row=1, rows=rows), dry_run=True)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (late + 2, "数", ERR_REQUIRED),
        (late + 3, "数", "应为整数"),
        (late + 4, "姓名", ERR_TOO_LONG.format(limit=64, length=65)),
    ]
    assert result.errors[1].value == "abc"
    assert result.created == count - 3
