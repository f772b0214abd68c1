from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.demo import load_accounts
from trainees.demo import load_registry


class Command(BaseCommand):
    help = "载入演示数据：一个虚构县（约 45 所学校、1600 名教师）和各角色演示账号。重复运行不会改变数据。"

    def handle(self, *args, **options):
        registry = load_registry()
        accounts = load_accounts(**registry)
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。演示账号（密码均为 {settings.DEMO_PASSWORD}）："))
        for username, role in accounts:
            self.stdout.write(f"  {username:10s} {role}")
