from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("办件")

    def ready(self):
        from . import messages  # noqa: F401  (register the message texts)
