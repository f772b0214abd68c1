"""周期核定: 达标 over the cycle, carry-over within the cap, 宽限补修, locks, audited reopening, xlsx per school."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessment.credits import cycle_save, tally_credits
from assessment.cycles import ERR_ALREADY_REVIEWED, cycle_review_reopen, cycle_review_run
from assessment.exports import cycle_review_workbook
from assessment.models import AuditEntry, CreditEntry, CreditTally, CycleResult
from assessment.selectors import cycle_results
from core.excel import workbook_bytes
from tests.factories.assessment import earn_hours
from tests.xlsx import read_xlsx

D = Decimal


@pytest.fixture
def cycle(world):
    cycle_save(county=world.county_x, start_year=2022, years=5, total=D(360), actor=None)
    earn_hours(world.county_x, world.teacher_a, 200, 2022)
    earn_hours(world.county_x, world.teacher_a, 250, 2026)  # 450: 90 over
    earn_hours(world.county_x, world.teacher_b, 300, 2024)  # 60 short
    for year in range(2022, 2027):
        tally_credits(year=year, county=world.county_x)


def _review(world, **kw):
    kw.setdefault("carry_cap", D(40))
    kw.setdefault("grace_until", dt.date(2027, 6, 30))
    return cycle_review_run(county=world.county_x, year=2024, actor=world.staff_x, **kw)


def test_review_decides_met_per_teacher_and_carries_surplus_up_to_the_cap(world, cycle):
    review = _review(world)
    results = {r.teacher_id: r for r in CycleResult.objects.filter(review=review)}
    a, b = results[world.teacher_a.pk], results[world.teacher_b.pk]
    assert (a.earned, a.met, a.carried, a.grace) == (450, True, 40, False)  # 90 over, cap 40
    assert (b.earned, b.met, b.carried, b.grace) == (300, False, 0, True)
    carry = CreditEntry.objects.get(source_kind="carry_over")
    assert (carry.teacher, carry.year, carry.hours) == (world.teacher_a, 2027, 40)


def test_review_locks_the_cycles_rows_so_a_rebuild_changes_nothing(world, cycle):
    _review(world)
    assert not CreditEntry.objects.filter(year__range=(2022, 2026), locked=False).exists()
    earn_hours(world.county_x, world.teacher_b, 100, 2025)
    tally_credits(year=2025, county=world.county_x)
    assert CreditTally.objects.get(teacher=world.teacher_b, year=2025).total_hours == 0


def test_a_reviewed_cycle_cannot_be_reviewed_again(world, cycle):
    _review(world)
    with pytest.raises(ValidationError) as exc:
        _review(world)
    assert exc.value.messages == [ERR_ALREADY_REVIEWED]


def test_reopening_needs_a_reason_is_audited_and_unlocks(world, cycle):
    review = _review(world)
    with pytest.raises(ValidationError):
        cycle_review_reopen(review=review, reason=" ", actor=world.admin_x)
    cycle_review_reopen(review=review, reason="补录2025年送教学时", actor=world.admin_x)
    assert not CreditEntry.objects.filter(source_kind="carry_over").exists()
    assert not CreditEntry.objects.filter(year__range=(2022, 2026), locked=True).exists()
    entry = AuditEntry.objects.filter(action="cycle_review_reopen").get()
    assert (entry.actor, entry.detail["reason"]) == (world.admin_x, "补录2025年送教学时")
    earn_hours(world.county_x, world.teacher_b, 100, 2025)
    tally_credits(year=2025, county=world.county_x)
    again = _review(world)
    assert CycleResult.objects.get(review=again, teacher=world.teacher_b).met


def test_zero_cap_carries_nothing(world, cycle):
    _review(world, carry_cap=D(0))
    assert not CreditEntry.objects.filter(source_kind="carry_over").exists()


def test_result_workbook_has_a_sheet_per_school(world, cycle):
    review = _review(world)
    wb = cycle_review_workbook(review=review, results=cycle_results(review=review), full_ids=False)
    data = workbook_bytes(wb)
    first = read_xlsx(data, 0)
    second = read_xlsx(data, 1)
    assert first[2][1] == "张三" and first[2][4] == "是" and first[2][5] == 40
    assert second[2][1] == "李四" and second[2][4] == "否" and second[2][6] == "2027-06-30"
    assert first[2][0] == world.teacher_a.masked_id_number
