"""Today's tallies into the ledger: the default categories per county, the old category minimums and
cycle totals into their own rows, and one ledger row per tally and category (kind "migrated", locked as
the tally was). The next rebuild replaces unlocked migrated rows with rows per source."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations

DEFAULTS = (
    ("centralized", "集中培训", "centralized"),
    ("online", "网络研修", "online"),
    ("school_based", "校本研修", "school_based"),
    ("self_study", "自主研修", ""),
)
COLUMNS = (("centralized", "centralized_hours", "min_centralized"), ("online", "online_hours", "min_online"),
           ("school_based", "school_based_hours", "min_school_based"))


def forwards(apps, schema_editor):
    Region = apps.get_model("trainees", "Region")
    Category = apps.get_model("assessment", "CountyCreditCategory")
    Settings = apps.get_model("assessment", "CountyCreditSettings")
    Requirement = apps.get_model("assessment", "CreditRequirement")
    Minimum = apps.get_model("assessment", "RequirementMinimum")
    Cycle = apps.get_model("assessment", "CreditCycle")
    Tally = apps.get_model("assessment", "CreditTally")
    Entry = apps.get_model("assessment", "CreditEntry")

    county_ids = set(Requirement.objects.values_list("county_id", flat=True))
    county_ids |= set(Tally.objects.values_list("county_id", flat=True))
    county_ids |= set(Settings.objects.values_list("county_id", flat=True))
    categories = {}
    for county in Region.objects.filter(pk__in=county_ids):
        found = Settings.objects.filter(county=county).first()
        rate = found.hours_per_credit if found else Decimal(10)
        for order, (code, name, sub) in enumerate(DEFAULTS, start=1):
            category, _ = Category.objects.get_or_create(
                county=county, code=code,
                defaults={"name": name, "hours_per_credit": rate, "subproject_category": sub, "order": order},
            )
            categories[(county.pk, code)] = category
    for requirement in Requirement.objects.all():
        for code, _column, minimum in COLUMNS:
            value = getattr(requirement, minimum)
            if value:
                Minimum.objects.create(requirement=requirement, category=categories[(requirement.county_id, code)],
                                       minimum=value)
    # The old per-year cycle total becomes a five-year cycle starting at the earliest year that named it.
    for county_id in county_ids:
        first = Requirement.objects.filter(county_id=county_id).order_by("year").first()
        if first is not None and not Cycle.objects.filter(county_id=county_id).exists():
            Cycle.objects.create(county_id=county_id, start_year=first.year, years=5, total=first.cycle_total_hours)
    rows = []
    for tally in Tally.objects.iterator(chunk_size=2000):
        for code, column, _minimum in COLUMNS:
            hours = getattr(tally, column)
            if not hours:
                continue
            category = categories[(tally.county_id, code)]
            credits = (hours / category.hours_per_credit).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            rows.append(Entry(teacher_id=tally.teacher_id, year=tally.year, county_id=tally.county_id,
                              school_id=tally.school_id, category=category, source_kind="migrated",
                              source_id=tally.pk, title="原学时统计", hours=hours, credits=credits,
                              locked=tally.locked))
        if len(rows) >= 5000:
            Entry.objects.bulk_create(rows)
            rows = []
    Entry.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0004_ledger_categories_requirements")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
