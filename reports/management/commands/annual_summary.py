"""`manage.py annual_summary --from 2022 --to 2026 --out 汇总.xlsx [--county 甲县]`: the same request
row and the same Celery task as the export page, run here in-process, then the file copied out."""

import shutil
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from reports.models import ExportJob
from reports.services import export_request_for_command
from reports.tasks import export_annual_summary
from trainees.models import Region


class Command(BaseCommand):
    help = "生成年度培训汇总 Excel"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="year_from", type=int, required=True)
        parser.add_argument("--to", dest="year_to", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--county", help="县区名称；省略则汇总全部县区")
        parser.add_argument("--not-trained-years", type=int, default=3)
        parser.add_argument("--many-times", type=int, default=3)

    def handle(self, *args, **options):
        county = None
        if options["county"]:
            counties = list(Region.objects.filter(level=Region.Level.COUNTY, name=options["county"])[:2])
            if len(counties) != 1:
                raise CommandError(f"找不到唯一的县区：{options['county']}")
            county = counties[0]
        try:
            job = export_request_for_command(
                county=county,
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
