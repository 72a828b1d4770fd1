from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("办件")

    def ready(self):
        from .messages import register_messages
        from .payments_bridge import register_payment_listener
        from .prefill import register_built_in_sources

        register_messages()
        register_built_in_sources()
        register_payment_listener()
