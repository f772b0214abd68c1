"""Credit figures that are sums read the ledger: the annual summary's 总学时 of a teacher short of the
requirement is the sum of their ledger rows, also of a row added since the tally ran. (达标 and 差额
stay the tally's: they are its decision under the rules that applied.)"""

from decimal import Decimal

from django.db.models import Sum

from assessment.models import CreditEntry
from reports.selectors import Period, ReportScope, credit_shortfalls

from .test_annual_summary import build, values


def _ledger(teacher, year=2026):
    return CreditEntry.objects.filter(teacher=teacher, year=year, status="counted").aggregate(h=Sum("hours"))["h"]


def test_the_shortfall_lists_hours_equal_the_ledger_even_for_a_row_not_yet_tallied(world, records):
    tallied = CreditEntry.objects.get(teacher__name="赵六")
    zhao, county = tallied.teacher, world.county_x
    common = {"teacher": zhao, "year": 2026, "county": county, "school": zhao.school, "category": tallied.category}
    CreditEntry.objects.create(**common, source_kind="claim", source_id=1, title="论文", hours=Decimal("7.5"), credits=Decimal("0.75"))
    # A row still 公示中 is not counted, in the ledger's sums or here.
    CreditEntry.objects.create(
        **common, source_kind="claim", source_id=2, title="公开课", hours=Decimal(4), credits=Decimal("0.4"), status="pending"
    )
    assert _ledger(zhao) == Decimal("37.5")  # the tally still says 30
    rows = {r[2]: r for r in values(build(world)["未达标教师名单"])[2:]}
    assert rows["赵六"][4] == float(_ledger(zhao)) == 37.5
    assert rows["李四"][4] == float(_ledger(world.teacher_b)) == 10


def test_the_shortfall_list_is_one_query_for_any_number_of_teachers(world, records, django_assert_num_queries):
    scope = ReportScope(user=world.admin_x, county_id=world.county_x.pk)
    with django_assert_num_queries(1):
        assert len(list(credit_shortfalls(scope=scope, period=Period(2024, 2026)))) == 2
