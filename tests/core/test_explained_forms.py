"""Forms and pages that explain themselves (issue 13, item 8): numbers formatted, the quota page's
running total and proportional fill, 请选择 on blank choices."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from core.templatetags.numbers import num
from outreach.models import OnlineStudy
from outreach.services import workshop_member_add
from programs import services
from programs.allocation import proportional
from programs.models import SchoolQuota
from tests.factories import CategoryFactory, TeacherFactory
from tests.factories.outreach import make_workshop
from tests.factories.programs import EnrolmentFactory


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1553.30000000000"), "1,553.3"),
        (Decimal("12.0"), "12"),
        (1600, "1,600"),
        (2.25, "2.3"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_numbers_read_as_people_write_them(value, shown):
    assert num(value) == shown


def test_the_workshop_page_shows_summed_hours_rounded(world, client_for):
    workshop = make_workshop(county=world.county_x)
    for hours in ("776.6", "776.7"):  # within the field's one decimal (PostgreSQL rounds more)
        enrolment = EnrolmentFactory(subproject=workshop.subproject, teacher=TeacherFactory(school=world.school_a))
        OnlineStudy.objects.create(enrolment=enrolment, online_hours=Decimal(hours), tasks_done=1)
        workshop_member_add(workshop=workshop, enrolment=enrolment)
    page = client_for(world.staff_x).get(reverse("outreach_workshop_detail", args=[workshop.pk])).content.decode()
    assert "1,553.3" in page
    assert not re.search(r">[^<]*\d\.\d{4,}", page)


# The quota page -------------------------------------------------------------------------------


def test_places_are_shared_by_largest_remainders():
    assert proportional(total=10, weights={"a": 10, "b": 30, "c": 60}, floors={}) == {"a": 1, "b": 3, "c": 6}
    assert proportional(total=7, weights={"a": 1, "b": 1, "c": 1}, floors={}) == {"a": 3, "b": 2, "c": 2}
    assert sum(proportional(total=45, weights={i: i * 7 % 13 for i in range(40)}, floors={}).values()) == 45


def test_places_already_taken_are_kept():
    shares = proportional(total=10, weights={"a": 90, "b": 10}, floors={"b": 4})
    assert shares == {"a": 6, "b": 4}


def test_a_school_without_teachers_gets_nothing():
    assert proportional(total=5, weights={"a": 0, "b": 4}, floors={}) == {"a": 0, "b": 5}


@pytest.fixture
def sub(world):
    program = services.program_create(
        county=world.county_x, year=2026, level="county", category=CategoryFactory(), name="名额项目"
    )
    return services.subproject_create(
        program=program, name="名额班", start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 9, 5), quota=8
    )


def test_the_quota_page_shows_a_running_total(world, sub, client_for):
    services.quotas_set(subproject=sub, quotas=[(world.school_a, 3), (world.school_b, 2)])
    page = client_for(world.staff_x).get(reverse("quota_edit", args=[sub.pk])).content.decode()
    total = re.sub(r"\s+", " ", re.search(r'<p class="quota-total".*?</p>', page, re.S).group(0))
    assert '<strong id="quota-total">5</strong> / 8' in total
    assert '<strong id="quota-left">3</strong>' in total
    assert "js/quotas.js" in page


def test_the_quota_page_fills_places_in_proportion_to_teachers_without_saving(world, sub, client_for):
    for _ in range(2):
        TeacherFactory(school=world.school_a)  # school A: 3 teachers, school B: 1
    response = client_for(world.staff_x).post(reverse("quota_edit", args=[sub.pk]), {"fill": "proportional"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form[f"school_{world.school_a.pk}"].value() == 6
    assert form[f"school_{world.school_b.pk}"].value() == 2
    assert form.total() == 8
    assert not SchoolQuota.objects.exists()
    # Saving the proposal as shown writes it.
    client_for(world.staff_x).post(
        reverse("quota_edit", args=[sub.pk]), {f"school_{world.school_a.pk}": 6, f"school_{world.school_b.pk}": 2}
    )
    assert dict(SchoolQuota.objects.values_list("school", "quota")) == {world.school_a.pk: 6, world.school_b.pk: 2}


def test_the_proportional_fill_keeps_a_schools_nominees(world, sub, client_for):
    services.quotas_set(subproject=sub, quotas=[(world.school_b, 3)])
    for _ in range(3):
        teacher = TeacherFactory(school=world.school_b)
        services.enrolment_nominate(subproject=sub, teacher=teacher, actor=world.staff_x)
    for _ in range(20):
        TeacherFactory(school=world.school_a)
    form = client_for(world.staff_x).post(reverse("quota_edit", args=[sub.pk]), {"fill": "1"}).context["form"]
    assert form[f"school_{world.school_b.pk}"].value() == 3
    assert form.total() == 8


# Blank choices -----------------------------------------------------------------------------------


def test_a_blank_choice_reads_please_choose(world, client_for):
    page = client_for(world.staff_x).get(reverse("program_create")).content.decode()
    assert ">请选择</option>" in page
    assert "---------" not in page
