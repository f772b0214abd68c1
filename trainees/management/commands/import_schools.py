from core.commands import ImportCommand
from trainees.importers import SchoolImporter


class Command(ImportCommand):
    help = "从 Excel 导入学校（表头：省, 市, 县区, 乡镇, 学校代码, 学校名称, 类型, 城乡）"
    importer_class = SchoolImporter
