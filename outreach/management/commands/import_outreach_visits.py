from django.core.management.base import CommandError

from core.commands import ImportCommand
from outreach.importers import OutreachVisitImporter
from trainees.models import Region


class Command(ImportCommand):
    help = (
        "从 Excel 导入送教下乡记录（表头：年度, 项目名称, 子项目名称, 学科, 学段, 阶段, 送教次序, 日期, 送教学校, "
        "活动类型, 活动主题, 主讲人身份证号, 学时）"
    )
    importer_class = OutreachVisitImporter

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--county", help="只匹配该县区的项目（县区名称）")

    def build_importer(self, **options) -> OutreachVisitImporter:
        county_id = None
        if options.get("county"):
            county = Region.objects.filter(level=Region.Level.COUNTY, name=options["county"]).first()
            if county is None:
                raise CommandError(f"找不到县区：{options['county']}")
            county_id = county.pk
        return OutreachVisitImporter(county_id=county_id)
