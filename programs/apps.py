from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("培训项目")

    def ready(self) -> None:
        from core import health

        from . import import_notices, importers  # noqa: F401  (registers the program and enrolment importers)

        health.CHECKS["notices"] = import_notices.check_owed
