from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("送教下乡与工作坊")

    def ready(self) -> None:
        from . import importers  # noqa: F401  (registers the online-hours importer)
