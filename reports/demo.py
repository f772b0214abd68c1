"""Demo report: the administrator's annual summary export of the demo's three years.

Requested through the service like the export page does; the job runs once the load commits (in-process
under `make run`, by a worker where a broker is configured), so 统计报表 → 年度汇总导出 has a file.
"""

from django.db import transaction

from accounts.models import User
from programs.models import SubProject
from trainees.models import Region

from .models import ExportJob
from .services import export_request


@transaction.atomic
def load_reports(*, county: Region, subprojects: dict[str, SubProject], **_: object) -> ExportJob:
    year = subprojects["current"].program.year
    existing = ExportJob.objects.filter(county=county, year_from=year - 2, year_to=year).first()
    if existing is not None:
        return existing
    return export_request(user=User.objects.get(username="admin"), year_from=year - 2, year_to=year, county=county)
