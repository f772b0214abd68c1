from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("考核与学分")

    def ready(self) -> None:
        from . import importers  # noqa: F401  (registers the score importer)
