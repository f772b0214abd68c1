"""`manage.py annual_summary --from 2022 --to 2026 --out 汇总.xlsx [--county 甲县 | --city 亳州市 |
--province 安徽省]`: the same request row and the same Celery task as the export page, run here
in-process, then the file copied out. A city or province gives the roll-up over its counties."""

import shutil
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from reports.models import ExportJob
from reports.services import export_request_for_command
from reports.tasks import export_annual_summary
from trainees.models import Region

LEVELS = {"county": Region.Level.COUNTY, "city": Region.Level.CITY, "province": Region.Level.PROVINCE}


class Command(BaseCommand):
    help = "生成年度培训汇总 Excel（县区，或市、省的汇总）"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="year_from", type=int, required=True)
        parser.add_argument("--to", dest="year_to", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True)
        unit = parser.add_mutually_exclusive_group()
        unit.add_argument("--county", help="县区名称；三者都省略则汇总全部县区")
        unit.add_argument("--city", help="市名称：按县区分块汇总，含全市合计")
        unit.add_argument("--province", help="省名称：按县区分块汇总，含全省合计")
        parser.add_argument("--not-trained-years", type=int, default=3)
        parser.add_argument("--many-times", type=int, default=3)

    def handle(self, *args, **options):
        county = region = None
        for key, level in LEVELS.items():
            name = options[key]
            if not name:
                continue
            found = list(Region.objects.filter(level=level, name=name)[:2])
            if len(found) != 1:
                raise CommandError(f"找不到唯一的{Region.Level(level).label}：{name}")
            if key == "county":
                county = found[0]
            else:
                region = found[0]
        try:
            job = export_request_for_command(
                county=county,
                region=region,
                year_from=options["year_from"],
                year_to=options["year_to"],
                not_trained_years=options["not_trained_years"],
                many_times=options["many_times"],
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        export_annual_summary.apply(args=(job.pk,), throw=True)
        job.refresh_from_db()
        if job.status != ExportJob.Status.DONE:
            raise CommandError(f"导出失败：{job.error}")
        with job.file.open("rb") as source, options["out"].open("wb") as target:
            shutil.copyfileobj(source, target)
        self.stdout.write(f"已生成 {options['out']}（导出记录 #{job.pk}，用时 {job.duration_seconds:.1f} 秒）")
