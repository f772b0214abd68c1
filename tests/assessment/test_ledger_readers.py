"""The tally and registration pages read their hours and credits from the ledger, so they equal the
rows' sums even before the next tally; a row whose tally is behind says so. The cycle review's carry-over
rows enter the next year's tallies at once."""

import datetime as dt
from decimal import Decimal

from django.db.models import Sum
from django.urls import reverse

from assessment.credits import categories_ensure, cycle_save, tally_credits
from assessment.cycles import cycle_review_reopen, cycle_review_run
from assessment.models import CreditEntry, CreditTally
from programs.models import Enrolment
from tests.factories import EnrolmentFactory, ProgramFactory, SubProjectFactory

D = Decimal


def _earn(world, teacher, hours, year):
    sub = SubProjectFactory(program=ProgramFactory(county=world.county_x, year=year), hours=D(hours))
    EnrolmentFactory(subproject=sub, teacher=teacher, status=Enrolment.Status.COMPLETED)


def _ledger(teacher, year):
    return CreditEntry.objects.filter(teacher=teacher, year=year, status="counted").aggregate(h=Sum("hours"))["h"]


def _claim(world, teacher, year, hours, source_id=1):
    category = categories_ensure(county=world.county_x)[0]
    return CreditEntry.objects.create(
        teacher=teacher, year=year, county=world.county_x, school=teacher.school, category=category,
        source_kind="claim", source_id=source_id, title="论文", hours=D(hours), credits=D(hours) / 10,
    )  # fmt: skip


def test_the_tally_list_shows_the_ledgers_sums_and_flags_a_tally_behind_them(client_for, world):
    _earn(world, world.teacher_a, 24, 2026)
    tally_credits(year=2026, county=world.county_x)
    _claim(world, world.teacher_a, 2026, "6.5")  # not yet in the tally
    response = client_for(world.staff_x).get(reverse("tally_list"), {"year": 2026})
    row = next(t for t in response.context["page"] if t.teacher_id == world.teacher_a.pk)
    assert (row.total_hours, row.ledger_hours, _ledger(world.teacher_a, 2026)) == (24, D("30.5"), D("30.5"))
    assert row.ledger_credits == D("3.05")
    assert "待重新计算" in response.content.decode()
    tally_credits(year=2026, county=world.county_x)
    response = client_for(world.staff_x).get(reverse("tally_list"), {"year": 2026})
    assert "待重新计算" not in response.content.decode()


def test_the_registration_page_shows_the_ledgers_sums(client_for, world):
    _earn(world, world.teacher_a, 24, 2026)
    tally_credits(year=2026, county=world.county_x)
    _claim(world, world.teacher_a, 2026, 3)
    response = client_for(world.coord_a).get(reverse("registration_detail", args=[world.school_a.pk, 2026]))
    row = next(iter(response.context["tallies"]))
    assert row.ledger_hours == _ledger(world.teacher_a, 2026) == 27


def test_a_carry_over_enters_the_next_years_tally_and_leaves_it_on_reopening(world):
    cycle_save(county=world.county_x, start_year=2022, years=5, total=D(360), actor=None)
    _earn(world, world.teacher_a, 400, 2024)
    _earn(world, world.teacher_a, 12, 2027)
    for year in (2024, 2027):
        tally_credits(year=year, county=world.county_x)
    review = cycle_review_run(
        county=world.county_x, year=2024, carry_cap=D(30), grace_until=dt.date(2027, 6, 30), actor=world.staff_x
    )
    tally = CreditTally.objects.get(teacher=world.teacher_a, year=2027)
    assert tally.total_hours == _ledger(world.teacher_a, 2027) == 42
    cycle_review_reopen(review=review, reason="补录", actor=world.staff_x)
    tally.refresh_from_db()
    assert tally.total_hours == _ledger(world.teacher_a, 2027) == 12
