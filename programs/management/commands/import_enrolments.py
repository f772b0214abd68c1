from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from core.commands import ImportCommand
from programs.importers import EnrolmentImporter


class Command(ImportCommand):
    help = "从 Excel 导入报名名单（表头：年度, 项目名称, 子项目名称, 身份证号, 姓名, 状态）"
    importer_class = EnrolmentImporter

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--user", help="记入变更历史的操作人用户名")

    def build_importer(self, **options):
        actor = None
        if options.get("user"):
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"找不到用户：{options['user']}")
        return EnrolmentImporter(actor=actor)
