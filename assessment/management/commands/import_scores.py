from assessment.importers import ScoreImporter
from core.commands import ImportCommand


class Command(ImportCommand):
    help = "导入考核成绩（表头：年度, 项目名称, 子项目名称, 身份证号, 姓名, 各考核项…）"
    importer_class = ScoreImporter
