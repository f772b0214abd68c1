from core.commands import ImportCommand
from trainees.importers import TeacherImporter


class Command(ImportCommand):
    help = "从 Excel 导入教师（必需列：姓名, 身份证号, 学校）"
    importer_class = TeacherImporter
