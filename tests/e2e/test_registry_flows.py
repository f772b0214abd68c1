"""The registry as a person uses it in a real browser: log in, look, import, manage accounts."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role, User
from tests.xlsx import make_xlsx
from trainees.idcard import check_digit
from trainees.models import Teacher

from .browser import pick

pytestmark = pytest.mark.e2e


def _id_number(first17: str) -> str:
    return first17 + check_digit(first17)


def test_coordinator_logs_in_and_sees_only_their_schools_teachers(world, login, page, site):
    login(world.coord_a)

    page.goto(site("teacher_list"))
    table = page.locator("table tbody")
    expect(table).to_contain_text("张三")
    expect(table).not_to_contain_text("李四")  # school B, same county
    expect(table).not_to_contain_text("王五")  # county Y
    expect(table.locator(".id-number")).to_have_text(world.teacher_a.masked_id_number)

    response = page.goto(site("teacher_detail", world.teacher_b.pk))
    assert response.status == 404
    expect(page.locator("h1")).to_contain_text("页面不存在")


def test_county_staff_import_teachers_through_upload_preview_and_confirm(world, login, page, site, tmp_path):
    first, second = _id_number("43052119850312001"), _id_number("43052119900101002")
    path = tmp_path / "教师.xlsx"
    make_xlsx(
        [
            ["学校", "姓名", "身份证号", "学段"],  # any column order
            [world.school_a.code, "赵六", first, "小学"],
            [world.school_b.name, "钱七", second, "初中"],
        ],
        path=path,
    )
    login(world.staff_x)

    page.goto(site("teacher_list"))
    page.get_by_role("link", name="导入").click()
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="上传并预览").click()

    expect(page.locator("main")).to_contain_text("共 2 行：新增 2，更新 0")
    expect(page.locator("table")).to_contain_text("钱七")
    assert not Teacher.objects.filter(id_number__in=[first, second]).exists()  # a preview writes nothing

    page.get_by_role("button", name="确认导入").click()

    expect(page.locator(".alert-success")).to_contain_text("新增 2")
    assert dict(Teacher.objects.filter(id_number__in=[first, second]).values_list("name", "school")) == {
        "赵六": world.school_a.pk,
        "钱七": world.school_b.pk,
    }


def test_county_staff_see_every_problem_of_a_bad_file_and_nothing_is_written(world, login, page, site, tmp_path):
    path = tmp_path / "bad.xlsx"
    make_xlsx(
        [
            ["姓名", "身份证号", "学校"],
            ["孙八", "430521198503120010", world.school_a.code],  # wrong check digit
            ["周九", _id_number("43052119850312003"), "不存在的学校"],
        ],
        path=path,
    )
    login(world.staff_x)

    page.goto(site("import_upload", "teachers"))
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="上传并预览").click()

    problems = page.locator("main table tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("2身份证号身份证号校验位不正确")
    expect(problems.nth(1)).to_contain_text("3学校找不到学校“不存在的学校”")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    assert not Teacher.objects.filter(name__in=["孙八", "周九"]).exists()


def test_administrator_creates_a_coordinator_who_can_then_log_in(world, login, page, site):
    login(world.admin_x)

    page.goto(site("user_list"))
    page.goto(site("user_create"))
    page.fill("input[name=username]", "coord_new")
    page.fill("input[name=display_name]", "新协调员")
    page.select_option("select[name=role]", Role.COORDINATOR)
    pick(page, "school", "二小", world.school_b.name)
    page.fill("input[name=password]", "a-Strong-initial-pw-2026")
    page.get_by_role("button", name="保存").click()

    page.wait_for_url(site("user_list"))
    expect(page.locator("main")).to_contain_text("账号已创建")
    created = User.objects.get(username="coord_new")
    assert (created.role, created.school_id) == (Role.COORDINATOR, world.school_b.pk)

    page.context.clear_cookies()
    login(created, password="a-Strong-initial-pw-2026")
    page.goto(site("teacher_list"))
    expect(page.locator("table tbody")).to_contain_text("李四")
    expect(page.locator("table tbody")).not_to_contain_text("张三")
