"""学分申报 in a real browser: a teacher claims with evidence, the coordinator passes it in the 初审 list,
the county approves it in the 复核 list. Screenshots of the claim form and the 复核 list at desktop
and phone width go to var/screenshots/."""

import pytest
from playwright.sync_api import expect

from assessment.models import CreditClaim, CreditEntry
from tests.factories.assessment import make_claim_item
from tests.factories.outreach import PDF_BYTES

from .browser import ROOT

pytestmark = pytest.mark.e2e

SHOTS = ROOT / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {label} width"
    page.set_viewport_size(DESKTOP)


def test_a_claim_through_the_form_the_school_and_the_county(world, login, page, site, tmp_path):
    make_claim_item(world.county_x)
    make_claim_item(world.county_x, name="送教下乡授课", kind="trainer", amount="0.25", per="节", max_per_year="4")
    evidence = tmp_path / "录用通知.pdf"
    evidence.write_bytes(PDF_BYTES)

    login(world.teacher_user_a)
    page.goto(site("claim_list"))
    page.get_by_role("link", name="申报学分").click()
    expect(page.locator("h1")).to_have_text("申报学分")
    _shoot(page, "claim-form")
    page.select_option("select[name=item]", label="送教下乡授课（0.25 学分/节）")
    page.fill("input[name=quantity]", "6")
    page.fill("textarea[name=description]", "2026 年春季送教下乡，小学数学示范课 6 节")
    page.set_input_files("input[name=files]", str(evidence))
    page.get_by_role("button", name="提交申报").click()
    expect(page.locator(".alert-success")).to_contain_text("等待学校初审")
    expect(page.locator("main")).to_contain_text("1.5 学分")
    claim = CreditClaim.objects.get()

    page.context.clear_cookies()
    login(world.coord_a)
    page.goto(site("claim_school_queue"))
    page.check(f"input[name=ids][value='{claim.pk}']")
    page.check("input[name=decision][value=approve]")
    page.get_by_role("button", name="审核所勾选的申报").click()
    expect(page.locator(".alert-success")).to_contain_text("已审核 1 份申报")

    page.context.clear_cookies()
    login(world.staff_x)
    page.goto(site("claim_county_queue"))
    expect(page.locator("table tbody")).to_contain_text("张三")
    _shoot(page, "claim-county-review")
    page.check(f"input[name=ids][value='{claim.pk}']")
    page.check("input[name=decision][value=approve]")
    page.get_by_role("button", name="审核所勾选的申报").click()
    expect(page.locator(".alert-success")).to_contain_text("已审核 1 份申报")
    claim.refresh_from_db()
    assert claim.status == CreditClaim.Status.APPROVED
    assert CreditEntry.objects.get(source_kind=CreditEntry.Source.TRAINER, source_id=claim.pk).credits == 1.5


def test_a_colleague_objects_during_publicity_and_the_county_decides(world, login, page, site):
    from accounts.models import Role
    from assessment import claims
    from assessment.credits import credit_settings_save
    from tests.factories import TeacherFactory, UserFactory
    from tests.factories.assessment import make_claim

    credit_settings_save(county=world.county_x, hours_per_credit=10, mode="full", claim_publicity_days=7, actor=None)
    claim = make_claim(world.teacher_user_a, make_claim_item(world.county_x))
    claims.claim_school_review(claim=claim, approve=True, actor=world.coord_a)
    claims.claim_county_review(claim=claim, approve=True, actor=world.staff_x)
    colleague = UserFactory(role=Role.TEACHER, teacher=TeacherFactory(name="赵敏", school=world.school_b))

    login(colleague)
    page.goto(site("claim_publicity"))
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("张*")
    _shoot(page, "claim-publicity")
    page.get_by_role("link", name="提出异议").click()
    page.get_by_role("button", name="提交异议").click()  # empty: said on the field
    expect(page.locator(".invalid-feedback")).to_be_visible()
    page.fill("textarea[name=reason]", "该论文发表于2024年，已在当年申报过")
    _shoot(page, "claim-objection-form")
    page.get_by_role("button", name="提交异议").click()
    expect(page.locator(".alert-success")).to_contain_text("异议已提交")

    page.context.clear_cookies()  # signed out
    login(world.staff_x)
    page.goto(site("claim_publicity"))
    page.get_by_role("link", name="1 条待处理").click()
    objections = page.locator("#claim-objections")
    expect(objections).to_contain_text("该论文发表于2024年，已在当年申报过")
    page.get_by_label("异议成立，撤销该申报").check()
    page.fill("input[name=handling_note]", "经核实，2024年已计入")
    _shoot(page, "claim-objection-decide")
    page.get_by_role("button", name="提交处理结果").click()
    expect(page.locator(".alert-success")).to_contain_text("申报已撤销")
    expect(objections).to_contain_text("异议成立")
    assert CreditClaim.objects.get(pk=claim.pk).status == CreditClaim.Status.REVOKED
    assert not CreditEntry.objects.filter(source_id=claim.pk, source_kind="claim").exists()
