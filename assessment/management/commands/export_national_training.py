from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessment.credits import national_training_export
from core.excel import save_workbook
from trainees.models import Region


class Command(BaseCommand):
    help = "导出全国教师管理信息系统“国内培训”表（每位教师每项已完成培训一行）"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True, help="输出文件（.xlsx）")
        parser.add_argument("--county", help="县区名称（默认全部）")

    def handle(self, *args, **options):
        county = None
        if options["county"]:
            county = Region.objects.filter(level=Region.Level.COUNTY, name=options["county"]).first()
            if county is None:
                raise CommandError(f"找不到县区：{options['county']}")
        if options["out"].suffix.lower() != ".xlsx":
            raise CommandError("输出文件须为 .xlsx")
        workbook = national_training_export(year=options["year"], county=county, actor=None)
        save_workbook(workbook, options["out"])
        self.stdout.write(f"已导出：{options['out']}")
