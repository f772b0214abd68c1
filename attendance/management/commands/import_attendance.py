from django.core.management.base import CommandError

from attendance.importers import AttendanceImporter
from core.commands import ImportCommand
from trainees.models import Region


class Command(ImportCommand):
    help = "从 Excel 导入考勤（表头：年度, 项目名称, 子项目名称, 日期, 身份证号, 姓名, 出勤状态, 备注）"
    importer_class = AttendanceImporter

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--county", help="只匹配该县区的项目（县区名称）")
        parser.add_argument("--reason", default="", help="记录在修改记录中的原因")

    def build_importer(self, **options) -> AttendanceImporter:
        county_id = None
        if options.get("county"):
            county = Region.objects.filter(level=Region.Level.COUNTY, name=options["county"]).first()
            if county is None:
                raise CommandError(f"找不到县区：{options['county']}")
            county_id = county.pk
        return AttendanceImporter(county_id=county_id, reason=options.get("reason") or None)
