from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("中介超市")

    def ready(self):
        from . import signals
        from .messages import register_messages

        register_messages()
        signals.connect()
