"""Group rules: requirements per teacher group, exemptions by age and gender (from the 身份证号), 学段
and post; the strictest applicable requirement wins and every tally row names the rule."""

import datetime as dt
from decimal import Decimal

import pytest

from assessment.credits import exemption_add, requirement_save, tally_credits
from assessment.models import CreditRequirement, CreditTally
from programs.models import CreditCategory, Enrolment
from tests.factories import EnrolmentFactory, ProgramFactory, SubProjectFactory, TeacherFactory
from tests.factories.registry import make_id_number
from trainees.models import Teacher
from trainees.services import teacher_update

D = Decimal
G = CreditRequirement.Group


def _earn(world, teacher, hours, category=CreditCategory.CENTRALIZED):
    sub = SubProjectFactory(
        program=ProgramFactory(county=world.county_x, year=2026), hours=D(hours), credit_category=category
    )
    EnrolmentFactory(subproject=sub, teacher=teacher, status=Enrolment.Status.COMPLETED)


def _tally(world, teacher):
    tally_credits(year=2026, county=world.county_x)
    return CreditTally.objects.get(teacher=teacher, year=2026)


@pytest.fixture
def special_post(world):
    requirement_save(county=world.county_x, year=2026, total=D(72), actor=None)
    requirement_save(county=world.county_x, year=2026, group=G.SPECIAL_POST, total=D(120), actor=None)
    teacher_update(teacher=world.teacher_a, is_special_post=True)
    return world.teacher_a


def test_special_post_teacher_at_119_9_hours_falls_short(world, special_post):
    _earn(world, special_post, "119.9")
    tally = _tally(world, special_post)
    assert (tally.met, tally.shortfall_hours, tally.requirement_total) == (False, D("0.1"), 120)
    assert tally.rule == "2026 特岗教师 120.0学时"


def test_special_post_teacher_at_120_hours_meets_it(world, special_post):
    _earn(world, special_post, 120)
    tally = _tally(world, special_post)
    assert (tally.met, tally.shortfall_hours) == (True, 0)


def test_others_keep_the_general_requirement(world, special_post):
    _earn(world, world.teacher_b, 100)
    tally = _tally(world, world.teacher_b)
    assert (tally.met, tally.requirement_total, tally.rule) == (True, 72, "2026 全体教师 72.0学时")


def test_the_strictest_applicable_requirement_wins(world):
    requirement_save(county=world.county_x, year=2026, group=G.SPECIAL_POST, total=D(120), actor=None)
    requirement_save(county=world.county_x, year=2026, group=G.NEW_TEACHER, total=D(150), actor=None)
    teacher_update(teacher=world.teacher_a, is_special_post=True, entry_year=2025)
    teacher_update(teacher=world.teacher_b, is_special_post=True, entry_year=2020)  # no longer new
    assert _tally(world, world.teacher_a).requirement_total == 150
    assert _tally(world, world.teacher_b).requirement_total == 120


def test_new_teachers_are_those_within_the_configured_years(world):
    requirement_save(
        county=world.county_x, year=2026, group=G.NEW_TEACHER, new_within_years=3, total=D(150), actor=None
    )
    teacher_update(teacher=world.teacher_a, entry_year=2024)  # third year: still new
    teacher_update(teacher=world.teacher_b, entry_year=2023)  # fourth year
    assert _tally(world, world.teacher_a).rule == "2026 新教师 150.0学时"
    assert _tally(world, world.teacher_b).rule == ""


def test_principals_have_their_own_requirement(world):
    requirement_save(county=world.county_x, year=2026, group=G.PRINCIPAL, total=D(100), actor=None)
    teacher_update(teacher=world.teacher_a, post=Teacher.Post.PRINCIPAL)
    assert _tally(world, world.teacher_a).requirement_total == 100
    assert _tally(world, world.teacher_b).requirement_total is None


def _teacher(world, *, birth, male):
    return TeacherFactory(school=world.school_a, id_number=make_id_number(birth=birth, male=male))


@pytest.fixture
def it_rule(world):
    """信息技术 at least 50 学时 a year, women from 50 and men from 55 exempt (ages reached by 31 December)."""
    from assessment.credits import category_save

    category_save(county=world.county_x, code="it", name="信息技术", hours_per_credit=D(10), actor=None)
    requirement = requirement_save(
        county=world.county_x, year=2026, total=D(50), minimums={"信息技术": D(50)}, actor=None
    )
    exemption_add(requirement=requirement, gender="F", min_age=50, category="信息技术", actor=None)
    exemption_add(requirement=requirement, gender="M", min_age=55, category="信息技术", actor=None)
    return requirement


@pytest.mark.parametrize(
    "birth, male, exempt",
    [
        (dt.date(1976, 12, 31), False, True),  # a woman turning 50 on the last day of the year
        (dt.date(1977, 1, 1), False, False),  # one day younger: still 49 at the year's end
        (dt.date(1971, 12, 31), True, True),  # a man turning 55 on 31 December
        (dt.date(1972, 1, 1), True, False),
        (dt.date(1976, 12, 31), True, False),  # a man of 50 is not exempt
    ],
)
def test_it_exemption_on_the_exact_birthdays(world, it_rule, birth, male, exempt):
    teacher = _teacher(world, birth=birth, male=male)
    assert (teacher.birth_date, teacher.gender) == (birth, "M" if male else "F")  # from the 身份证号
    _earn(world, teacher, 60)  # 集中 hours: the total is met, the 信息技术 minimum is not
    tally = _tally(world, teacher)
    assert (tally.met, tally.shortfall_hours) == ((True, 0) if exempt else (False, 50))


def test_a_whole_requirement_exemption_names_itself_on_the_row(world):
    requirement = requirement_save(county=world.county_x, year=2026, total=D(72), actor=None)
    exemption_add(requirement=requirement, stage=Teacher.Stage.KINDERGARTEN, actor=None)
    teacher_update(teacher=world.teacher_a, stage=Teacher.Stage.KINDERGARTEN)
    tally = _tally(world, world.teacher_a)
    assert (tally.met, tally.requirement_total, tally.rule) == (True, None, "2026 全体教师 72.0学时（免修）")
    assert _tally(world, world.teacher_b).requirement_total == 72


def test_an_exemption_needs_a_condition(world):
    from django.core.exceptions import ValidationError

    requirement = requirement_save(county=world.county_x, year=2026, total=D(72), actor=None)
    with pytest.raises(ValidationError):
        exemption_add(requirement=requirement, actor=None)
