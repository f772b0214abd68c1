from django.core.management import call_command

from accounts.models import Role, User
from trainees.models import School, Teacher


def test_load_demo_builds_a_county_at_scale_and_is_idempotent(db, capsys):
    call_command("load_demo")
    counts = (School.objects.count(), Teacher.objects.count(), User.objects.count())
    assert School.objects.filter(county__name="青山县").count() == 45
    assert Teacher.objects.filter(school__county__name="青山县").count() == 1600
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert School.objects.filter(area="rural").exists() and School.objects.filter(area="urban").exists()
    call_command("load_demo")
    assert (School.objects.count(), Teacher.objects.count(), User.objects.count()) == counts
    assert "admin" in capsys.readouterr().out
