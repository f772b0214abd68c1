import logging
import random

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.demo import load_accounts
from assessment.demo import load_assessment
from attendance.demo import load_attendance
from outreach.demo import load_outreach
from programs.demo import load_programs
from reports.demo import load_reports
from specialed.demo import load_specialed
from trainees.demo import load_registry

# One seed for the whole demo: every part draws from the same generator, in the same order.
DEMO_SEED = 20261123


class Command(BaseCommand):
    help = (
        "载入演示数据：一个虚构县（约 45 所学校、1600 名教师）、各角色演示账号，以及三个年度的培训项目、"
        "报名、考勤、送教下乡、工作坊、考核与学分。重复运行不会改变数据。"
    )

    def handle(self, *args, **options):
        # Without a broker, the notices' e-mail tasks run in-process; one log line each would bury the logins.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        # In order: each part uses what the ones before it made (enrolments → attendance → results).
        registry = load_registry()
        accounts = load_accounts(**registry)
        rng = random.Random(DEMO_SEED)
        subprojects = load_programs(rng=rng, **registry)
        load_outreach(subprojects=subprojects, rng=rng)
        load_attendance(rng=rng, **registry)
        load_assessment(subprojects=subprojects, rng=rng, **registry)
        load_specialed(subprojects=subprojects, rng=rng, **registry)
        accounts += load_reports(subprojects=subprojects, **registry)
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。演示账号（密码均为 {settings.DEMO_PASSWORD}）："))
        for username, role in accounts:
            self.stdout.write(f"  {username:10s} {role}")
