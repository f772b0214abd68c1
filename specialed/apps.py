from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpecialedConfig(AppConfig):
    name = "specialed"
    verbose_name = _("特殊教育")
