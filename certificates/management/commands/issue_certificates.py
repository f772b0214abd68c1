"""`manage.py issue_certificates --year 2026 --program 名称 --subproject 名称 --out DIR [--county 甲县]`:
the same job row and the same Celery task as the 批量发证 button, run here in-process; then every
certificate in force of the sub-project and the zip are written to DIR. Idempotent: a second run
issues nothing new (and writes the same files again)."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certificates.models import IssueJob
from certificates.services import batch_certificates, copy_files, issue_request_for_command
from certificates.tasks import issue_batch
from programs.models import SubProject
from trainees.models import Region


class Command(BaseCommand):
    help = "批量发放子项目的结业证书，并把 PDF 和压缩包写入目录"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--program", required=True, help="项目名称")
        parser.add_argument("--subproject", required=True, help="子项目名称")
        parser.add_argument("--out", type=Path, required=True, help="输出目录")
        parser.add_argument("--county", help="县区名称：项目名称在多个县区重复，或为市/省项目时必填")

    def handle(self, *args, **options):
        subs = SubProject.objects.select_related("program__county").filter(
            program__year=options["year"], program__name=options["program"], name=options["subproject"]
        )
        county = None
        if options["county"]:
            county = Region.objects.filter(level=Region.Level.COUNTY, name=options["county"]).first()
            if county is None:
                raise CommandError(f"找不到县区：{options['county']}")
            subs = subs.filter(program__county=county) | subs.filter(county_quotas__county=county)
        found = list(subs.distinct()[:2])
        if len(found) != 1:
            raise CommandError("找不到唯一的子项目，请核对年度、项目名称和子项目名称（或加 --county）")
        sub = found[0]
        county = county or sub.program.county
        if county is None:
            raise CommandError("市/省项目请用 --county 指定发证县区")
        job = issue_request_for_command(subproject=sub, county=county)
        issue_batch.apply(args=(job.pk,), throw=True)
        job.refresh_from_db()
        if job.status != IssueJob.Status.DONE:
            raise CommandError(f"发证失败：{job.error}")
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        written = copy_files(certificates=batch_certificates(subproject=sub, county=county), out_dir=out)
        target = out / job.download_name
        temp = target.with_name(f".{target.name}.part")
        with job.file.open("rb") as source:
            temp.write_bytes(source.read())
        os.replace(temp, target)
        self.stdout.write(f"本次发放 {job.issued} 份，符合条件 {job.eligible} 人，共写出 {written} 份 PDF 和 {target}")
