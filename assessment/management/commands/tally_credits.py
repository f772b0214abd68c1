from django.core.management.base import BaseCommand, CommandError

from assessment.credits import tally_credits
from trainees.models import Region


class Command(BaseCommand):
    help = "计算教师年度学时学分（可重复运行，结果相同）"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--county", help="县区名称（默认全部）")

    def handle(self, *args, **options):
        county = None
        if options["county"]:
            county = Region.objects.filter(level=Region.Level.COUNTY, name=options["county"]).first()
            if county is None:
                raise CommandError(f"找不到县区：{options['county']}")
        last = [-1]

        def progress(percent: int) -> None:
            if percent // 10 != last[0] // 10:
                self.stderr.write(f"{percent}%")
            last[0] = percent

        outcome = tally_credits(year=options["year"], county=county, progress=progress)
        self.stdout.write(f"完成：{outcome.teachers} 名教师，写入 {outcome.written} 条")
