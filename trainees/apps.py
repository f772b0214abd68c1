from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraineesConfig(AppConfig):
    name = "trainees"
    verbose_name = _("学校与教师")

    def ready(self) -> None:
        from . import importers  # noqa: F401  (registers the registry importers)
