from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessment.credits import tally_run_execute
from assessment.exports import tally_workbook
from assessment.models import TallyRun
from assessment.selectors import tally_sheet
from core.excel import save_workbook
from trainees.models import Region


class Command(BaseCommand):
    help = "计算教师年度学时学分（可重复运行，结果相同）"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--county", help="县区名称（默认全部）")
        parser.add_argument("--out", type=Path, help="同时导出统计表（.xlsx，含完整身份证号）")
        parser.add_argument(
            "--changed-only", action="store_true", help="只重算上次计算后记录有变动的教师（项目学时等修改需完整计算）"
        )

    def handle(self, *args, **options):
        if options["out"] and options["out"].suffix.lower() != ".xlsx":
            raise CommandError("输出文件须为 .xlsx")
        county = None
        if options["county"]:
            county = Region.objects.filter(level=Region.Level.COUNTY, name=options["county"]).first()
            if county is None:
                raise CommandError(f"找不到县区：{options['county']}")
        last = [-1]

        def echo(percent: int) -> None:
            if percent // 10 != last[0] // 10:
                self.stderr.write(f"{percent}%")
            last[0] = percent

        # Recorded like a run from the page, so a later --changed-only run knows where to start.
        run = TallyRun.objects.create(year=options["year"], county=county, changed_only=options["changed_only"])
        run = tally_run_execute(run=run, echo=echo)
        self.stdout.write(f"完成：{run.teachers} 名教师，写入 {run.written} 条")
        if options["out"]:
            counties = (
                [county]
                if county
                else list(
                    Region.objects.filter(level=Region.Level.COUNTY, schools__isnull=False).distinct().order_by("name")
                )
            )
            sheets = [tally_sheet(county=c, year=options["year"]) for c in counties]
            # Full ID numbers: the command is run by an administrator, for the county's own records.
            save_workbook(tally_workbook(sheets=sheets, full_ids=True), options["out"])
            self.stdout.write(f"已导出：{options['out']}")
