"""A visit spans days: each day is a programs.Session (VisitDay); activities and bookings move to the day.

Every existing visit was one session: it becomes a one-day visit, numbered within its cycle by date."""

import django.db.models.deletion
from django.db import migrations, models


def visits_to_days(apps, schema_editor):
    Visit = apps.get_model("outreach", "Visit")
    VisitDay = apps.get_model("outreach", "VisitDay")
    VisitActivity = apps.get_model("outreach", "VisitActivity")
    VisitBooking = apps.get_model("outreach", "VisitBooking")
    numbers: dict[int, int] = {}
    visits = Visit.objects.select_related("phase", "session").order_by(
        "phase__cycle_id", "session__date", "session__start_time", "pk"
    )
    for visit in visits.iterator(chunk_size=500):
        cycle_id = visit.phase.cycle_id
        numbers[cycle_id] = numbers.get(cycle_id, 0) + 1
        visit.cycle_id = cycle_id
        visit.number = numbers[cycle_id]
        visit.title = visit.session.title
        visit.save(update_fields=["cycle", "number", "title"])
        day = VisitDay.objects.create(visit=visit, session_id=visit.session_id)
        VisitActivity.objects.filter(visit=visit).update(day=day)
        VisitBooking.objects.filter(visit=visit).update(day=day)


def days_to_visits(apps, schema_editor):
    """Back to one session per visit: a visit keeps its first day; later days become visits of their own."""
    Visit = apps.get_model("outreach", "Visit")
    VisitDay = apps.get_model("outreach", "VisitDay")
    VisitActivity = apps.get_model("outreach", "VisitActivity")
    VisitBooking = apps.get_model("outreach", "VisitBooking")
    Resource = apps.get_model("outreach", "Resource")
    for visit in Visit.objects.order_by("pk").iterator(chunk_size=500):
        days = list(VisitDay.objects.filter(visit=visit).order_by("session__date", "pk"))
        for index, day in enumerate(days):
            target = visit
            if index:
                target = Visit.objects.create(
                    cycle_id=visit.cycle_id, phase_id=visit.phase_id, number=10000 + day.pk, title=visit.title
                )
            target.session_id = day.session_id
            target.save(update_fields=["session"])
            VisitActivity.objects.filter(day=day).update(visit=target)
            VisitBooking.objects.filter(day=day).update(visit=target)
        if not days:
            Resource.objects.filter(visit=visit).update(visit=None)
            visit.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0002_visits_team_resources_workshops"),
        ("programs", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="VisitDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "session",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="outreach_day", to="programs.session"
                    ),
                ),
                (
                    "visit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="days",
                        to="outreach.visit",
                        verbose_name="送教活动",
                    ),
                ),
            ],
            options={
                "verbose_name": "送教日",
                "verbose_name_plural": "送教日",
                "ordering": ["session__date", "session__start_time", "pk"],
            },
        ),
        migrations.AddField(
            model_name="visit",
            name="cycle",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="visits",
                to="outreach.cycle",
                verbose_name="周期",
            ),
        ),
        migrations.AddField(
            model_name="visit", name="number", field=models.PositiveSmallIntegerField(null=True, verbose_name="送教次序")
        ),
        migrations.AddField(
            model_name="visit",
            name="title",
            field=models.CharField(blank=True, default="", max_length=128, verbose_name="主题"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="visitactivity",
            name="day",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="activities",
                to="outreach.visitday",
                verbose_name="送教日",
            ),
        ),
        migrations.AddField(
            model_name="visitbooking",
            name="day",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="bookings", to="outreach.visitday"
            ),
        ),
        migrations.AlterField(
            model_name="visit",
            name="session",
            field=models.OneToOneField(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="outreach_visit", to="programs.session"
            ),
        ),
        migrations.AlterField(
            model_name="visitactivity",
            name="visit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="activities", to="outreach.visit"
            ),
        ),
        migrations.AlterField(
            model_name="visitbooking",
            name="visit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="bookings", to="outreach.visit"
            ),
        ),
        migrations.RunPython(visits_to_days, days_to_visits, elidable=False),
        migrations.RemoveConstraint(model_name="visitbooking", name="visit_booking_once"),
        migrations.RemoveField(model_name="visit", name="team"),
        migrations.RemoveField(model_name="visit", name="session"),
        migrations.RemoveField(model_name="visitactivity", name="visit"),
        migrations.RemoveField(model_name="visitbooking", name="visit"),
        migrations.AlterField(
            model_name="visit",
            name="cycle",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="visits",
                to="outreach.cycle",
                verbose_name="周期",
            ),
        ),
        migrations.AlterField(
            model_name="visit", name="number", field=models.PositiveSmallIntegerField(verbose_name="送教次序")
        ),
        migrations.AlterField(
            model_name="visitactivity",
            name="day",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="activities",
                to="outreach.visitday",
                verbose_name="送教日",
            ),
        ),
        migrations.AlterField(
            model_name="visitbooking",
            name="day",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="bookings", to="outreach.visitday"
            ),
        ),
        migrations.AddField(
            model_name="visitday",
            name="team",
            field=models.ManyToManyField(
                blank=True, related_name="days", through="outreach.VisitBooking", to="outreach.cycleteammember"
            ),
        ),
        migrations.AddConstraint(
            model_name="visitbooking",
            constraint=models.UniqueConstraint(fields=("day", "member"), name="visit_booking_once_per_day"),
        ),
        migrations.AddConstraint(
            model_name="visit",
            constraint=models.UniqueConstraint(fields=("cycle", "number"), name="visit_unique_number_in_cycle"),
        ),
    ]
