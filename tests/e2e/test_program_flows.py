"""Programs as county staff and a school coordinator run them in a real browser: create a program and a
sub-project, set school quotas, nominate, confirm, substitute."""

import pytest
from playwright.sync_api import expect

from programs import services as program_services
from programs.models import Enrolment, Program, SchoolQuota
from tests.factories.registry import TeacherFactory

from .browser import pick

pytestmark = pytest.mark.e2e


def _option(teacher) -> str:
    return f"{teacher.school.name} · {teacher.name}（{teacher.masked_id_number}）"


def test_county_staff_run_a_program_from_creation_to_substitution(world, login, page, site):
    program_services.category_create(name="示范性项目")
    zhao = TeacherFactory(name="赵六", school=world.school_a)

    # County staff create the program and its sub-project through the forms.
    login(world.staff_x)
    page.goto(site("program_list"))
    page.get_by_role("link", name="新建项目").click()
    page.fill("input[name=year]", "2026")
    page.select_option("select[name=level]", label="县级")
    page.select_option("select[name=category]", label="示范性项目")
    page.fill("input[name=name]", "2026年县级骨干教师培训")
    page.fill("input[name=issuer]", "县教育局")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("项目已创建")
    program = Program.objects.get(name="2026年县级骨干教师培训")
    assert (program.county, program.year, program.level) == (world.county_x, 2026, "county")

    page.get_by_role("link", name="新建子项目").click()
    page.fill("input[name=name]", "小学数学骨干研修")
    page.select_option("select[name=kind]", label="骨干教师培训")
    page.fill("input[name=institution]", "市教师发展中心")
    page.select_option("select[name=modality]", label="集中")
    page.fill("input[name=start_date]", "2026-10-12")
    page.fill("input[name=end_date]", "2026-10-16")
    page.fill("input[name=hours]", "40")
    page.fill("input[name=quota]", "3")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("子项目已创建")
    expect(page.locator("h1")).to_have_text("小学数学骨干研修")
    detail_url = page.url

    # School quotas: two for school A, one for school B.
    page.get_by_role("link", name="分配名额").click()
    page.get_by_label(world.school_a.name).fill("2")
    page.get_by_label(world.school_b.name).fill("1")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("名额已保存")
    expect(page.get_by_role("row", name=world.school_a.name).first).to_contain_text("2")
    sub = program.subprojects.get()
    assert dict(SchoolQuota.objects.filter(subproject=sub).values_list("school__name", "quota")) == {
        world.school_a.name: 2,
        world.school_b.name: 1,
    }

    # The coordinator of school A nominates one of their teachers; they cannot pick another school's.
    page.context.clear_cookies()
    login(world.coord_a)
    page.goto(detail_url)
    page.get_by_role("link", name="提名参训教师").click()
    # The picker searches the coordinator's own teachers only.
    picker = page.locator("input[name=teacher] ~ .ts-wrapper")
    picker.locator(".ts-control").click()
    options = picker.locator(".ts-dropdown .option")
    expect(options).to_have_text([_option(world.teacher_a), _option(zhao)])
    picker.locator(".ts-control input").fill("李四")
    expect(picker.locator(".ts-dropdown .option")).to_have_count(0)
    pick(page, "teacher", "张", _option(world.teacher_a))
    page.get_by_role("button", name="提名").click()
    expect(page.locator(".alert-success")).to_contain_text("已提名，等待县培训中心确认")

    # County staff confirm the nomination, then substitute the trainee with a reason.
    page.context.clear_cookies()
    login(world.staff_x)
    page.goto(detail_url)
    zhang_row = page.get_by_role("row", name="张三")
    expect(zhang_row).to_contain_text("已提名")
    zhang_row.get_by_role("button", name="确认").click()
    expect(page.locator(".alert-success")).to_contain_text("报名已确认")
    expect(page.get_by_role("row", name="张三")).to_contain_text("已确认")

    page.get_by_role("row", name="张三").get_by_role("link", name="换人").click()
    pick(page, "replacement", "赵", _option(zhao))
    page.fill("input[name=reason]", "工作调动")
    page.get_by_role("button", name="确认换人").click()

    expect(page.locator(".alert-success")).to_contain_text("已换人")
    roster = page.locator("table").last
    replacement_row = roster.get_by_role("row", name="赵六")
    expect(replacement_row).to_contain_text("已确认")
    expect(replacement_row).to_contain_text("替换 张三")
    expect(replacement_row).to_contain_text("工作调动")
    expect(roster.get_by_role("row", name="张三").first).to_contain_text("已换人")
    original = Enrolment.objects.get(subproject=sub, teacher=world.teacher_a)
    replacement = Enrolment.objects.get(subproject=sub, teacher=zhao)
    assert original.status == Enrolment.Status.SUBSTITUTED
    assert (replacement.status, replacement.replaces_id) == (Enrolment.Status.CONFIRMED, original.pk)
