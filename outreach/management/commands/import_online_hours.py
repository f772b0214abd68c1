from core.commands import ImportCommand
from outreach.importers import OnlineHoursImporter


class Command(ImportCommand):
    help = "从 Excel 导入网络研修学时（表头：年度, 项目名称, 子项目名称, 身份证号, 姓名, 在线学时, 完成任务数）"
    importer_class = OnlineHoursImporter
