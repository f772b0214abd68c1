"""周期核定 in a real browser: county staff choose the cycle, read the confirmation, run the review and
read the result per teacher, filter it, and reopen it with a reason; a coordinator reads their school's
part. Screenshots of the result page at desktop and 390 px phone width go to var/screenshots/."""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessment.credits import categories_ensure, cycle_save
from assessment.models import CreditEntry, CycleReview
from tests.factories import TeacherFactory

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# name, school (a or b), hours earned over 2022–2026 against 360
TEACHERS = [
    ("王芳", "a", 420), ("刘洋", "a", 365), ("陈静", "a", 298), ("杨帆", "b", 512),
    ("赵敏", "b", 360), ("黄磊", "b", 180), ("周婷", "a", 401), ("吴强", "b", 344.5),
]  # fmt: skip


@pytest.fixture
def county(world):
    cycle_save(county=world.county_x, start_year=2022, years=5, total=Decimal(360), actor=None)
    category = categories_ensure(county=world.county_x)[0]
    people = [(world.teacher_a, 450), (world.teacher_b, 300)]
    for name, school, hours in TEACHERS:
        people.append((TeacherFactory(name=name, school=world.school_a if school == "a" else world.school_b), hours))
    for teacher, hours in people:
        for year, share in ((2023, Decimal("0.6")), (2025, Decimal("0.4"))):
            CreditEntry.objects.create(
                teacher=teacher, year=year, county=world.county_x, school=teacher.school, category=category,
                source_kind="migrated", source_id=teacher.pk * 10 + year % 10, title="原学时统计",
                hours=(Decimal(hours) * share).quantize(Decimal("0.1")), credits=Decimal(0),
            )  # fmt: skip
    return world


def _assert_no_sideways_scroll(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths


def _shoot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def test_county_staff_review_a_cycle_read_the_result_and_reopen_it(county, login, page, site, phone_login):
    world = county
    login(world.staff_x)
    page.goto(site("cycle_review_list"))
    page.get_by_role("link", name="核定一个周期").click()
    page.select_option("select[name=start_year]", "2022")
    page.fill("input[name=carry_cap]", "40")
    page.fill("input[name=grace_until]", "2027-06-30")
    _shoot(page, "cycle_review_form_desktop.png")
    page.get_by_role("button", name="下一步：确认").click()

    # The confirmation says what will happen before anything does.
    preview = page.locator("#cycle-preview")
    expect(page.locator("h1")).to_contain_text("确认核定 2022–2026 周期")
    expect(page.locator(".card-body")).to_contain_text("本县区现有 10 名教师")
    expect(preview).to_contain_text("6 人达标")
    expect(preview).to_contain_text("4 人未达标")
    expect(preview).to_contain_text("宽限补修，截止 2027-06-30")
    assert not CycleReview.objects.exists()
    _shoot(page, "cycle_review_confirm_desktop.png")
    page.get_by_role("button", name="确认核定").click()

    # The task runs in-process here (a real worker: tests/assessment/test_cycle_worker.py).
    expect(page.locator("h1")).to_contain_text("2022–2026 周期核定结果")
    expect(page.locator("h1 .badge")).to_have_text("已核定")
    summary = page.locator("#cycle-summary")
    expect(summary).to_contain_text("10")
    rows = page.locator("#cycle-results tbody tr")
    expect(rows).to_have_count(10)
    wang = rows.filter(has_text="王芳")
    expect(wang).to_contain_text("420.0")
    expect(wang).to_contain_text("达标")
    huang = rows.filter(has_text="黄磊")
    expect(huang).to_contain_text("未达标")
    expect(huang).to_contain_text("2027-06-30")
    _shoot(page, "cycle_review_result_desktop.png")

    # Filters: 未达标 only, then a name.
    page.select_option("select[name=status]", "short")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(4)
    page.fill("input[name=q]", "黄")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)

    # The same page on a phone: cards, no sideways scrolling.
    small = phone_login(world.staff_x)
    review = CycleReview.objects.get()
    small.goto(site("cycle_review_detail", review.pk))
    expect(small.locator("#cycle-results tbody tr")).to_have_count(10)
    _assert_no_sideways_scroll(small)
    _shoot(small, "cycle_review_result_phone.png")

    # Reopening needs a reason.
    page.goto(site("cycle_review_detail", review.pk))
    page.get_by_role("link", name="重新开放").click()
    page.get_by_role("button", name="重新开放").click()
    expect(page.locator(".invalid-feedback, .text-danger, .alert-danger").first).to_contain_text("请填写重新开放的原因")
    page.fill("textarea[name=reason]", "补录2025年送教下乡学时")
    page.get_by_role("button", name="重新开放").click()
    expect(page.locator(".alert-warning")).to_contain_text("补录2025年送教下乡学时")
    expect(page.locator("#cycle-history")).to_contain_text("重新开放：补录2025年送教下乡学时")


def test_a_coordinator_reads_their_schools_results_only(county, login, page, site):
    from assessment.cycles import cycle_review_run

    world = county
    review = cycle_review_run(county=world.county_x, year=2022, carry_cap=Decimal(40), actor=world.staff_x)
    login(world.coord_b)
    page.goto(site("cycle_review_detail", review.pk))
    rows = page.locator("#cycle-results tbody tr")
    expect(rows).to_have_count(5)  # 李四 and the four of school B
    expect(page.locator("#cycle-results")).not_to_contain_text("王芳")
    expect(page.get_by_role("link", name="重新开放")).to_have_count(0)
    expect(page.get_by_role("link", name="下载本校结果（Excel）")).to_be_visible()


def test_the_review_form_and_its_confirmation_fit_a_phone(county, site, phone_login):
    small = phone_login(county.staff_x)
    small.goto(site("cycle_review_list"))
    small.get_by_role("link", name="核定一个周期").click()
    small.select_option("select[name=start_year]", "2022")
    small.fill("input[name=carry_cap]", "40")
    small.fill("input[name=grace_until]", "2027-06-30")
    for name in ("start_year", "carry_cap", "grace_until"):  # each field with its label, stacked
        assert small.locator(f"label[for=id_{name}]").is_visible()
    _assert_no_sideways_scroll(small)
    _shoot(small, "cycle_review_form_phone.png")
    small.get_by_role("button", name="下一步：确认").click()
    expect(small.locator("#cycle-preview")).to_contain_text("6 人达标")
    expect(small.get_by_role("button", name="确认核定")).to_be_visible()
    _assert_no_sideways_scroll(small)
    _shoot(small, "cycle_review_confirm_phone.png")
    assert not CycleReview.objects.exists()  # nothing happens before 确认核定
