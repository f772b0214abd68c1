"""`make load`'s data on top of the demo county (`load_demo`): a running program whose session today has
the trainees the coordinators' attendance grids show, all written through the apps' services.

Run by scripts/load.sh once `make serve` is up (it has migrated and loaded the demo); idempotent.
Usage: DATABASE_URL=... .venv/bin/python scripts/load_seed.py [TRAINEES]
"""

import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from programs import services  # noqa: E402
from programs.models import Category, Enrolment, Level, Program, Session, SubProject  # noqa: E402
from trainees.models import Teacher  # noqa: E402

PROGRAM = "压测：县级骨干教师培训"


def seed(trainees: int) -> Session:
    staff = User.objects.get(username="staff")
    coordinators = list(User.objects.filter(username__in=["coord1", "coord2"]).select_related("school"))
    county = staff.county
    category = Category.objects.filter(name="示范性项目").first() or services.category_create(name="示范性项目")
    program = Program.objects.filter(name=PROGRAM, county=county).first() or services.program_create(
        county=county,
        year=timezone.localdate().year,
        level=Level.COUNTY,
        category=category,
        name=PROGRAM,
        status=Program.Status.RUNNING,
    )
    today = timezone.localdate()
    sub = program.subprojects.first() or services.subproject_create(
        program=program,
        name="集中研修（压测）",
        kind=SubProject.Kind.SHORT_CENTRALIZED,
        modality=SubProject.Modality.ONLINE,  # not face-to-face: no date overlap with anything else
        start_date=today,
        end_date=today,
        hours=8,
    )
    session = sub.sessions.first() or services.session_create(
        subproject=sub, date=today, start_time=dt.time(8, 0), end_time=dt.time(17, 0), title="开班", hours=8
    )
    # Every teacher of the coordinators' schools, then others of the county up to `trainees`.
    own = list(Teacher.objects.filter(school__in=[c.school for c in coordinators]).order_by("pk"))
    others = list(Teacher.objects.filter(school__county=county).exclude(pk__in=[t.pk for t in own]).order_by("pk"))
    wanted = (own + others)[: max(trainees, len(own))]
    enrolled = set(Enrolment.objects.filter(subproject=sub).values_list("teacher_id", flat=True))
    for teacher in wanted:
        if teacher.pk not in enrolled:
            enrolment = services.enrolment_nominate(subproject=sub, teacher=teacher, actor=staff)
            services.enrolment_confirm(enrolment=enrolment, actor=staff)
    for coordinator in coordinators:
        n = Enrolment.objects.filter(subproject=sub, school=coordinator.school).count()
        print(f"  {coordinator.username}: {coordinator.school.name}, {n} trainees in session {session.pk}")
    print(f"load data: session {session.pk} ({today}), {Enrolment.objects.filter(subproject=sub).count()} trainees")
    return session


if __name__ == "__main__":
    prepared = seed(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
    if len(sys.argv) > 2:  # where load.sh reads the session's id for locust
        Path(sys.argv[2]).write_text(str(prepared.pk))
