"""Base for the import management commands: the same service as the browser, same rules."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from .importing import Importer, run_import


class ImportCommand(BaseCommand):
    importer_class: type[Importer]

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="检查文件但不写入")
        parser.add_argument("--sheet", default=None, help="读取的工作表名称（默认：当前显示的工作表）")

    def build_importer(self, **options) -> Importer:
        return self.importer_class()

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        importer = self.build_importer(**options)
        with path.open("rb") as stream:
            result = run_import(
                importer, stream, dry_run=options["dry_run"], name=path.name, sheet=options.get("sheet")
            )
        for note in result.notes:
            self.stdout.write(note)
        for error in result.errors:
            self.stderr.write(str(error))
        if result.errors:
            raise CommandError(f"共 {len(result.errors)} 个问题，未导入任何数据")
        verb = "检查通过（未写入）" if options["dry_run"] else "导入完成"
        self.stdout.write(f"{verb}：共 {result.total_rows} 行，新增 {result.created}，更新 {result.updated}")
