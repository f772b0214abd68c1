from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("考勤")

    def ready(self) -> None:
        from . import importers  # noqa: F401  (registers the attendance importer)
