from django.core.management.base import CommandError

from core.commands import ImportCommand
from programs.importers import ProgramImporter
from trainees.models import Region


def county_option(name: str | None) -> Region | None:
    if not name:
        return None
    matches = list(Region.objects.filter(level=Region.Level.COUNTY, name=name)[:2])
    if len(matches) != 1:
        raise CommandError(f"找不到唯一的县区：{name}")
    return matches[0]


class Command(ImportCommand):
    help = (
        "从 Excel 导入培训项目（每行一个子项目；表头：年度, 级别, 类别, 项目名称, 子项目名称, 子项目类型, "
        "承办机构, 形式, 开始日期, 结束日期, 学时, 学分类别, 名额, 县区）"
    )
    importer_class = ProgramImporter

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--create-categories", action="store_true", help="自动创建文件中不存在的类别")
        parser.add_argument("--county", help="县区列为空时使用的县区")

    def build_importer(self, **options):
        return ProgramImporter(
            create_categories=options["create_categories"], default_county=county_option(options.get("county"))
        )
